import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { clockOf } from './call-clock';

/**
 * Characters a header value may carry as is: tab and visible ASCII with spaces. Node also
 * accepts Latin-1 (0x80–0xFF), but clients decode those bytes differently; CR, LF and NUL
 * would end the header or let one be injected, and Node throws `ERR_INVALID_CHAR` on any of
 * them or on a character above U+00FF.
 */
const unsafeCharacter = /[^\t\x20-\x7e]/;
const unsafeCharacters = /[^\t\x20-\x7e]/gu;

/**
 * A header value that is safe whatever it was made from: unsafe characters are
 * percent-encoded as their UTF-8 bytes (`model\r\nx` → `model%0D%0Ax`), so the value still
 * says what it was and can never end the header. The usual value is returned untouched after
 * one regular-expression test.
 */
export function safeHeaderValue(value: string): string {
  if (!unsafeCharacter.test(value)) return value;
  return value.replace(unsafeCharacters, encodeCharacter);
}

function encodeCharacter(character: string): string {
  try {
    return encodeURIComponent(character);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate has no UTF-8 form: U+FFFD's bytes stand in
  }
}

/**
 * The one way Switchyard writes a response head: every value, whether it came from the
 * config, the client or a provider, passes `safeHeaderValue`, so no input can make Node
 * throw after a provider call was paid for, or split a header. A model API call's head also
 * says how long Switchyard itself took to get there (`x-switchyard-overhead-ms`, see
 * `CallClock`): stamped here, so every answer — passthrough or translated, streamed or whole,
 * refused or failed — carries it the same way.
 */
export function writeHead(response: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
  const clock = clockOf(response.req);
  if (clock !== undefined) headers['x-switchyard-overhead-ms'] = clock.stampHead();
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') {
      if (unsafeCharacter.test(value)) headers[name] = safeHeaderValue(value);
    } else if (Array.isArray(value)) {
      headers[name] = value.map((item) => safeHeaderValue(String(item)));
    }
  }
  response.writeHead(status, headers);
}
