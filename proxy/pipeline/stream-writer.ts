import type { ServerResponse } from 'node:http';
import type { ChunkSource } from '../upstream/upstream-client';

/** How `relayBody` hands a body to the client. */
export interface RelayOptions {
  /** What the client is sent for a chunk (a translation); the chunk itself without one. */
  transform?: (chunk: Buffer) => string | Buffer;
  /** Longest silence allowed between two chunks; a stream quiet for longer is treated as cut (within a quarter more). */
  idleMs?: number;
  /**
   * Sees each chunk after it was written: work that does not change the bytes (a usage tap,
   * observers) waits until the client's response has them.
   */
  read?: (chunk: Buffer) => void;
  /** The last bytes for the client, at the body's end (a translated stream's closing events). */
  closing?: () => string;
}

/**
 * Relays an upstream body to the client chunk by chunk and ends the client's response at the
 * body's end: each chunk (or what `transform` makes of it) is written the moment it arrives,
 * and the upstream is paused only while the client's socket is full, so a slow client slows the
 * read instead of growing memory. Resolves once the response was ended.
 *
 * The end is written in the turn the body's end arrives: Node sends a response's writes at the
 * end of the turn, so a last chunk that came with the body's end leaves in one write with the
 * response's end, where a Readable's 'end' a tick later cost a write of its own and the client a
 * second wake-up (stamped: the client's last byte 0.1–0.2 ms later on a loaded machine).
 */
export function relayBody(body: ChunkSource, response: ServerResponse, options: RelayOptions = {}): Promise<void> {
  const { transform, idleMs, read, closing } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    const resume = (): void => body.resume();
    response.on('drain', resume);
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(idle);
      response.off('drain', resume);
      if (error) reject(error);
      else resolve();
    };
    /** Switchyard stops reading: the request is cancelled and the relay fails with `error`. */
    const stop = (error: Error): void => {
      finish(error);
      body.cancel(error);
    };
    // A stream that goes silent for longer than idleMs is treated as cut. A chunk only counts
    // itself; a timer looks every quarter of idleMs and cuts the stream at the fourth look in a
    // row that found no new chunk: after idleMs of silence, and at most a quarter more. Pushing
    // one timer back on every chunk (refresh()) cost two timer-list operations a chunk, ~300
    // main-thread instructions each time (callgrind, hot12); a new timer a chunk cost more.
    let chunks = 0;
    let chunksAtLook = 0;
    let silentLooks = 0;
    const idle =
      idleMs === undefined
        ? undefined
        : setInterval(() => {
            if (chunks !== chunksAtLook) {
              chunksAtLook = chunks;
              silentLooks = 0;
            } else if (++silentLooks >= idleLooks) {
              stop(new Error(`no data for ${idleMs} ms`));
            }
          }, idleMs / idleLooks);
    body.follow({
      chunk(chunk) {
        if (settled) return;
        chunks++;
        let full = false;
        try {
          const output = transform === undefined ? chunk : transform(chunk);
          full = output.length > 0 && !response.write(output);
          read?.(chunk);
        } catch (error) {
          // Switchyard's own failure (a decoder or encoder bug), not the provider's: said so, so
          // the caller logs it and does not blame the provider's circuit.
          stop(new RelayTransformError(error));
          return;
        }
        if (full) body.pause();
      },
      end() {
        if (settled) return;
        try {
          response.end(closing?.());
        } catch (error) {
          finish(new RelayTransformError(error));
          return;
        }
        finish();
      },
      error(error) {
        finish(error);
      },
    });
  });
}

/** How many looks at a stream's chunk count make its idle limit (see relayBody). */
const idleLooks = 4;

/**
 * Writes a stream's first bytes (with the response's head) and sends them at once. Node holds a
 * response's writes until the end of the turn; the work that follows a first chunk in that turn
 * (the usage tap's first parse, the relay set up) would otherwise hold the client's first byte
 * (stamped: 50–60 µs on a loaded machine).
 */
export function writeNow(response: ServerResponse, bytes: string | Buffer): void {
  response.cork();
  response.write(bytes);
  response.uncork();
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
