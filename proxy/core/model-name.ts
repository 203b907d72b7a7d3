import { ProxyError } from './errors';

/** Longer than any model id a provider publishes (the longest seen are ~100 characters). */
export const maximumModelNameLength = 256;

/** Anything but visible ASCII: controls (CR, LF, NUL, DEL), spaces, and every non-ASCII character. */
const invalidModelCharacter = /[^\x21-\x7e]/;

/**
 * Refuses a model name no provider could serve, before anything is planned or spent. Model
 * ids are visible ASCII at every provider (`claude-sonnet-4-6`, `gpt-4o-mini`,
 * `meta-llama/Llama-3.3-70B-Instruct`, `llama3:8b`, `claude-3-5-sonnet@20240620`); a name
 * with CR, LF, NUL or a character beyond ASCII is a client's mistake (or an attempt to
 * inject a header), and the client hears which field is wrong in its own format.
 *
 * @param field The field that carried the name, for the message and OpenAI's `param`.
 * @throws ProxyError `invalid_request` (400).
 */
export function checkModelName(name: string, field = 'model'): void {
  if (name.length <= maximumModelNameLength && !invalidModelCharacter.test(name)) return;
  const reason =
    name.length > maximumModelNameLength
      ? `is ${name.length} characters long; model ids have at most ${maximumModelNameLength}`
      : `contains ${describeCharacter(name.match(invalidModelCharacter)![0])}; model ids are visible ASCII characters only (letters, digits and - _ . : / @)`;
  throw new ProxyError('invalid_request', `The '${field}' ${reason}. Name a model such as claude-sonnet-4-6, gpt-4o-mini or groq/llama-3.3-70b-versatile.`, { param: field });
}

function describeCharacter(character: string): string {
  const code = character.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 0x0d) return `a carriage return (${hex})`;
  if (code === 0x0a) return `a line feed (${hex})`;
  if (code === 0x00) return `a NUL character (${hex})`;
  if (code === 0x20) return `a space (${hex})`;
  if (code < 0x20 || code === 0x7f) return `a control character (${hex})`;
  return `the character ${hex}`;
}
