/** The markdown table and the PASS/FAIL lines the benchmark prints. */
import type { BenchCase } from './cases';
import type { TargetName, TargetResult } from './measure';
import { replyDeltas } from './payloads';

export interface CaseOutcome {
  benchCase: BenchCase;
  results: Map<TargetName, TargetResult>;
}

/** The targets the issue sets, as ratios to the bare forwarder and milliseconds over direct. */
export const targetsByKind = { passthrough: 1.5, translation: 3 } as const;
export const firstByteTargetMs = 1;

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

function milliseconds(value: number): string {
  return Number.isNaN(value) ? '—' : value.toFixed(2);
}

function signed(value: number): string {
  if (Number.isNaN(value)) return '—';
  return (value >= 0 ? '+' : '') + value.toFixed(2);
}

function pair(left: string, right: string): string {
  return `${left} / ${right}`;
}

function addedFirstByte(result: TargetResult, direct: TargetResult, fraction: number): number {
  return percentile(result.firstByteMs, fraction) - percentile(direct.firstByteMs, fraction);
}

function cpuRatio(results: Map<TargetName, TargetResult>): number | undefined {
  const switchyard = results.get('switchyard')?.cpuMicrosecondsPerRequest;
  const bare = results.get('bare')?.cpuMicrosecondsPerRequest;
  return switchyard === undefined || bare === undefined || bare === 0 ? undefined : switchyard / bare;
}

function rowsOf({ benchCase, results }: CaseOutcome): string[] {
  const direct = results.get('direct');
  const rows: string[] = [];
  for (const [name, result] of results) {
    const overDirect = name !== 'direct' && direct !== undefined ? direct : undefined;
    const latency = pair(milliseconds(percentile(result.latencyMs, 0.5)), milliseconds(percentile(result.latencyMs, 0.99)));
    const added =
      overDirect === undefined
        ? '—'
        : pair(
            signed(percentile(result.latencyMs, 0.5) - percentile(overDirect.latencyMs, 0.5)),
            signed(percentile(result.latencyMs, 0.99) - percentile(overDirect.latencyMs, 0.99)),
          );
    let firstByte = '—';
    if (benchCase.stream) {
      firstByte =
        overDirect === undefined
          ? pair(milliseconds(percentile(result.firstByteMs, 0.5)), milliseconds(percentile(result.firstByteMs, 0.99)))
          : pair(signed(addedFirstByte(result, overDirect, 0.5)), signed(addedFirstByte(result, overDirect, 0.99)));
    }
    const cpu = result.cpuMicrosecondsPerRequest;
    const ratio = name === 'switchyard' ? cpuRatio(results) : undefined;
    const chunks = benchCase.stream
      ? `${Number.isFinite(result.fewestDeltas) ? result.fewestDeltas : 0}/${replyDeltas.length}`
      : '—';
    const cells = [
      benchCase.name,
      name,
      String(Math.round(result.requestsPerSecond)),
      latency,
      added,
      firstByte,
      cpu === undefined ? '—' : String(Math.round(cpu)),
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      chunks,
    ];
    rows.push(`| ${cells.join(' | ')} |`);
  }
  return rows;
}

/** The markdown table: one row per case and target. */
export function markdownTable(outcomes: CaseOutcome[]): string[] {
  return [
    '| case | target | req/s | latency p50 / p99 ms | added p50 / p99 ms | first byte p50 / p99 ms¹ | CPU µs/req | CPU vs bare | chunks² |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...outcomes.flatMap(rowsOf),
    '',
    '¹ direct: absolute; proxies: added over direct. ² fewest text deltas any checked stream carried / deltas sent.',
  ];
}

/** One PASS/FAIL line per target the issue sets. */
export function verdictLines(outcomes: CaseOutcome[], standIn: boolean): string[] {
  const lines: string[] = [];
  const note = standIn ? ' [stand-in: the Switchyard slot is a bare forwarder]' : '';
  for (const { benchCase, results } of outcomes) {
    const switchyard = results.get('switchyard');
    const bare = results.get('bare');
    const direct = results.get('direct');
    if (switchyard === undefined || bare === undefined || direct === undefined) continue;
    const limit = targetsByKind[benchCase.kind];
    const ratio = cpuRatio(results);
    if (ratio !== undefined) {
      lines.push(
        `${ratio <= limit ? 'PASS' : 'FAIL'} ${benchCase.name}: CPU/request ${ratio.toFixed(2)}× bare (target ≤ ${limit}×)${note}`,
      );
    }
    if (!benchCase.stream) continue;
    const kept = switchyard.failures === 0 && switchyard.fewestDeltas === replyDeltas.length;
    lines.push(`${kept ? 'PASS' : 'FAIL'} ${benchCase.name}: every chunk kept${note}`);
    const added = addedFirstByte(switchyard, direct, 0.5);
    const floor = addedFirstByte(bare, direct, 0.5);
    lines.push(
      `${added <= firstByteTargetMs ? 'PASS' : 'FAIL'} ${benchCase.name}: first byte ${signed(added)} ms p50 over direct ` +
        `(bare forwarder ${signed(floor)} ms; target ≤ ${firstByteTargetMs} ms)${note}`,
    );
  }
  return lines;
}
