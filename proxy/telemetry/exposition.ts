/**
 * The pieces of the Prometheus text exposition format (version 0.0.4) that Switchyard's
 * metrics need: bounded label values, counters and histograms kept as plain numbers, and the
 * text written only when `/metrics` is scraped.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** What a label value past its cap becomes: the series stay bounded whatever callers send. */
export const otherLabelValue = 'other';

/**
 * The distinct values one label may take. The first `cap` values seen are kept; any later one
 * is folded into `other`, so a client inventing model names cannot grow the scrape (or
 * Prometheus's memory) without bound.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(readonly cap: number) {}

  /** The value to record for `raw`: itself while there is room, else `other`. */
  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.cap) return otherLabelValue;
    this.seen.add(raw);
    return raw;
  }
}

/** Fixed buckets (upper bounds, ascending) and their counts; `+Inf` is the total count. */
export class Histogram {
  private readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const { bounds, counts } = this;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]!) {
        counts[index]!++;
        return;
      }
    }
  }

  /** Writes the `_bucket` (cumulative), `_sum` and `_count` lines of one labelled histogram. */
  write(lines: string[], name: string, labels: string): void {
    const separator = labels === '' ? '' : ',';
    let cumulative = 0;
    for (let index = 0; index < this.bounds.length; index++) {
      cumulative += this.counts[index]!;
      lines.push(`${name}_bucket{${labels}${separator}le="${this.bounds[index]}"} ${cumulative}`);
    }
    lines.push(`${name}_bucket{${labels}${separator}le="+Inf"} ${this.count}`);
    const braces = labels === '' ? '' : `{${labels}}`;
    lines.push(`${name}_sum${braces} ${formatNumber(this.sum)}`);
    lines.push(`${name}_count${braces} ${this.count}`);
  }
}

/** `name="value",…` with each value escaped as the format asks (backslash, quote, newline). */
export function labelText(pairs: readonly (readonly [string, string])[]): string {
  let text = '';
  for (const [name, value] of pairs) {
    if (text !== '') text += ',';
    text += `${name}="${escapeLabelValue(value)}"`;
  }
  return text;
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (character) => (character === '\n' ? '\\n' : `\\${character}`));
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
export function familyHeader(lines: string[], name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
  lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  lines.push(`# TYPE ${name} ${type}`);
}

/** A sample value: integers as they are, fractions without float noise beyond 12 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  return String(Number(value.toPrecision(12)));
}
