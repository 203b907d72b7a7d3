import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The credential a client sent, whichever way its SDK sends it. */
export function clientCredential(headers: IncomingHttpHeaders, query?: URLSearchParams): string | undefined {
  const authorization = headers.authorization;
  if (authorization && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') {
    return authorization.slice(7).trim();
  }
  const apiKey = headers['x-api-key'] ?? headers['x-goog-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  return query?.get('key') ?? undefined;
}

/** The accepted key the credential matches, compared in constant time; undefined if none. */
export function matchAccessKey(credential: string | undefined, accessKeys: readonly string[]): string | undefined {
  if (credential === undefined) return undefined;
  const given = Buffer.from(credential);
  for (const key of accessKeys) {
    const expected = Buffer.from(key);
    if (expected.length === given.length && timingSafeEqual(expected, given)) return key;
  }
  return undefined;
}

/** What may be shown of a secret: its last four characters. */
export function lastFour(secret: string): string {
  return secret.length <= 4 ? '…' : `…${secret.slice(-4)}`;
}
