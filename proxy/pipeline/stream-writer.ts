import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

/**
 * Writes one chunk to the client as soon as it exists, waiting only when the client's socket
 * is full (so a slow client slows the upstream read instead of growing memory).
 */
export async function writeChunk(response: ServerResponse, chunk: string | Buffer): Promise<void> {
  if (!response.write(chunk) && !response.destroyed) await once(response, 'drain');
}

export const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;
