/**
 * How the panel writes numbers, times and records: pure functions, so the table, the detail
 * pane and the charts agree and the unit tests can pin the rules down.
 */
import type { DecisionRecord, RequestRecord } from './protocol';

/** Shown where a value is unknown (no price, no first token, not routed). */
export const missing = '—';

/**
 * USD as the whole extension writes it (the status bar and sidebar use the same rule, see
 * extension/format.ts): two significant digits under a cent, because LLM calls often cost
 * fractions of one (`$0.00031`, `$0.0042`); cents from a cent up (`$0.37`, `$12.40`); whole
 * dollars from $1,000; `$0` only for a real zero and {@link missing} when the price is unknown.
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return missing;
  if (usd === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  const amount = Math.abs(usd);
  if (amount < 0.000001) return `${sign}<$0.000001`;
  if (amount < 0.01) {
    const rounded = Number(amount.toPrecision(2));
    // 0.00999 rounds to a cent and is written as one below.
    if (rounded < 0.01) return `${sign}$${rounded.toFixed(1 - Math.floor(Math.log10(rounded)))}`;
  }
  const cents = Math.round(amount * 100) / 100;
  if (cents < 1000) return `${sign}$${cents.toFixed(2)}`;
  return `${sign}$${groupThousands(Math.round(amount))}`;
}

/**
 * A cost to six significant digits for tooltips, where the table's rounded figure is not enough:
 * `$0.00045320` is written `$0.0004532`, never `$4.532e-4` or with float noise; at least cents.
 */
