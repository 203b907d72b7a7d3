import type { BudgetPeriod } from '../core/principal';

/** The period a moment falls in: its start and the start of the next (ms since the epoch). */
export interface PeriodBounds {
  start: number;
  /** When the spend starts again; Infinity for `total`. */
  resetsAt: number;
}

/**
 * Calendar-aligned periods in the proxy's local time zone: a day from local midnight, a week
 * from Monday's midnight (ISO weeks), a month from the 1st. `total` never resets. Daylight
 * saving changes make a local day 23 or 25 hours long; Date's local arithmetic handles that.
 */
export function periodBounds(period: BudgetPeriod, time: number): PeriodBounds {
  if (period === 'total') return { start: 0, resetsAt: Infinity };
  const date = new Date(time);
  if (period === 'month') {
    return { start: new Date(date.getFullYear(), date.getMonth(), 1).getTime(), resetsAt: new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime() };
  }
  const midnight = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  if (period === 'day') return { start: midnight.getTime(), resetsAt: new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime() };
  // getDay(): 0 is Sunday; ISO weeks start on Monday.
  const sinceMonday = (midnight.getDay() + 6) % 7;
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate() - sinceMonday);
  return { start: monday.getTime(), resetsAt: new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 7).getTime() };
}
