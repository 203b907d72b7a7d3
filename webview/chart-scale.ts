/**
 * The geometry of the panel's charts, without the DOM: axis ticks, scales, the days to show,
 * and where each bar, point and label goes. The charts view only turns these into SVG.
 */
import type { AggregateRow } from './protocol';

/** Round axis ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, desiredCount = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const roughStep = max / desiredCount;
  const magnitude = 10 ** Math.floor(Math.log10(roughStep));
  const residual = roughStep / magnitude;
  // Nearest of 1, 2, 5, 10 on a log scale (the thresholds are their geometric means).
  const step = (residual >= 7.07 ? 10 : residual >= 3.16 ? 5 : residual >= 1.41 ? 2 : 1) * magnitude;
  const ticks: number[] = [];
  // Rounding to the step's decimals keeps 0.1 + 0.2 from printing as 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Number(value.toFixed(decimals)));
  if (ticks.length < 2) ticks.push(Number(step.toFixed(decimals)));
  return ticks;
}

/** Writes a y tick; `step` is the distance between ticks, so labels can show just enough decimals. */
export type TickFormatter = (value: number, step: number) => string;

/** The y axis's labels, and the frame with a left margin wide enough for the longest of them. */
function labelAxis(ticks: readonly number[], formatTick: TickFormatter, frame: ChartFrame): { labels: string[]; frame: ChartFrame } {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const labels = ticks.map((value) => formatTick(value, step));
  // Labels end 8 px left of the plot; an 11 px digit is about 6.5 px wide.
  const needed = Math.ceil(12 + 6.5 * Math.max(0, ...labels.map((label) => label.length)));
  return { labels, frame: needed > frame.marginLeft ? { ...frame, marginLeft: needed } : frame };
}

/** A linear map from `[domainMin, domainMax]` onto `[rangeStart, rangeEnd]`. */
export function linearScale(domainMin: number, domainMax: number, rangeStart: number, rangeEnd: number): (value: number) => number {
  const span = domainMax - domainMin || 1;
  return (value) => rangeStart + ((value - domainMin) / span) * (rangeEnd - rangeStart);
}

/** The value below which `fraction` of the values fall (nearest rank); null for no values. */
export function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** One calendar day of the chart, with its totals when it had requests. */
export interface ChartDay {
  /** `YYYY-MM-DD`. */
  day: string;
  row?: AggregateRow;
}

/**
 * Every day from the first day with data (or `minimumDays` before the last) to the last, so
 * days without requests show as gaps rather than being skipped. Rows without a day key are
 * ignored.
 */
export function fillDays(rows: readonly AggregateRow[], minimumDays = 7): ChartDay[] {
  const byDay = new Map<string, AggregateRow>();
  for (const row of rows) if (row.key !== null && parseDay(row.key) !== undefined) byDay.set(row.key, row);
  const days = [...byDay.keys()].sort();
  if (days.length === 0) return [];
  const last = parseDay(days[days.length - 1])!;
  // At least `minimumDays`, at most a year: a stray old row must not make thousands of empty bars.
  const first = Math.max(Math.min(parseDay(days[0])!, addDays(last, -(minimumDays - 1))), addDays(last, -365));
  const result: ChartDay[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) {
    const key = formatDay(day);
    result.push({ day: key, row: byDay.get(key) });
  }
  return result;
}

/** Short label for an axis: `11-24`. */
export function shortDay(day: string): string {
  return day.slice(5);
}

/** Outer size and inner margins of a chart, in pixels. */
export interface ChartFrame {
  width: number;
  height: number;
  marginTop: number;
  marginRight: number;
  marginBottom: number;
  marginLeft: number;
}

/** A chart frame with margins that fit tick labels of a 12–13 px font. */
export function chartFrame(width: number, height: number, marginLeft = 56): ChartFrame {
  return { width: Math.max(200, width), height, marginTop: 12, marginRight: 16, marginBottom: 28, marginLeft };
}

/** A horizontal grid line and its label. */
export interface AxisTick {
  y: number;
  label: string;
}

/** An x-axis label at its centre. */
export interface AxisLabel {
  x: number;
  label: string;
}

/** One bar of a bar chart, in pixels, with its tooltip. */
export interface BarShape {
  x: number;
  y: number;
  width: number;
  height: number;
  tooltip: string;
}

/** One input bar: its category label, its value, and what its tooltip says. */
export interface BarInput {
  label: string;
  value: number;
  tooltip: string;
}

/** A bar chart laid out in a frame. */
export interface BarChartLayout {
  frame: ChartFrame;
  bars: BarShape[];
  yTicks: AxisTick[];
  xLabels: AxisLabel[];
  baseline: number;
  /** The y of any value on this chart's scale (for reference lines such as a median). */
  y: (value: number) => number;
}

/**
 * Lays out bars over equal bands; at most ~`frame.width / 48` x labels are drawn so they do
 * not collide (every n-th band, always including the last).
 */
