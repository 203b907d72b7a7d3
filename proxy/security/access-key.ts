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
