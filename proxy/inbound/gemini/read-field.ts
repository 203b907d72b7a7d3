import type { JsonObject } from '../../core/json';
import { optionalNumber } from '../decode-fields';

/** A field by its camelCase name or, when absent, its snake_case one: Google's API accepts both. */
export function read(object: JsonObject, camel: string, snake: string): unknown {
  const value = object[camel];
  return value !== undefined ? value : object[snake];
}

/** A non-empty string field in either spelling; anything else reads as not sent. */
export function readString(object: JsonObject, camel: string, snake: string): string | undefined {
  const value = read(object, camel, snake);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A number field in either spelling; errors name it by its camelCase path under `where`. */
export function readNumber(object: JsonObject, camel: string, snake: string, where = 'generationConfig'): number | undefined {
  return optionalNumber(read(object, camel, snake), `${where}.${camel}`);
}
