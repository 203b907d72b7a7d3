import type { RequestRecord } from '../store/request-record';
import type { ProxyEvents } from './proxy-events';

/** The longest error a call line carries; the record and the panel have the whole message. */
const shortErrorLength = 120;

/**
 * One line per finished call for the terminal and the Switchyard output channel:
 *
 *   call Claude Code 2.1.105 · claude-sonnet-4-5 → anthropic/claude-sonnet-4-5 · 200 · 48,211 in / 1,204 out · $0.037 · 14.3 s
 *   call curl 8.5.0 · gpt-4o → not served · 401 · OpenAI rejected the key ending …x9Qa. · 212 ms
 *
 * The log's own timestamp comes first (the proxy log prefixes every line with it).
 */
export function formatCallLine(record: RequestRecord): string {
  const tool = record.purpose !== undefined ? `Switchyard (split ${record.purpose})` : record.tool === undefined ? 'unknown tool' : record.toolVersion === undefined ? record.tool : `${record.tool} ${record.toolVersion}`;
  const asked = record.requestedModel === '' ? '(no model)' : record.requestedModel;
  const served = record.decision?.winner ?? (record.refusal !== undefined ? 'refused by Switchyard' : undefined) ?? (record.status > 0 && record.status < 400 && record.provider !== undefined && record.model !== undefined ? `${record.provider}/${record.model}` : 'not served');
  const attempts = record.decision?.attempts.length ?? 0;
  const parts = [`${tool}`, `${asked} → ${served}${attempts > 1 ? ` (↻ ${attempts} attempts)` : ''}`, String(record.status)];
  if (record.inputTokens > 0 || record.outputTokens > 0) parts.push(`${count(record.inputTokens)} in / ${count(record.outputTokens)} out`);
  if (record.costUsd !== null && record.costUsd > 0) parts.push(formatUsd(record.costUsd));
  const error = shortError(record.error);
  if (error !== undefined) parts.push(error);
  parts.push(formatMilliseconds(record.latencyMs));
  return `call ${parts.join(' · ')}`;
}

/** What the proxy served since it started, for the line it writes when it stops. */
export class CallTotals {
  calls = 0;
  failed = 0;
  /** Failed calls Switchyard refused itself (policy, budget, a request it could not serve). */
  refused = 0;
  inputTokens = 0;
  outputTokens = 0;
  costUsd = 0;
  /** Calls refused at the front door (host, origin, access key): not recorded, but counted. */
  refusedAtDoor = 0;
  private readonly startedAt = Date.now();

  add(record: RequestRecord): void {
    this.calls++;
    if (record.status >= 400 || record.status === 0 || record.error !== undefined) this.failed++;
    if (record.refusal !== undefined) this.refused++;
    this.inputTokens += record.inputTokens;
    this.outputTokens += record.outputTokens;
    if (record.costUsd !== null) this.costUsd += record.costUsd;
  }

  /** `stopping after 12m 05s: 42 calls (3 failed, 2 of them refused by Switchyard), 1,203,311 tokens in / 80,112 out, $1.24; 2 refused at the door` */
  summary(now: number = Date.now()): string {
    const refused = this.refusedAtDoor > 0 ? `; ${this.refusedAtDoor} refused at the door (no or wrong local key, foreign host or origin)` : '';
    const failed = this.refused > 0 ? `${this.failed} failed, ${this.refused} of them refused by Switchyard` : `${this.failed} failed`;
    return `stopping after ${formatMilliseconds(now - this.startedAt)}: ${this.calls} ${this.calls === 1 ? 'call' : 'calls'} (${failed}), ${count(this.inputTokens)} tokens in / ${count(this.outputTokens)} out, ${this.costUsd > 0 ? formatUsd(this.costUsd) : '$0'}${refused}`;
  }
}

/**
 * Follows the `request` event, which the recorder emits once the client's answer has closed:
 * the line is written off the request's path. With `lines` false (`--quiet`) only the totals
 * are kept. Returns the totals and a function that stops following.
 */
export function followCalls(events: ProxyEvents, log: (message: string) => void, options: { lines: boolean }): { totals: CallTotals; stop: () => void } {
  const totals = new CallTotals();
  const stop = events.on('request', (record) => {
    totals.add(record);
    if (options.lines) log(formatCallLine(record));
  });
  return { totals, stop };
}

function shortError(error: string | undefined): string | undefined {
  const text = error?.trim();
  if (!text) return undefined;
  const firstLine = text.split('\n', 1)[0]!;
  return firstLine.length > shortErrorLength ? `${firstLine.slice(0, shortErrorLength - 1).trimEnd()}…` : firstLine;
}

/**
 * `48,211`: thousands grouped with commas. By hand, not `toLocaleString('en-US')`: that goes
 * through ICU and cost ~5 µs a call line, 2–3 % of a 1 KB passthrough call's CPU (bench/profile.ts).
 */
export function count(value: number): string {
  const digits = String(Math.abs(Math.round(value)));
  const sign = value <= -0.5 ? '-' : '';
  if (digits.length <= 3) return sign + digits;
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let index = grouped.length; index < digits.length; index += 3) grouped += `,${digits.slice(index, index + 3)}`;
  return sign + grouped;
}

/** USD the way the panel writes it: two significant digits under a cent, cents from a cent up. */
export function formatUsd(usd: number): string {
  if (usd < 0.000001) return '<$0.000001';
  if (usd < 0.01) {
    const rounded = Number(usd.toPrecision(2));
    if (rounded < 0.01) return `$${rounded.toFixed(1 - Math.floor(Math.log10(rounded)))}`;
  }
  return `$${(Math.round(usd * 100) / 100).toFixed(2)}`;
}

/** `842 ms`, `1.24 s`, `12.3 s`, `2m 05s`. */
export function formatMilliseconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds - minutes * 60);
  return `${minutes}m ${rest < 10 ? '0' : ''}${rest}s`;
}
