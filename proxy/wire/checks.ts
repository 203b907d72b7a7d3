import { ProxyError } from '../core/errors';
import { isObject, type JsonObject } from '../core/json';

/** What a guard found wrong: the object it checked (`message_start event`) and the problem (`no message`). */
export interface WireProblem {
  what: string;
  problem: string;
}

/**
 * A wire value checked against the shape a decoder reads: the value, typed, or what was
 * wrong with it. Guards check only the fields Switchyard uses; the rest travels as is.
 */
export type WireCheck<T> = { ok: true; value: T } | ({ ok: false } & WireProblem);

export function wireValue<T>(value: T): WireCheck<T> {
  return { ok: true, value };
}

export function wireProblem<T>(what: string, problem: string): WireCheck<T> {
  return { ok: false, what, problem };
}

/**
 * The error a decoder reports for something a provider sent that Switchyard cannot read:
 * a 502 naming the provider, marked `malformed` so breakers do not count it as an outage.
 */
export function malformedWireError(provider: string, found: WireProblem): ProxyError {
  return new ProxyError('api_error', `${provider} sent a malformed ${found.what} (${found.problem}).`, { status: 502, provider, malformed: true });
}

/** Absent, null, or a string. */
export function isOptionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

/** Absent, null, or a finite number. */
export function isOptionalNumber(value: unknown): value is number | null | undefined {
  return value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));
}

/** Absent, null, or a JSON object. */
export function isOptionalObject(value: unknown): value is JsonObject | null | undefined {
  return value === undefined || value === null || isObject(value);
}

/** Absent, null, or an array. */
export function isOptionalArray(value: unknown): value is unknown[] | null | undefined {
  return value === undefined || value === null || Array.isArray(value);
}

/** An index into a list of blocks: a whole number, 0 or more. */
export function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * The first problem with a token-count object: not an object, or a count that is not a
 * number. `nested` names sub-objects whose own fields are counts (`output_tokens_details`).
 */
export function countsProblem(value: unknown, path: string, counts: readonly string[], nested: Readonly<Record<string, readonly string[]>> = {}): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return `${path} is not an object`;
  for (const field of counts) if (!isOptionalNumber(value[field])) return `${path}.${field} is not a number`;
  for (const [field, inner] of Object.entries(nested)) {
    const problem = countsProblem(value[field], `${path}.${field}`, inner);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
