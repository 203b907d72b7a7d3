/**
 * The floor a Node proxy can reach: node:http in, one keep-alive undici `Agent` out, bodies
 * streamed both ways, nothing parsed. Run as its own process so its CPU can be read from /proc:
 * `node bare-forwarder.js <upstream origin>` once bundled (run.ts bundles it, as Switchyard is
 * bundled), or `node --import tsx bench/bare-forwarder.ts <upstream origin>`. Prints its URL as
 * the first stdout line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { Agent, request } from 'undici';

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

function startForwarder(upstream: string): http.Server {
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 128 });
  return http.createServer((incoming, outgoing) => {
    const abort = new AbortController();
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) abort.abort();
    });
    request(upstream + (incoming.url ?? '/'), {
      dispatcher: agent,
      method: incoming.method as 'POST',
      headers: forwardableHeaders(incoming.headers),
      body: incoming,
      signal: abort.signal,
    }).then(
      (answer) => {
        outgoing.writeHead(answer.statusCode, forwardableHeaders(answer.headers));
        pipeline(answer.body, outgoing, () => {});
      },
      (error: Error) => {
        if (outgoing.headersSent) {
          outgoing.destroy(error);
          return;
        }
        outgoing.writeHead(502, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ error: { message: error.message } }));
      },
    );
  });
}

function main(): void {
  const upstream = process.argv[2];
  if (upstream === undefined) throw new Error('usage: bare-forwarder.ts <upstream origin>');
  const server = startForwarder(upstream.replace(/\/$/, ''));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
}

main();
