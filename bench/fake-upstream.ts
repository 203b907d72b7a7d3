/**
 * The benchmark's fake provider, run as its own process so its CPU does not compete with the
 * load generator's event loop: `node fake-upstream.js [gapMs]` once bundled (run.ts bundles it), or
 * `node --import tsx bench/fake-upstream.ts [gapMs]`.
 * Prints its URL as the first stdout line.
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

function writeEvents(response: http.ServerResponse, events: Buffer[], gapMs: number): void {
  let index = 0;
  const next = (): void => {
    if (response.destroyed) return;
    response.write(events[index++]);
    if (index === events.length) response.end();
    else if (gapMs === 0) setImmediate(next);
    else setTimeout(next, gapMs);
  };
  next();
}

function startServer(gapMs: number): http.Server {
  return http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
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
      if (long !== null) writeEvents(response, longStream(reply.events, Number(long[1])), Number(long[2]));
      else writeEvents(response, reply.events, gapMs);
    });
  });
}

function main(): void {
  const gapMs = Number(process.argv[2] ?? '1');
  const server = startServer(gapMs);
  server.keepAliveTimeout = 60_000;
  // The same accept queue as Switchyard's, so a burst measures the proxy, not the fake's queue.
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
}

main();
