/*
 * Field readers shared by the four inbound request decoders. Each reads one wire value and
 * either returns it typed or throws `ProxyError('invalid_request')` naming the field path, so a
 * client learns which field to fix. Absent and `null` mean "not sent" everywhere.
 */

import { ProxyError } from '../core/errors';
import type { JsonObject } from '../core/json';

/** Words "`path` must be `expectation`." the way one client API phrases its own errors. */
export type FieldWording = (path: string, expectation: string) => string;

/** OpenAI and Gemini style: "`temperature` must be a number." */
export const backtickWording: FieldWording = (path, expectation) => `\`${path}\` must be ${expectation}.`;

/** Anthropic style, like the API's own validation errors: "temperature: must be a number." */
export const colonWording: FieldWording = (path, expectation) => `${path}: must be ${expectation}.`;

/** The error every decoder throws for a malformed request; `param` names the field when known. */
export function invalidRequest(message: string, param?: string): ProxyError {
  return new ProxyError('invalid_request', message, param === undefined ? {} : { param });
}

/** True when the client sent the field: neither absent nor `null`. */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A finite number, or undefined when not sent. */
export function optionalNumber(value: unknown, path: string, wording: FieldWording = backtickWording): number | undefined {
  if (!isPresent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(wording(path, 'a number'), path);
  return value;
}

/** An integer of at least 1 (a token limit), or undefined when not sent. */
export function optionalPositiveInteger(value: unknown, path: string, wording: FieldWording = backtickWording): number | undefined {
  if (!isPresent(value)) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1) throw invalidRequest(wording(path, 'a positive integer'), path);
  return value as number;
}

/** A boolean, or undefined when not sent. */
export function optionalBoolean(value: unknown, path: string, wording: FieldWording = backtickWording): boolean | undefined {
  if (!isPresent(value)) return undefined;
  if (typeof value !== 'boolean') throw invalidRequest(wording(path, 'true or false'), path);
  return value;
}

/** A string, or undefined when not sent. */
export function optionalString(value: unknown, path: string, wording: FieldWording = backtickWording): string | undefined {
  if (!isPresent(value)) return undefined;
  if (typeof value !== 'string') throw invalidRequest(wording(path, 'a string'), path);
  return value;
}

/**
 * A string the request cannot do without. `meaning` says what the string is for, so the error
 * reads "`input[0].call_id` must be a string: the id tool outputs refer to."
 */
export function requiredString(value: unknown, path: string, meaning: string, wording: FieldWording = backtickWording): string {
  if (typeof value !== 'string') throw invalidRequest(wording(path, `a string: ${meaning}`), path);
  return value;
}

/** An array of strings, or undefined when not sent. */
export function optionalStringArray(value: unknown, path: string, wording: FieldWording = backtickWording): string[] | undefined {
  if (!isPresent(value)) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidRequest(wording(path, 'an array of strings'), path);
  }
  return value as string[];
}

/** The fields of `object` outside `known`, in the client's order, or undefined when there are none. */
export function extraKeys(object: JsonObject, known: ReadonlySet<string>): JsonObject | undefined {
  let extra: JsonObject | undefined;
  for (const key in object) if (!known.has(key)) (extra ??= {})[key] = object[key];
  return extra;
}

/** True when `object` has no field but `keys` (it may lack some of them). */
export function hasOnlyKeys(object: JsonObject, ...keys: string[]): boolean {
  for (const key in object) if (!keys.includes(key)) return false;
  return true;
}
