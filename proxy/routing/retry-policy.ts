import type { RetryConfig } from '../config/config';
import type { ProxyError } from '../core/errors';

/** Response headers as Node and undici hand them over: lower-case names. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * Statuses that say the request itself is wrong (malformed, unauthorised, unknown model, too
 * large, unprocessable): sending it again, here or elsewhere, gets the same answer.
 */
const permanentStatuses: ReadonlySet<number> = new Set([400, 401, 403, 404, 413, 422]);

/**
 * Whether a failed attempt is worth another try, on the same target or the next one.
 *
 * Transient: the provider could not be reached (our upstream client reports 502), a timeout
 * (408, 504, or kind `timeout`), a conflict (409, which OpenAI returns while a resource is
 * being changed), rate limits (429), server errors (5xx) and Anthropic's overload (529).
 * Everything else, 400, 401, 403, 404, 413 and 422 above all, is the request's own fault.
 */
export function isRetryable(error: ProxyError): boolean {
  const status = error.status;
  if (permanentStatuses.has(status)) return false;
  if (status === 408 || status === 409 || status === 429 || status >= 500) return true;
  return error.kind === 'timeout' || error.kind === 'rate_limit' || error.kind === 'overloaded';
}

/**
 * How long to wait before retry number `attempt` (1 for the first retry) of the same target,
 * in milliseconds.
 *
 * Without a hint from the provider: exponential backoff with full jitter, a uniform draw in
 * [0, min(maxDelayMs, baseDelayMs · 2^(attempt−1))), so that clients that failed together do
 * not come back together. When the provider said how long to wait (`error.retryAfterSeconds`),
 * exactly that, up to `maxDelayMs`; a longer wait returns Infinity, meaning "do not retry this
 * target, move on to the next".
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function retryDelayMs(attempt: number, error: ProxyError, retry: RetryConfig, random: () => number): number {
  const hinted = error.retryAfterSeconds;
  if (hinted !== undefined && Number.isFinite(hinted)) {
    const hintedMs = Math.max(0, hinted * 1000);
    return hintedMs <= retry.maxDelayMs ? hintedMs : Infinity;
  }
  // Past 2^52 the ceiling is maxDelayMs anyway; the bound keeps 0 · Infinity out.
  const doublings = Math.min(Math.max(0, Math.floor(attempt) - 1), 52);
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** doublings);
  return Math.floor(random() * Math.max(0, ceiling));
}

/**
 * How long the provider asked us to wait, in seconds (0 for a time already past), or undefined
 * when its headers do not say. The most specific hint wins:
 *
 * 1. `retry-after-ms`: milliseconds, sent by OpenAI and honoured by its SDKs before `retry-after`.
 * 2. `retry-after`: delay-seconds or an HTTP date (RFC 9110).
 * 3. Rate-limit resets, read only for a 429 (they come with every answer and say nothing about
 *    5xx): OpenAI's and Groq's `x-ratelimit-reset-requests` / `-tokens` (durations such as
 *    `1s`, `6m0s`, `250ms`) and Anthropic's `anthropic-ratelimit-*-reset` (RFC 3339 times).
 *    A limit whose `…-remaining` is 0 is the one that was hit, so its reset counts; when several
 *    are at 0 the latest one, since all must reset; when none says 0 (a token limit the
 *    request's size exceeded), the latest of all, the one wait sure to be enough.
 *
 * @param status The response's status; rate-limit resets are read when it is 429 or omitted
 *   (the caller has already decided the answer is a rate limit).
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 * @see https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 * @see https://docs.anthropic.com/en/api/rate-limits#response-headers
 */
export function parseRetryAfter(headers: ResponseHeaders, now: () => number, status?: number): number | undefined {
  const milliseconds = parseSeconds(headerValue(headers, 'retry-after-ms'));
  if (milliseconds !== undefined) return milliseconds / 1000;
  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = parseSeconds(retryAfter) ?? secondsUntil(retryAfter, now);
    if (seconds !== undefined) return seconds;
  }
  if (status !== undefined && status !== 429) return undefined;
  return rateLimitReset(headers, now);
}

/** OpenAI (and Groq, which copies its headers) limits: remaining count → reset duration. */
const openAiLimits = [
  ['x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  ['x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
] as const;

/** Anthropic limits: remaining count → reset time. */
const anthropicLimits = [
  ['anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset'],
  ['anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset'],
  ['anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset'],
  ['anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
] as const;

function rateLimitReset(headers: ResponseHeaders, now: () => number): number | undefined {
  let exhausted: number | undefined;
  let latest: number | undefined;
  for (const [remainingName, resetName] of openAiLimits) {
    const reset = parseDuration(headerValue(headers, resetName));
    if (reset === undefined) continue;
    latest = latest === undefined ? reset : Math.max(latest, reset);
    if (isZero(headerValue(headers, remainingName))) exhausted = exhausted === undefined ? reset : Math.max(exhausted, reset);
  }
  for (const [remainingName, resetName] of anthropicLimits) {
    const value = headerValue(headers, resetName);
    const reset = value === undefined ? undefined : secondsUntil(value, now);
    if (reset === undefined) continue;
    latest = latest === undefined ? reset : Math.max(latest, reset);
    if (isZero(headerValue(headers, remainingName))) exhausted = exhausted === undefined ? reset : Math.max(exhausted, reset);
  }
  return exhausted ?? latest;
}

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isZero(value: string | undefined): boolean {
  return value !== undefined && value.trim() === '0';
}

/** A plain non-negative decimal number, or undefined for anything else (such as a date). */
function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 48 || code > 57) && code !== 46) return undefined;
  }
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** Seconds from now until a date (HTTP date or RFC 3339), 0 when it is past. */
function secondsUntil(value: string, now: () => number): number | undefined {
  // Both forms carry a time of day; V8's Date.parse also reads text such as `-5` as a date.
  if (!value.includes(':')) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  return Math.max(0, (time - now()) / 1000);
}

/** Seconds per unit of a Go-style duration, the format OpenAI's reset headers use. */
const durationUnits: Readonly<Record<string, number>> = {
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  'µs': 1e-6,
  ns: 1e-9,
};

/**
 * A Go-style duration (`1s`, `6m0s`, `1h2m3.5s`, `250ms`) in seconds; a bare number counts as
 * seconds. Undefined when the text is anything else.
 */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const bare = parseSeconds(text);
  if (bare !== undefined) return bare;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    const numberStart = index;
    while (index < text.length && isNumberCharacter(text.charCodeAt(index))) index++;
    if (index === numberStart) return undefined;
    const amount = Number(text.slice(numberStart, index));
    const unitStart = index;
    while (index < text.length && !isNumberCharacter(text.charCodeAt(index))) index++;
    const perUnit = durationUnits[text.slice(unitStart, index)];
    if (perUnit === undefined || !Number.isFinite(amount)) return undefined;
    total += amount * perUnit;
  }
  return total;
}

function isNumberCharacter(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 46;
}

/**
 * The time a route may still spend before the first byte reaches the client
 * (`RetryConfig.budgetMs`), counted from its creation.
 */
export class RetryBudget {
  private readonly deadline: number;

  constructor(
    budgetMs: number,
    private readonly now: () => number,
  ) {
    this.deadline = now() + budgetMs;
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.deadline - this.now());
  }

  /**
   * Whether waiting `delayMs` still leaves time to try: the wait must end strictly before the
   * budget does, and an infinite wait never fits.
   */
  allows(delayMs: number): boolean {
    return delayMs < this.remaining();
  }
}
