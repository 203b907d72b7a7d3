/**
 * The panel's date range: a preset (today, the last 7 or 30 days) or two calendar days of the
 * user's choosing, turned into the time window the control API filters on. Days are local
 * calendar days, like the charts' and the proxy's `by=day` totals.
 */
import type { TimeWindow } from './protocol';

export const rangePresets = ['today', '7d', '30d', 'custom'] as const;
export type RangePreset = (typeof rangePresets)[number];

/** What the range picker holds; `from`/`to` (`YYYY-MM-DD`) only matter for `custom`. */
export interface DateRangeChoice {
  preset: RangePreset;
  from?: string;
  to?: string;
}

export const defaultRange: DateRangeChoice = { preset: '30d' };

/** The labels of the presets, as the picker shows them. */
export const presetLabels: Readonly<Record<RangePreset, string>> = { today: 'Today', '7d': '7 days', '30d': '30 days', custom: 'Custom' };

/**
 * The window of a choice at `now`: a preset runs from local midnight of its first day with no
 * end (live calls keep arriving in it); a custom range from the start of `from` to the end of
 * `to` (either may be left open).
 */
export function rangeWindow(choice: DateRangeChoice, now: number): TimeWindow {
  const today = startOfDay(now);
  switch (choice.preset) {
    case 'today':
      return { since: today };
    case '7d':
      return { since: addDays(today, -6) };
    case '30d':
      return { since: addDays(today, -29) };
    case 'custom': {
      const from = choice.from === undefined ? undefined : parseDay(choice.from);
      const to = choice.to === undefined ? undefined : parseDay(choice.to);
      const window: TimeWindow = {};
      if (from !== undefined) window.since = from;
      if (to !== undefined) window.until = addDays(to, 1) - 1;
      // Dates picked the wrong way round still mean the days between them.
      if (window.since !== undefined && window.until !== undefined && window.since > window.until) {
        return { since: to, until: from === undefined ? undefined : addDays(from, 1) - 1 };
      }
      return window;
    }
  }
}

/** Whether a time falls inside the window. */
export function inWindow(time: number, window: TimeWindow): boolean {
  return (window.since === undefined || time >= window.since) && (window.until === undefined || time <= window.until);
}

/** The range in words, for the count line and the export's file name: "the last 7 days", "Dec 1 – Dec 3". */
export function describeRange(choice: DateRangeChoice): string {
  switch (choice.preset) {
    case 'today':
      return 'today';
    case '7d':
      return 'the last 7 days';
    case '30d':
      return 'the last 30 days';
    case 'custom':
      if (choice.from !== undefined && choice.to !== undefined) return choice.from === choice.to ? choice.from : `${choice.from} – ${choice.to}`;
      if (choice.from !== undefined) return `since ${choice.from}`;
      if (choice.to !== undefined) return `until ${choice.to}`;
      return 'all time';
  }
}

/** Reads a saved choice defensively (an older panel saved none). */
export function parseRangeChoice(value: unknown): DateRangeChoice {
  if (typeof value !== 'object' || value === null) return defaultRange;
  const saved = value as Record<string, unknown>;
  if (!(rangePresets as readonly unknown[]).includes(saved.preset)) return defaultRange;
  const choice: DateRangeChoice = { preset: saved.preset as RangePreset };
  if (typeof saved.from === 'string' && parseDay(saved.from) !== undefined) choice.from = saved.from;
  if (typeof saved.to === 'string' && parseDay(saved.to) !== undefined) choice.to = saved.to;
  return choice;
}

/**
 * The calendar days (`YYYY-MM-DD`) a window spans, oldest first: from its start (or the first
 * day with data) to its end (or today), at most a year so a stray old record cannot make
 * thousands of empty bars.
 */
export function windowDays(window: TimeWindow, now: number, firstDataDay?: string): string[] {
  const end = startOfDay(window.until ?? now);
  const dataStart = firstDataDay === undefined ? undefined : parseDay(firstDataDay);
  let start = window.since !== undefined ? startOfDay(window.since) : (dataStart ?? end);
  start = Math.max(start, addDays(end, -365));
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) days.push(formatDay(day));
  return days;
}

/** `YYYY-MM-DD` of the local day containing the time. */
export function formatDay(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Local midnight of `YYYY-MM-DD`, or undefined when it is no date. */
export function parseDay(day: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const time = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
  return formatDay(time) === day ? time : undefined;
}

function startOfDay(time: number): number {
  const date = new Date(time);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Local midnight `count` days later; by the calendar, so a daylight saving change is no gap. */
function addDays(day: number, count: number): number {
  const date = new Date(day);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + count).getTime();
}
