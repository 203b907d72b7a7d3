/**
 * One table of cost strings that both the panel's `formatCost` and the extension's `formatUsd`
 * must produce, so the status bar, the sidebar, the table and the charts never disagree.
 * The extension imports nothing from webview/, so the rule is written twice and tested here once.
 */
export const costFormatCases: ReadonlyArray<readonly [number | null | undefined, string]> = [
  [null, '—'],
  [undefined, '—'],
  [Number.NaN, '—'],
  [0, '$0'],
  // Under a cent: two significant digits, so tiny calls stay apart and readable.
  [0.00031, '$0.00031'],
  [0.000314, '$0.00031'],
  [0.0000042, '$0.0000042'],
  [0.00421, '$0.0042'],
  [0.001, '$0.0010'],
  [0.0099, '$0.0099'],
  // Rounding up to a cent switches to cents rather than printing `$0.010`.
  [0.00999, '$0.01'],
  [0.0000004, '<$0.000001'],
  // A cent and up: cents.
  [0.01, '$0.01'],
  [0.374, '$0.37'],
  [12.4, '$12.40'],
  [999.994, '$999.99'],
  // From a thousand dollars the cents are noise: whole dollars, grouped.
  [999.996, '$1,000'],
  [12345.6, '$12,346'],
];
