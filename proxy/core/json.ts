/** A parsed JSON object whose fields are still to be checked. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not null, not an array): the first check of every wire decoder. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
