import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * Relays an upstream body to the client chunk by chunk: each chunk (or what `transform`
 * makes of it; the chunk itself without one) is written the moment it arrives, and the
 * upstream is paused only while the client's socket is full, so a slow client slows the read
 * instead of growing memory. `read` sees each chunk after it was written: work that does not
 * change the bytes (a usage tap, observers) waits until the client has them.
 * Event listeners rather than `for await`: the async iterator costs a promise per chunk.
 */
export function relayBody(
  body: Readable,
  response: ServerResponse,
  transform: ((chunk: Buffer) => string | Buffer) | undefined,
  idleMs?: number,
  read?: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // A body read up to its first chunk may have ended (or failed) in the meantime.
    if (body.readableEnded) {
      resolve();
      return;
    }
    if (body.errored) {
      reject(body.errored);
      return;
    }
    const resume = (): void => void body.resume();
    response.on('drain', resume);
    // A stream that goes silent for longer than idleMs is treated as cut. One timer, pushed
    // back on every chunk with refresh(): a new timer per chunk cost an allocation and two
    // timer-list operations for each of a stream's many chunks.
    const idle = idleMs === undefined ? undefined : setTimeout(() => body.destroy(new Error(`no data for ${idleMs} ms`)), idleMs);
    const watch = (): void => {
      idle?.refresh();
    };
    const done = (error?: Error): void => {
      clearTimeout(idle);
      response.off('drain', resume);
      if (error) reject(error);
      else resolve();
    };
    body.on('data', (chunk: Buffer) => {
      watch();
      let full = false;
      try {
        const output = transform === undefined ? chunk : transform(chunk);
        full = output.length > 0 && !response.write(output);
        read?.(chunk);
      } catch (error) {
        // Switchyard's own failure (a decoder or encoder bug), not the provider's: said so, so
        // the caller logs it and does not blame the provider's circuit.
        body.off('error', done);
        body.destroy();
        done(new RelayTransformError(error));
        return;
      }
      if (full) body.pause();
    });
    body.once('end', () => done());
    body.once('error', done);
    // A body paused after its first chunk (see openAttempt) flows again from here.
    body.resume();
  });
}

/** Runs a step of Switchyard's own outside relayBody, tagging what it throws as ours. */
export function ours<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new RelayTransformError(error);
  }
}

/** A relay stopped because transforming a chunk threw inside Switchyard; `cause` is the thrown error. */
export class RelayTransformError extends Error {
  constructor(override readonly cause: unknown) {
    super(`relaying a chunk failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;
