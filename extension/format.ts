/**
 * USD for the status bar and the sidebar, by the panel's rule (webview/format.ts `formatCost`;
 * both are tested against one table): two significant digits under a cent (`$0.00031`), cents
 * from a cent up (`$12.40`), whole dollars from $1,000, `$0` for a real zero, `—` when unknown.
 * Written twice because the extension imports nothing from the webview bundle.
 */
export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  if (amount === 0) return '$0';
  const sign = amount < 0 ? '-' : '';
  const size = Math.abs(amount);
  if (size < 0.000001) return `${sign}<$0.000001`;
  if (size < 0.01) {
    const rounded = Number(size.toPrecision(2));
    if (rounded < 0.01) return `${sign}$${rounded.toFixed(1 - Math.floor(Math.log10(rounded)))}`;
  }
  const cents = Math.round(size * 100) / 100;
  if (cents < 1000) return `${sign}$${cents.toFixed(2)}`;
  return `${sign}$${Math.round(size).toLocaleString('en-US')}`;
}

/** Milliseconds as `850 ms` or `12.3 s`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

/** Local midnight of the day `now` falls in, in milliseconds since the epoch. */
export function startOfDay(now: Date): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

/** Local midnight of the first day of the month `now` falls in. */
export function startOfMonth(now: Date): number {
  return new Date(now.getFullYear(), now.getMonth(), 1).getTime();
}
