import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { limitRefusal } from './documented-limits';

/** A request the fake upstream received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as received. */
  raw: Buffer;
  /** The body parsed as JSON, when it was JSON. */
  json?: any;
  /** Resolves when the client (the proxy) aborted the request before the reply ended. */
  aborted: Promise<void>;
}

/** What the fake answers: a whole body, or SSE chunks written one by one with optional delays. */
export type FakeReply =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  | { status?: number; headers?: Record<string, string>; body: string | Buffer }
  | {
      status?: number;
      headers?: Record<string, string>;
      chunks: Array<string | Buffer>;
      /** Milliseconds to wait before each chunk. */
      delayMs?: number;
      /** Destroy the socket after the chunks instead of ending the response cleanly. */
      cut?: boolean;
      /** Never end: keep the response open after the chunks (for abort tests). */
      hang?: boolean;
    };

export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** An HTTP server on 127.0.0.1:0 that records every request and answers with a scripted reply. */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Refuse requests over the documented limits of `documentedLimits` (as the real APIs do); on by default. */
  enforceLimits = true;
  private handler: FakeHandler = () => ({ status: 500, json: { error: 'no handler set' } });
  private readonly server = http.createServer((request, response) => void this.handle(request, response));

  static async start(): Promise<FakeUpstream> {
    const fake = new FakeUpstream();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Base URL with the given path prefix, e.g. `url('/v1')`. */
  url(prefix = ''): string {
    return `http://127.0.0.1:${this.port}${prefix}`;
  }

  reply(handler: FakeHandler): void {
    this.handler = handler;
  }

  get last(): RecordedRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) throw new Error('the fake upstream received no request');
    return last;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const raw = Buffer.concat(parts);
    let finished = false;
    const aborted = new Promise<void>((resolve) => {
      response.on('close', () => {
        if (!finished) resolve();
      });
    });
    const recorded: RecordedRequest = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, raw, aborted };
    try {
      recorded.json = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      recorded.json = undefined;
    }
    this.requests.push(recorded);
    // Like the real APIs, refuse what is over the models' documented limits before any handler.
    const reply: FakeReply = (this.enforceLimits ? limitRefusal(recorded) : undefined) ?? (await this.handler(recorded));
    const status = reply.status ?? 200;
    if ('json' in reply) {
      response.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      response.end(JSON.stringify(reply.json));
      finished = true;
      return;
    }
    if ('body' in reply) {
      response.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      response.end(reply.body);
      finished = true;
      return;
    }
    response.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    response.flushHeaders();
    for (const chunk of reply.chunks) {
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (response.destroyed) return;
      response.write(chunk);
    }
    if (reply.cut) {
      // Node sends HTTP writes on the next tick: wait until they left, then drop the connection.
      await new Promise<void>((resolve) => response.write('', () => resolve()));
      response.socket?.destroy();
      return;
    }
    if (reply.hang) return;
    finished = true;
    response.end();
  }
}