export function formatCostExact(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return missing;
  if (usd === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  const amount = Math.abs(usd);
  const decimals = Math.min(20, Math.max(2, 5 - Math.floor(Math.log10(amount))));
  const text = amount.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${sign}$${text}`;
}

/**
 * A cost axis label: every tick shows the decimals its step needs, so neighbouring ticks never
 * read the same (`$0.00005`, `$0.00010`, `$0.00015`, not `$0.0001` twice); cents for steps of a
 * cent and up, whole dollars for steps of a dollar and up.
 */
export function formatCostTick(value: number, step: number): string {
  if (value === 0) return '$0';
  if (!(step > 0)) return formatCost(value);
  if (step >= 1) return `$${groupThousands(Math.round(value))}`;
  return `$${value.toFixed(step >= 0.01 ? 2 : decimalsFor(step))}`;
}

/** The decimals that tell multiples of `step` apart: 0 for whole steps, 1 for 0.5, 5 for 0.00005. */
function decimalsFor(step: number): number {
  if (step >= 1) return 0;
  // The epsilon keeps 10 ** -4, stored a hair off, from asking for a fifth decimal.
  return Math.ceil(-Math.log10(step) - 1e-9);
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

/**
 * A duration axis label with the decimals its step needs: `500 ms`, `1.5 s`, `2 s`, `0.5 ms`,
 * so that no two ticks read the same; minutes once the step is a minute or more.
 */
export function formatDurationTick(value: number, step: number): string {
  if (value === 0) return '0';
  if (!(step > 0)) return formatDuration(value);
  if (step >= 60_000) return formatDuration(value);
  if (value < 1000) return `${value.toFixed(decimalsFor(step))} ms`;
  return `${(value / 1000).toFixed(decimalsFor(step / 1000))} s`;
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

/** A period boundary in local time: `2026-12-05 00:00` (seconds mean nothing there). */
export function formatPeriodBoundary(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
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

/**
 * The client column: its API and, when keys are required, which local key it used (by label;
 * records from before key ids show the key's last four characters). A call Switchyard made
 * itself to judge a split route says so instead.
 */
export function formatClient(record: Pick<RequestRecord, 'clientFormat' | 'clientKey' | 'keyLabel' | 'purpose'>): string {
  if (record.purpose === 'shadow') return 'Split judge: shadow call';
  if (record.purpose === 'judge') return 'Split judge: verdict';
  const name = formatClientFormat(record.clientFormat);
  const key = record.keyLabel ?? record.clientKey;
  return key ? `${name} · ${key}` : name;
}

/** The model the client asked for; a call refused for having none shows a dash. */
export function formatRequestedModel(record: Pick<RequestRecord, 'requestedModel'>): string {
  return record.requestedModel === '' ? missing : record.requestedModel;
}

/**
 * `provider/model` that served the call, or {@link missing} when nothing served it: refused
 * before any attempt, or every attempt failed. (The record still names the target it meant to
 * use; {@link describeUnserved} says so in the tooltip.)
 */
export function formatServed(record: Pick<RequestRecord, 'provider' | 'model' | 'status' | 'decision'>): string {
  if (!wasServed(record)) return missing;
  if (record.provider && record.model) return `${record.provider}/${record.model}`;
  return record.model ?? record.provider ?? missing;
}

/** Whether a provider answered the call: a winning attempt, or a success from the target. */
export function wasServed(record: Pick<RequestRecord, 'provider' | 'model' | 'status' | 'decision'>): boolean {
  if (record.decision?.winner !== undefined) return true;
  if (record.provider === undefined && record.model === undefined) return false;
  return record.status > 0 && record.status < 400;
}

/** The tooltip of an empty "Served by": what was meant to serve it. */
export function describeUnserved(record: Pick<RequestRecord, 'provider' | 'model' | 'status' | 'decision'>): string | undefined {
  if (wasServed(record)) return undefined;
  const tried = record.decision?.attempts.map((attempt) => attempt.target) ?? [];
  if (tried.length > 0) return `Not served: ${[...new Set(tried)].join(', ')} failed`;
  if (record.provider && record.model) return `Not served: refused before ${record.provider}/${record.model} was called`;
  return 'Not served: refused before any provider was called';
}

/**
 * The Tool column: the program that made the call, from its user agent (`Claude Code 2.1.105`,
 * `OpenAI SDK (JS) 6.3.0`, `curl 8.5.0`), or Switchyard for its own split-judge calls.
 */
export function formatTool(record: Pick<RequestRecord, 'tool' | 'toolVersion' | 'purpose'>): string {
  if (record.purpose === 'shadow' || record.purpose === 'judge') return 'Switchyard';
  if (record.tool === undefined) return missing;
  return record.toolVersion === undefined ? record.tool : `${record.tool} ${record.toolVersion}`;
}

/** The Tool cell's tooltip: the user agent as sent, the API and the key. */
export function describeTool(record: Pick<RequestRecord, 'userAgent' | 'clientFormat' | 'clientKey' | 'keyLabel' | 'purpose' | 'endpoint'>): string {
  const parts = [record.userAgent === undefined ? 'No user agent' : `User agent: ${record.userAgent}`, `${formatClient(record)} · ${record.endpoint}`];
  return parts.join('\n');
}

/**
 * The attempts marker: `↻ 3` when the call took retries or a fallback, `⇉ 2` for a race; empty
 * for the usual single attempt. The tooltip lists each attempt.
 */
export function formatAttempts(record: Pick<RequestRecord, 'decision'>): { text: string; title?: string } {
  const attempts = record.decision?.attempts ?? [];
  if (attempts.length <= 1) return { text: '' };
  const raced = attempts.some((attempt) => attempt.outcome === 'cancelled');
  const lines = attempts.map((attempt, index) => `${index + 1}. ${attempt.target} ${attempt.outcome}${attempt.status === null ? '' : ` (${attempt.status})`}`);
  const summary = raced ? `${attempts.length} attempts raced` : `${attempts.length} attempts${new Set(attempts.map((attempt) => attempt.target)).size > 1 ? ', with fallback' : ', with retries'}`;
  return { text: `${raced ? '⇉' : '↻'} ${attempts.length}`, title: [summary, ...lines].join('\n') };
}

/** The longest error the Error column shows; the tooltip and the detail pane have the rest. */
const shortErrorLength = 90;

/**
 * The Error column: the error's first sentence (or first line), cut to a width a table cell
 * can show; empty for a call that did not fail.
 */
export function formatShortError(record: Pick<RequestRecord, 'error' | 'status'>): string {
  const error = record.error?.trim();
  if (!error) return record.status >= 400 ? `HTTP ${record.status}` : '';
  const firstLine = error.split('\n', 1)[0]!;
  const sentenceEnd = firstLine.search(/[.!?](\s|$)/);
  const sentence = sentenceEnd > 0 && sentenceEnd < firstLine.length - 1 ? firstLine.slice(0, sentenceEnd + 1) : firstLine;
  return sentence.length > shortErrorLength ? `${sentence.slice(0, shortErrorLength - 1).trimEnd()}…` : sentence;
}

/** A failed call: an error status, or an error after a 200 (a stream cut midway). */
export function isFailure(record: Pick<RequestRecord, 'status' | 'error'>): boolean {
  return record.status >= 400 || record.status === 0 || record.error !== undefined;
}

/**
 * A call that failed before the provider reported any tokens: no price is known because there is
 * nothing to price, so it reads `$0` rather than "no price" (as `/stats` counts it).
 */
export function spentNothing(record: Pick<RequestRecord, 'status' | 'error' | 'costUsd' | 'inputTokens' | 'outputTokens'>): boolean {
  return record.costUsd === null && isFailure(record) && record.inputTokens + record.outputTokens === 0;
}

/**
 * The cache column, telling the two caches apart: `hit` when Switchyard's response cache
 * answered (nothing was called), `read 48k` when the provider's prompt cache served that many
 * input tokens of a call that was made.
 */
export function formatCache(record: Pick<RequestRecord, 'cacheReadTokens' | 'cache' | 'savedUsd'>): { hit: boolean; label: string; title?: string; kind?: 'response' | 'prompt' } {
  if (record.cache === 'hit') {
    return { hit: true, label: 'hit', kind: 'response', title: `Answered from Switchyard's response cache: no call made, ${formatCost(record.savedUsd ?? 0)} saved` };
  }
  if (record.cacheReadTokens > 0) {
    return { hit: true, label: `read ${formatTokens(record.cacheReadTokens)}`, kind: 'prompt', title: `${formatCount(record.cacheReadTokens)} input tokens read from the provider's prompt cache` };
  }
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
export function formatRoute(decision: DecisionRecord | undefined, purpose?: RequestRecord['purpose']): string {
  // Switchyard's own calls to judge a split go where the judge named, not through rules.
  if (purpose === 'shadow') return 'split judge · shadow';
  if (purpose === 'judge') return 'split judge · verdict';
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

/** Redaction counts per detector, e.g. `Redacted: secrets 3, email 1`. */
export function formatRedactions(counts: Readonly<Record<string, number>>): string {
  return `Redacted: ${Object.entries(counts)
    .map(([detector, count]) => `${detector} ${count}`)
    .join(', ')}`;
}
