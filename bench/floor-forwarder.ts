/**
 * The floors: the cheapest forwarders anyone can write in Node, each run as its own process so
 * its CPU can be read from /proc. Every one is node:http in, a keep-alive pool out, headers
 * copied without the hop-by-hop ones, nothing parsed. They differ only in how the body goes
 * upstream and the answer comes back:
 *
 * - `undici-stream`: the request body read into a Buffer, the answer written by `undici.stream()`
 *   straight into the client's response (no intermediate Readable);
 * - `undici-request`: the body buffered, the answer through `undici.request()` and `pipeline()`;
 * - `node-http`: the body buffered, the answer through a `node:http` client with a keep-alive
 *   `http.Agent`, piped;
 * - `piped`: the request stream handed to `undici.request()` as its body and the answer piped
 *   back (the benchmark's former "bare forwarder").
 *
 * All of them are in every run and the cheapest is "the floor" the ratios are taken to, so the
 * floor is whichever the machine and Node version make cheapest, never a chosen strawman.
 *
 * `node floor-forwarder.js <mode> <upstream origin>` once bundled (run.ts bundles it, as
 * Switchyard is bundled), or `node --import tsx bench/floor-forwarder.ts <mode> <upstream origin>`.
 * Prints its URL as the first stdout line.
 *
 * `<mode>@<megabytes>` (thread-cpu.ts `floor:undici-stream@8`) makes the floor hold about that
 * many megabytes of small live objects it never touches: the same forwarder with a larger old
 * generation, to tell what the heap's size alone does to the collector's work (docs/benchmark.md,
 * "A heavier floor").
 *
 * Every floor applies Switchyard's own collector settings (`proxy/collector-settings.ts`) first.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { Agent, request, stream } from 'undici';
import { applyCollectorSettings } from '../proxy/collector-settings';

export const floorModes = ['undici-stream', 'undici-request', 'node-http', 'piped'] as const;
export type FloorMode = (typeof floorModes)[number];

/** @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1 */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardableHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !hopByHop.has(name)) kept[name] = value;
  }
  return kept;
}

function readBody(incoming: http.IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

function failed(outgoing: http.ServerResponse, error: Error): void {
  if (outgoing.headersSent) {
    outgoing.destroy(error);
    return;
  }
  outgoing.writeHead(502, { 'content-type': 'application/json' });
  outgoing.end(JSON.stringify({ error: { message: error.message } }));
}

/** An AbortController aborted when the client leaves before its answer is complete. */
function abortOnClose(outgoing: http.ServerResponse): AbortController {
  const abort = new AbortController();
  outgoing.on('close', () => {
    if (!outgoing.writableFinished) abort.abort();
  });
  return abort;
}

type Handler = (incoming: http.IncomingMessage, outgoing: http.ServerResponse) => void;

function undiciStreamHandler(upstream: string): Handler {
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 128, pipelining: 1 });
  return (incoming, outgoing) => {
    const abort = abortOnClose(outgoing);
    readBody(incoming, (body) => {
      stream(
        upstream + (incoming.url ?? '/'),
        { dispatcher: agent, method: incoming.method as 'POST', headers: forwardableHeaders(incoming.headers), body, signal: abort.signal },
        ({ statusCode, headers }) => {
          outgoing.writeHead(statusCode, forwardableHeaders(headers));
          return outgoing;
        },
      ).catch((error: Error) => failed(outgoing, error));
    });
  };
}

function undiciRequestHandler(upstream: string, streamedBody: boolean): Handler {
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 128, pipelining: 1 });
  const forward = (incoming: http.IncomingMessage, outgoing: http.ServerResponse, body: Buffer | http.IncomingMessage): void => {
    const abort = abortOnClose(outgoing);
    request(upstream + (incoming.url ?? '/'), {
      dispatcher: agent,
      method: incoming.method as 'POST',
      headers: forwardableHeaders(incoming.headers),
      body,
      signal: abort.signal,
    }).then(
      (answer) => {
        outgoing.writeHead(answer.statusCode, forwardableHeaders(answer.headers));
        pipeline(answer.body, outgoing, () => {});
      },
      (error: Error) => failed(outgoing, error),
    );
  };
  return streamedBody
    ? (incoming, outgoing) => forward(incoming, outgoing, incoming)
    : (incoming, outgoing) => readBody(incoming, (body) => forward(incoming, outgoing, body));
}

function nodeHttpHandler(upstream: string): Handler {
  const origin = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000, maxSockets: 128 });
  return (incoming, outgoing) => {
    const abort = abortOnClose(outgoing);
    readBody(incoming, (body) => {
      const headers = forwardableHeaders(incoming.headers);
      headers['content-length'] = String(body.length);
      const outbound = http.request(
        { host: origin.hostname, port: origin.port, path: incoming.url, method: incoming.method, headers, agent, signal: abort.signal },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, forwardableHeaders(answer.headers));
          pipeline(answer, outgoing, () => {});
        },
      );
      outbound.on('error', (error) => failed(outgoing, error));
      outbound.end(body);
    });
  };
}

function handlerFor(mode: FloorMode, upstream: string): Handler {
  switch (mode) {
    case 'undici-stream':
      return undiciStreamHandler(upstream);
    case 'undici-request':
      return undiciRequestHandler(upstream, false);
    case 'node-http':
      return nodeHttpHandler(upstream);
    case 'piped':
      return undiciRequestHandler(upstream, true);
  }
}

/** Objects of ~72 bytes each (an object, its string, an array slot), linked so all stay live. */
function holdLiveObjects(megabytes: number): void {
  const items: Array<{ index: number; name: string; next: unknown }> = [];
  const count = Math.round((megabytes * 1024 * 1024) / 72);
  for (let index = 0; index < count; index++) items.push({ index, name: `n${index}`, next: items[index - 1] });
  (globalThis as Record<string, unknown>).floorBallast = items;
}

function main(): void {
  // The collector settings Switchyard runs with (proxy/collector-settings.ts), so that no ratio
  // credits Switchyard with a V8 setting any forwarder could use (docs/benchmark.md, "The floor").
  applyCollectorSettings();
  const [modeName, ballastText] = (process.argv[2] ?? '').split('@');
  const mode = modeName as FloorMode;
  const upstream = process.argv[3];
  if (ballastText !== undefined) holdLiveObjects(Number(ballastText));
  if (!floorModes.includes(mode) || upstream === undefined) {
    throw new Error(`usage: floor-forwarder.ts <${floorModes.join('|')}> <upstream origin>`);
  }
  const server = http.createServer(handlerFor(mode, upstream.replace(/\/$/, '')));
  server.keepAliveTimeout = 60_000;
  // A clean exit on SIGTERM, so `--cpu-prof` writes its profile (bench/profile.ts --floor).
  process.once('SIGTERM', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
}

if (require.main === module) main();
