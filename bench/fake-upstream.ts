/**
 * The benchmark's fake provider, run as its own process so its CPU does not compete with the
 * load generator's event loop: `node fake-upstream.js [gapMs]` once bundled (run.ts bundles it), or
 * `node --import tsx bench/fake-upstream.ts [gapMs] [--schedule fixed]`.
 * Prints its URL as the first stdout line.
 *
 * `--schedule fixed` sets each event's time from the stream's start instead of from the previous
 * write (see `writeEvents`). `POST /stamps` starts recording, for every streamed reply, when its
 * request had arrived whole and when its first and its last event were written (the machine's monotonic clock,
 * nanoseconds); `GET /stamps` answers them in arrival order and stops (`provider-stamps.ts`).
 *
 * It answers `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic), as JSON or,
 * when the body asks for `"stream":true`, as SSE written one event per `write` with `gapMs`
 * between events (1 ms by default) so that a proxy which buffers or coalesces shows it in the
 * time to first byte. Every reply is precomputed; per request it only reads the body.
 *
 * A body holding `bench-chunks-<n>-gap-<ms>` (the memory check puts it in an Anthropic request's
 * `metadata.user_id`) gets a long stream instead: the reply's opening events, its first text
 * delta `n` times `ms` apart, then its closing events. A body holding `bench-answer-<k>` (the
 * cache-hit case, in OpenAI's `user`) is answered with `k` deltas of 1 KB each instead of the
 * usual reply, streamed or whole.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { largeUpstreamReplies, upstreamReplies, type UpstreamReply } from './upstream-replies';

const streamMarker = Buffer.from('"stream":true');
const longStreamMarker = /bench-chunks-(\d+)-gap-(\d+)/;
const largeAnswerMarker = /bench-answer-(\d+)/;
const largeAnswerPrefix = Buffer.from('bench-answer-');

/** The reply's events with its text deltas replaced by `count` copies of the first one. */
function longStream(events: Buffer[], count: number): Buffer[] {
  const isDelta = (event: Buffer): boolean => event.includes('"text_delta"') || event.includes('"content":"');
  const first = events.findIndex(isDelta);
  let last = events.length - 1;
  while (last > first && !isDelta(events[last]!)) last--;
  return [...events.slice(0, first), ...new Array<Buffer>(count).fill(events[first]!), ...events.slice(last + 1)];
}

/**
 * When a streamed reply's request had arrived whole and its first and last events were written, on the monotonic clock
 * every process on the machine shares (`process.hrtime`), nanoseconds; kept only with `--stamps`.
 */
interface StreamStamps {
  arrivedNs: number;
  /** When the head and the first event were written (one `write`: Node sends the head with it). */
  firstWriteNs: number;
  lastWriteNs: number;
}

/** While recording (`POST /stamps` until `GET /stamps`): every streamed reply's stamps in arrival order. */
let stamps: StreamStamps[] | undefined;

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * Writes `events` one a `write`, `gapMs` apart. With `fixed` (`--schedule fixed`) event i is due
 * `i × gapMs` after the first write and each timer is set for what is left to that moment, so
 * a late timer delays its own event only, not every event after it; otherwise each timer is set
 * `gapMs` after the previous write (the default), and a stream's length is the sum of its
 * timers' lateness.
 */
function writeEvents(response: http.ServerResponse, events: Buffer[], gapMs: number, fixed: boolean, stamp?: StreamStamps): void {
  let index = 0;
  const startMs = performance.now();
  const next = (): void => {
    if (response.destroyed) return;
    response.write(events[index++]);
    if (index === 1 && stamp !== undefined) stamp.firstWriteNs = nowNs();
    if (index === events.length) {
      if (stamp !== undefined) stamp.lastWriteNs = nowNs();
      response.end();
    } else if (gapMs === 0) setImmediate(next);
    else if (!fixed) setTimeout(next, gapMs);
    else {
      const waitMs = startMs + index * gapMs - performance.now();
      if (waitMs > 0) setTimeout(next, waitMs);
      else setImmediate(next);
    }
  };
  next();
}

function startServer(gapMs: number, fixed: boolean): http.Server {
  return http.createServer((request, response) => {
    if (request.url === '/stamps') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(request.method === 'POST' ? '[]' : JSON.stringify(stamps ?? []));
      stamps = request.method === 'POST' ? [] : undefined;
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // The whole request is here: what comes after is the provider's own time.
      const arrivedNs = stamps === undefined ? 0 : nowNs();
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      // Searched as bytes first: most requests are not large-answer ones and pay no string copy.
      const large = body.indexOf(largeAnswerPrefix) === -1 ? null : largeAnswerMarker.exec(body.toString('latin1'));
      const replies = large === null ? upstreamReplies : largeUpstreamReplies(Number(large[1]));
      const reply: UpstreamReply | undefined = request.method === 'POST' ? replies[request.url ?? ''] : undefined;
      if (reply === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"error":{"type":"not_found_error","message":"no such route in the bench upstream"}}');
        return;
      }
      if (body.indexOf(streamMarker) === -1) {
        response.writeHead(200, {
          ...reply.headers,
          'content-type': 'application/json',
          'content-length': String(reply.json.length),
        });
        response.end(reply.json);
        return;
      }
      response.writeHead(200, {
        ...reply.headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      });
      const long = longStreamMarker.exec(body.toString('latin1'));
      const stamp = stamps === undefined ? undefined : { arrivedNs, firstWriteNs: 0, lastWriteNs: 0 };
      if (stamp !== undefined) stamps!.push(stamp);
      if (long !== null) writeEvents(response, longStream(reply.events, Number(long[1])), Number(long[2]), fixed, stamp);
      else writeEvents(response, reply.events, gapMs, fixed, stamp);
    });
  });
}

function main(): void {
  const gapMs = Number(process.argv[2] ?? '1');
  const server = startServer(gapMs, process.argv.includes('--schedule') && process.argv[process.argv.indexOf('--schedule') + 1] === 'fixed');
  server.keepAliveTimeout = 60_000;
  // The same accept queue as Switchyard's, so a burst measures the proxy, not the fake's queue.
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
}

main();
