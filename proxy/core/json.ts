/** A parsed JSON object whose fields are still to be checked. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not null, not an array): the first check of every wire decoder. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Tool call arguments (JSON text, as the canonical model keeps them) as the object Anthropic
 * and Gemini want. Text that is not a JSON object (a model's truncated or broken call) becomes
 * `{}` rather than failing the whole turn.
 */
export function parseToolArguments(input: string): JsonObject {
  if (input === '') return {};
  try {
    const parsed: unknown = JSON.parse(input);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
