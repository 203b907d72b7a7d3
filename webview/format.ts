/**
 * How the panel writes numbers, times and records: pure functions, so the table, the detail
 * pane and the charts agree and the unit tests can pin the rules down.
 */
import type { DecisionRecord, RequestRecord } from './protocol';

/** Shown where a value is unknown (no price, no first token, not routed). */
export const missing = '—';

/**
 * USD with as many decimals as a small amount needs: LLM calls often cost fractions of a cent,
 * so `$0.0042` says more than `$0.00`, while a month's spend reads best as `$12.34`.
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return missing;
  if (usd === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  const amount = Math.abs(usd);
  if (amount < 0.0001) return `${sign}<$0.0001`;
  if (amount < 0.01) return `${sign}$${amount.toFixed(4)}`;
  if (amount < 1) return `${sign}$${amount.toFixed(3)}`;
  if (amount < 1000) return `${sign}$${amount.toFixed(2)}`;
  return `${sign}$${groupThousands(Math.round(amount))}`;
}

/** Milliseconds as `842 ms`, `1.24 s`, `12.3 s` or `2m 05s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return missing;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds - minutes * 60);
  return `${minutes}m ${rest < 10 ? '0' : ''}${rest}s`;
}

/** A token count in a narrow column: `842`, `12.3k`, `123k`, `1.2M`. */
export function formatTokens(count: number): string {
  if (!Number.isFinite(count)) return missing;
  if (count < 1000) return String(Math.round(count));
  if (count < 100_000) return `${trimZero((count / 1000).toFixed(1))}k`;
  if (count < 1_000_000) return `${Math.round(count / 1000)}k`;
  return `${trimZero((count / 1_000_000).toFixed(1))}M`;
}

/** An exact count with thousands separators (`12,345`), for tooltips and the detail pane. */
export function formatCount(count: number): string {
  return Number.isFinite(count) ? groupThousands(Math.round(count)) : missing;
}

/** `input / output` tokens for the table. */
export function formatTokenPair(record: Pick<RequestRecord, 'inputTokens' | 'outputTokens'>): string {
  return `${formatTokens(record.inputTokens)} / ${formatTokens(record.outputTokens)}`;
}

/** The whole usage in one line, for the tokens cell's tooltip. */
export function describeUsage(
  record: Pick<RequestRecord, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens'>,
): string {
  return [
    `Input ${formatCount(record.inputTokens)}`,
    `Output ${formatCount(record.outputTokens)}`,
    `Cache read ${formatCount(record.cacheReadTokens)}`,
    `Cache write ${formatCount(record.cacheWriteTokens)}`,
    `Reasoning ${formatCount(record.reasoningTokens)}`,
  ].join(' · ');
}

/**
 * The arrival time: `14:03:12` for today, `11-24 14:03` for earlier days (local time).
 * Written out by hand rather than with `toLocaleTimeString` so columns keep one width.
 */
export function formatTime(time: number, now: number = Date.now()): string {
  const date = new Date(time);
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const today = new Date(now);
  const sameDay =
    date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  if (sameDay) return `${clock}:${pad(date.getSeconds())}`;
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock}`;
}

/** Full local date and time with milliseconds, for the detail pane and tooltips. */
export function formatTimestamp(time: number): string {
  const date = new Date(time);
  const milliseconds = String(date.getMilliseconds()).padStart(3, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${milliseconds}`;
}

const clientFormatNames: Readonly<Record<string, string>> = {
  'openai-chat': 'OpenAI Chat',
  'openai-responses': 'OpenAI Responses',
  'anthropic-messages': 'Anthropic',
  gemini: 'Gemini',
};

/** The API the client spoke, in words. */
export function formatClientFormat(format: string): string {
  return clientFormatNames[format] ?? format;
}

/** The client column: its API and, when keys are required, which local key it used. */
export function formatClient(record: Pick<RequestRecord, 'clientFormat' | 'clientKey'>): string {
  const name = formatClientFormat(record.clientFormat);
  return record.clientKey ? `${name} ${record.clientKey}` : name;
}

/** `provider/model` that served the call, or {@link missing} when it never got routed. */
/** The model the client asked for; a call refused for having none shows a dash. */
export function formatRequestedModel(record: Pick<RequestRecord, 'requestedModel'>): string {
  return record.requestedModel === '' ? missing : record.requestedModel;
}

export function formatServed(record: Pick<RequestRecord, 'provider' | 'model'>): string {
  if (record.provider && record.model) return `${record.provider}/${record.model}`;
  return record.model ?? record.provider ?? missing;
}

/** A failed call: an error status, or an error after a 200 (a stream cut midway). */
export function isFailure(record: Pick<RequestRecord, 'status' | 'error'>): boolean {
  return record.status >= 400 || record.status === 0 || record.error !== undefined;
}

/** The cache column: a hit shows how many input tokens came from the provider's cache. */
export function formatCache(record: Pick<RequestRecord, 'cacheReadTokens'>): { hit: boolean; label: string } {
  if (record.cacheReadTokens > 0) return { hit: true, label: `hit ${formatTokens(record.cacheReadTokens)}` };
  return { hit: false, label: missing };
}

const viaNames: Readonly<Record<DecisionRecord['via'], string>> = {
  rule: 'rule',
  header: 'header',
  model: 'model name',
  'default-route': 'default route',
  direct: 'direct',
};

/** How the route was chosen, in words (`rule`, `header`, `model name`, `default route`, `direct`). */
export function formatVia(via: DecisionRecord['via']): string {
  return viaNames[via] ?? via;
}

/** A rule as people name it: its name, or its position when it has none. */
export function formatRule(rule: NonNullable<DecisionRecord['rule']>): string {
  return rule.name ? rule.name : `rule #${rule.index + 1}`;
}

/**
 * The route column: the route taken and what chose it, e.g. `smart · code-review` (route and
 * rule), `fast · header`, or `direct`.
 */
export function formatRoute(decision: DecisionRecord | undefined): string {
  if (!decision) return missing;
  const parts: string[] = [];
  if (decision.route) parts.push(decision.route);
  if (decision.rule) parts.push(formatRule(decision.rule));
  else if (decision.via !== 'rule' && (decision.route || decision.via !== 'direct')) parts.push(formatVia(decision.via));
  if (parts.length === 0) parts.push(formatVia(decision.via));
  return parts.join(' · ');
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

function groupThousands(value: number): string {
  const digits = String(Math.abs(value));
  let grouped = '';
  for (let index = 0; index < digits.length; index++) {
    if (index > 0 && (digits.length - index) % 3 === 0) grouped += ',';
    grouped += digits[index];
  }
  return value < 0 ? `-${grouped}` : grouped;
}
