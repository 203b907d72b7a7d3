/**
 * The stacked spend chart's series: each day's spend per provider or per model, the biggest
 * spenders of the range each in its own colour and the rest summed as "Other", so the chart
 * stays readable with forty models.
 */
import type { AggregateRow } from './protocol';
import type { StackSegmentInput } from './chart-scale';

/** How many series get their own colour; the rest are "Other". */
export const maximumSeries = 6;

/** The series id of the rest. */
export const otherSeries = '\u0000other';
/** The series id of spend without a provider or model (refused before routing: costs nothing, but). */
const unknownSeries = '\u0000unknown';

export interface SpendSeries {
  /** Series ids, biggest spender first ("Other" last). */
  order: string[];
  /** Their names for the legend and tooltips. */
  names: Map<string, string>;
  /** Their CSS classes (`series-0` … `series-5`, `series-other`). */
  classes: Map<string, string>;
  /** USD per series over the range. */
  totals: Map<string, number>;
  /** Per day (`YYYY-MM-DD`), its segments bottom to top: the biggest spender at the bottom. */
  perDay: Map<string, StackSegmentInput[]>;
}

/** Builds the series from `GET /stats?by=day&then=provider|model` rows. */
export function spendSeries(rows: readonly AggregateRow[], by: 'provider' | 'model'): SpendSeries {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (!(row.costUsd > 0)) continue;
    const id = row.subKey ?? unknownSeries;
    totals.set(id, (totals.get(id) ?? 0) + row.costUsd);
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
  // Six colours, or five and "Other" when there are more than six spenders.
  const own = ranked.length > maximumSeries ? ranked.slice(0, maximumSeries - 1) : ranked;
  const kept = new Set(own);
  const order = ranked.length > own.length ? [...own, otherSeries] : own;
  const names = new Map<string, string>();
  const classes = new Map<string, string>();
  const seriesTotals = new Map<string, number>();
  order.forEach((id, index) => {
    names.set(id, id === otherSeries ? `Other (${ranked.length - own.length} ${by === 'provider' ? 'providers' : 'models'})` : id === unknownSeries ? `no ${by}` : id);
    classes.set(id, id === otherSeries ? 'series-other' : `series-${index}`);
  });
  for (const [id, total] of totals) {
    const series = kept.has(id) ? id : otherSeries;
    seriesTotals.set(series, (seriesTotals.get(series) ?? 0) + total);
  }
  const perDay = new Map<string, Map<string, number>>();
  for (const row of rows) {
    if (row.key === null || !(row.costUsd > 0)) continue;
    const id = row.subKey ?? unknownSeries;
    const series = kept.has(id) ? id : otherSeries;
    const day = perDay.get(row.key) ?? new Map<string, number>();
    day.set(series, (day.get(series) ?? 0) + row.costUsd);
    perDay.set(row.key, day);
  }
  const rank = new Map(order.map((id, index) => [id, index]));
  const segments = new Map<string, StackSegmentInput[]>();
  for (const [day, values] of perDay) {
    segments.set(
      day,
      [...values.entries()].sort((a, b) => (rank.get(a[0]) ?? 0) - (rank.get(b[0]) ?? 0)).map(([series, value]) => ({ series, value })),
    );
  }
  return { order, names, classes, totals: seriesTotals, perDay: segments };
}