export function layoutBarChart(inputs: readonly BarInput[], givenFrame: ChartFrame, formatTick: TickFormatter): BarChartLayout {
  const ticks = niceTicks(Math.max(0, ...inputs.map((input) => input.value)));
  const { labels: tickLabels, frame } = labelAxis(ticks, formatTick, givenFrame);
  const plotLeft = frame.marginLeft;
  const plotRight = frame.width - frame.marginRight;
  const plotTop = frame.marginTop;
  const baseline = frame.height - frame.marginBottom;
  const y = linearScale(0, ticks[ticks.length - 1], baseline, plotTop);
  const band = inputs.length > 0 ? (plotRight - plotLeft) / inputs.length : 0;
  const barWidth = Math.max(1, Math.min(40, band * 0.7));
  const labelEvery = Math.max(1, Math.ceil(inputs.length / Math.max(1, Math.floor((plotRight - plotLeft) / 48))));
  const bars: BarShape[] = [];
  const xLabels: AxisLabel[] = [];
  inputs.forEach((input, index) => {
    const centre = plotLeft + band * (index + 0.5);
    const top = y(Math.max(0, input.value));
    // A non-zero value gets at least one visible pixel.
    const height = input.value > 0 ? Math.max(1, baseline - top) : 0;
    bars.push({ x: centre - barWidth / 2, y: baseline - height, width: barWidth, height, tooltip: input.tooltip });
    if ((inputs.length - 1 - index) % labelEvery === 0) xLabels.push({ x: centre, label: input.label });
  });
  return { frame, bars, yTicks: ticks.map((value, index) => ({ y: y(value), label: tickLabels[index] })), xLabels, baseline, y };
}

/** A point of a line series; null values leave a gap. */
export interface SeriesInput {
  name: string;
  values: Array<number | null>;
  /** Tooltip of each point. */
  tooltips: string[];
}

/** A laid-out line: its SVG path and its points. */
export interface SeriesShape {
  name: string;
  path: string;
  points: Array<{ x: number; y: number; tooltip: string }>;
}

/** A line chart laid out in a frame. */
export interface LineChartLayout {
  frame: ChartFrame;
  series: SeriesShape[];
  yTicks: AxisTick[];
  xLabels: AxisLabel[];
  baseline: number;
}

/** Lays out line series sharing one x axis (`labels`) and one y axis from 0. */
export function layoutLineChart(
  labels: readonly string[],
  inputs: readonly SeriesInput[],
  givenFrame: ChartFrame,
  formatTick: TickFormatter,
): LineChartLayout {
  const all = inputs.flatMap((input) => input.values.filter((value): value is number => value !== null));
  const ticks = niceTicks(Math.max(0, ...all));
  const { labels: tickLabels, frame } = labelAxis(ticks, formatTick, givenFrame);
  const plotLeft = frame.marginLeft;
  const plotRight = frame.width - frame.marginRight;
  const baseline = frame.height - frame.marginBottom;
  const y = linearScale(0, ticks[ticks.length - 1], baseline, frame.marginTop);
  const band = labels.length > 0 ? (plotRight - plotLeft) / labels.length : 0;
  const x = (index: number): number => plotLeft + band * (index + 0.5);
  const labelEvery = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor((plotRight - plotLeft) / 48))));
  const xLabels = labels.flatMap((label, index) => ((labels.length - 1 - index) % labelEvery === 0 ? [{ x: x(index), label }] : []));
  const series = inputs.map((input) => {
    let path = '';
    let penDown = false;
    const points: SeriesShape['points'] = [];
    input.values.forEach((value, index) => {
      if (value === null) {
        penDown = false;
        return;
      }
      const point = { x: round(x(index)), y: round(y(value)), tooltip: input.tooltips[index] ?? '' };
      path += `${penDown ? 'L' : 'M'}${point.x},${point.y}`;
      penDown = true;
      points.push(point);
    });
    return { name: input.name, path, points };
  });
  return { frame, series, yTicks: ticks.map((value, index) => ({ y: y(value), label: tickLabels[index] })), xLabels, baseline };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function parseDay(day: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  // Days are counted in UTC so daylight saving changes cannot skip or repeat a day.
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

function addDays(day: number, count: number): number {
  return day + count * 86_400_000;
}

function formatDay(day: number): string {
  return new Date(day).toISOString().slice(0, 10);
}

/** One segment of a stacked bar: its series (for its colour) and value. */
export interface StackSegmentInput {
  series: string;
  value: number;
}

/** One stacked bar: its category label, its segments bottom to top, and what its tooltip says. */
export interface StackedBarInput {
  label: string;
  segments: StackSegmentInput[];
  tooltip: string;
}

/** A segment laid out: a rectangle of one series. */
export interface StackSegmentShape {
  series: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A stacked bar chart laid out in a frame; each bar also has its whole column's shape, for the tooltip. */
export interface StackedBarChartLayout extends Omit<BarChartLayout, 'bars'> {
  bars: Array<BarShape & { segments: StackSegmentShape[] }>;
}

/**
 * Lays out stacked bars: the axis runs to the tallest stack, segments stack bottom up in the
 * given order, and a segment that rounds to nothing still gets a hairline so it can be hovered.
 */
export function layoutStackedBarChart(inputs: readonly StackedBarInput[], givenFrame: ChartFrame, formatTick: TickFormatter): StackedBarChartLayout {
  const totals = inputs.map((input) => input.segments.reduce((sum, segment) => sum + Math.max(0, segment.value), 0));
  const plain = layoutBarChart(
    inputs.map((input, index) => ({ label: input.label, value: totals[index] ?? 0, tooltip: input.tooltip })),
    givenFrame,
    formatTick,
  );
  const bars = plain.bars.map((bar, index) => {
    let top = plain.baseline;
    const segments: StackSegmentShape[] = [];
    for (const segment of inputs[index]?.segments ?? []) {
      if (!(segment.value > 0)) continue;
      const height = Math.max(0.5, plain.baseline - plain.y(segment.value));
      top -= height;
      segments.push({ series: segment.series, x: bar.x, y: top, width: bar.width, height });
    }
    return { ...bar, segments };
  });
  return { ...plain, bars };
}
