import { Readable } from 'node:stream';
import { Agent, errors, type Dispatcher } from 'undici';
import { ProxyError } from '../core/errors';
import { upstreamCallEnded, upstreamCallHeard, upstreamCallStarted } from './upstream-calls';

/**
 * The one place Switchyard talks to providers. One keep-alive Agent pools connections per
 * origin, so a busy client reuses warm TLS connections instead of paying a handshake per call.
 */
const agent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 10 * 60_000,
  connectTimeout: 10_000,
  // A non-streamed answer from a reasoning model can take many minutes before its headers.
  headersTimeout: 15 * 60_000,
  // Longest silence allowed between two chunks of a response body.
  bodyTimeout: 5 * 60_000,
});

/**
 * A provider request's headers: an object, or a flat list of names and values (`[name, value,
 * name, value…]`) with no name twice. undici takes both; a list skips the object's key listing
 * on every call and can be one array made once per provider (upstream-target.ts).
 */
export type UpstreamHeaders = Readonly<Record<string, string>> | readonly string[];

export interface UpstreamCall {
  url: string;
  method?: 'GET' | 'POST';
  headers: UpstreamHeaders;
  body?: string | Buffer;
  signal: AbortSignal;
}

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Receives a followed body's chunks, each in the turn undici parses it. */
export interface ChunkListener {
  chunk(chunk: Buffer): void;
  /**
   * The body is complete. When its last chunk and its end arrived in one read (a provider that
   * writes its last event and ends at once), this comes in the same turn as that chunk.
   */
  end(): void;
  error(error: Error): void;
}

/**
 * A streamed body a relay follows chunk by chunk (`relayBody`): an upstream answer's, or a
 * test's. Unlike a Readable, whose 'end' comes a tick after its last 'data', the end reaches the
 * relay in the turn the last chunk did, before Node flushes that chunk to the client on its own:
 * the relay ends its response there, and the last chunk and the response's end leave together.
 */
export interface ChunkSource {
  /** Hands every chunk from here on to `listener`, then its end or failure; taken once. */
  follow(listener: ChunkListener): void;
  /** Stops reading from the provider's socket while the reader is full. */
  pause(): void;
  resume(): void;
  /** The reader stops before the end (a client gone, an idle stream): the request is cancelled. */
  cancel(reason: Error): void;
}

/**
 * An answer's body, taken one way: whole (`bytes`, `text`: the chunks gathered as they arrive,
 * no stream in between), followed chunk by chunk (`follow`: the relay's way) or as a Readable
 * (`readable`: for a reader that iterates, the socket paused while it is full). A body taken
 * whole is the usual JSON answer, and undici's own Readable body cost it ~10 µs of stream
 * machinery per call for nothing.
 */
export interface UpstreamBody extends ChunkSource {
  /** The whole body once it has all arrived; rejects when the connection fails or is aborted first. */
  bytes(): Promise<Buffer>;
  /**
   * The whole body, taken now, when it has all arrived and nothing took it yet; otherwise
   * undefined (and `bytes()` waits for it). A small JSON answer's head, body and end are parsed
   * from one read of the socket, so by the time its head has been awaited the body is there:
   * taken this way, it costs no promise and no turn of the microtask queue.
   */
  arrived(): Buffer | undefined;
  /** The whole body as UTF-8 text (a byte-order mark dropped, as undici's `text()` does). */
  text(): Promise<string>;
  /**
   * The body's first chunk, the moment it arrives, or undefined when the body ended empty;
   * rejects when the connection fails first. The chunks after it wait for `follow()` or `readable()`.
   */
  firstChunk(): Promise<Buffer | undefined>;
  /** The body from here on as a Readable; destroying it before its end cancels the request. */
  readable(): Readable;
}

/**
 * Sends a request upstream. Connection failures become a ProxyError naming the provider and
 * the URL's origin (never its key); HTTP error statuses are returned for the caller to decode.
 *
 * Dispatched on the Agent with a handler of its own rather than through `undici.request()`:
 * request() parses the URL with `new URL` (~6 µs) on every call, wraps the call in an async
 * resource and always builds a Readable body. Here the URL's origin and path are split once per
 * URL, and the body is only made a stream when a caller asks for one.
 */
export function callUpstream(call: UpstreamCall, provider: string): Promise<UpstreamAnswer> {
  // One promise, settled by the handler: a failure is told apart as the provider's there, not
  // by an async layer around this one (a promise and a resumption fewer on every call).
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    const failed = (error: unknown): void => reject(upstreamFailure(error, call.url, provider));
    let exchange: UpstreamExchange | undefined;
    try {
      const { origin, path } = splitUrl(call.url);
      exchange = new UpstreamExchange(call.signal, resolve, failed);
      // undici's option type asks for a mutable list; it only reads it (lib/core/request.js).
      agent.dispatch({ origin, path, method: call.method ?? 'POST', headers: call.headers as Record<string, string> | string[], body: call.body ?? null }, exchange);
    } catch (error) {
      exchange?.release();
      failed(error);
      return;
    }
    // Counted after the dispatch: a store write overdue for a call's start (upstream-calls.ts)
    // is queued in an immediate, and undici writes a request to a kept-alive connection in an
    // immediate of its own. Queued first, the write went in front of the request.
    exchange.begin();
  });
}

/** What a URL's origin and path are; provider URLs repeat, so each is parsed once. */
const splitUrls = new Map<string, { origin: string; path: string }>();
/** Bound on remembered URLs (a Gemini URL names its model): past it the map starts over. */
const splitUrlLimit = 1000;

function splitUrl(url: string): { origin: string; path: string } {
  let split = splitUrls.get(url);
  if (split === undefined) {
    const parsed = new URL(url);
    // As undici.request() splits it: the path with its query, the origin keyed as the Agent pools.
    split = { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
    if (splitUrls.size >= splitUrlLimit) splitUrls.clear();
    splitUrls.set(url, split);
  }
  return split;
}

/**
 * One request's handler and its answer's body. The answer resolves at the response's headers;
 * chunks that arrive before the body is taken are kept, so nothing is lost between the two.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler, UpstreamBody {
  private controller: Dispatcher.DispatchController | undefined;
  /** An abort that came before the request was connected, applied when it is. */
  private pendingAbort: Error | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onSignalAbort: (() => void) | undefined;
  private resolveHead: ((answer: UpstreamAnswer) => void) | undefined;
  private rejectHead: ((error: unknown) => void) | undefined;
  private chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private whole: { resolve: (body: Buffer) => void; reject: (error: unknown) => void } | undefined;
  private first: { resolve: (chunk: Buffer | undefined) => void; reject: (error: unknown) => void } | undefined;
  /** The first chunk was asked for: the rest can only be taken as a Readable. */
  private firstTaken = false;
  private stream: Readable | undefined;
  private listener: ChunkListener | undefined;
  /** Counted among the calls in flight (upstream-calls.ts) from `begin` until its answer ends or fails. */
  private inFlight = false;
  /** Released: its answer ended or failed (possibly inside the dispatch), or it was never dispatched. */
  private released = false;

  constructor(signal: AbortSignal | undefined, resolve: (answer: UpstreamAnswer) => void, reject: (error: unknown) => void) {
    this.resolveHead = resolve;
    this.rejectHead = reject;
    if (signal === undefined) return;
    if (signal.aborted) {
      this.pendingAbort = abortReason(signal);
      return;
    }
    this.signal = signal;
    this.onSignalAbort = () => this.abort(abortReason(signal));
    signal.addEventListener('abort', this.onSignalAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx answers are informational; the real one follows.
    upstreamCallHeard();
    if (statusCode < 200) return;
    const resolve = this.resolveHead;
    this.resolveHead = undefined;
    this.rejectHead = undefined;
    resolve?.({ status: statusCode, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    upstreamCallHeard();
    if (this.first !== undefined) {
      const { resolve } = this.first;
      this.first = undefined;
      resolve(chunk);
    } else if (this.listener !== undefined) this.listener.chunk(chunk);
    else if (this.stream === undefined) this.chunks.push(chunk);
    else if (!this.stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.release();
    if (this.first !== undefined) {
      this.first.resolve(undefined);
      this.first = undefined;
    } else if (this.listener !== undefined) {
      this.listener.end();
    } else if (this.stream !== undefined) {
      this.stream.push(null);
    } else if (this.whole !== undefined) {
      this.whole.resolve(this.gathered());
      this.whole = undefined;
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.failure = error;
    this.release();
    if (this.rejectHead !== undefined) {
      const reject = this.rejectHead;
      this.resolveHead = undefined;
      this.rejectHead = undefined;
      reject(error);
    } else if (this.first !== undefined) {
      this.first.reject(error);
      this.first = undefined;
    } else if (this.listener !== undefined) {
      this.listener.error(error);
    } else if (this.stream !== undefined) {
      this.stream.destroy(error);
    } else if (this.whole !== undefined) {
      this.whole.reject(error);
      this.whole = undefined;
    }
  }

  bytes(): Promise<Buffer> {
    if (this.stream !== undefined || this.whole !== undefined || this.firstTaken) return Promise.reject(new Error('the upstream body was already taken'));
    if (this.ended) return Promise.resolve(this.gathered());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.whole = { resolve, reject };
    });
  }

  arrived(): Buffer | undefined {
    if (!this.ended || this.firstTaken || this.taken()) return undefined;
    return this.gathered();
  }

  async text(): Promise<string> {
    const body = await this.bytes();
    const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    return body.toString('utf8', bom ? 3 : 0);
  }

  firstChunk(): Promise<Buffer | undefined> {
    if (this.stream !== undefined || this.whole !== undefined || this.firstTaken) return Promise.reject(new Error('the upstream body was already taken'));
    this.firstTaken = true;
    if (this.chunks.length > 0) return Promise.resolve(this.chunks.shift());
    if (this.ended) return Promise.resolve(undefined);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.first = { resolve, reject };
    });
  }

  follow(listener: ChunkListener): void {
    if (this.taken()) throw new Error('the upstream body was already taken');
    this.listener = listener;
    const kept = this.chunks;
    this.chunks = [];
    for (const chunk of kept) listener.chunk(chunk);
    if (this.ended) listener.end();
    else if (this.failure !== undefined) listener.error(this.failure);
  }

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  cancel(reason: Error): void {
    if (!this.ended && this.failure === undefined) this.abort(reason);
  }

  readable(): Readable {
    if (this.taken()) throw new Error('the upstream body was already taken');
    const stream = new Readable({
      read: () => this.controller?.resume(),
      destroy: (error, callback) => {
        // A reader that stops early (a client gone, an idle stream) cancels the request.
        if (!this.ended && this.failure === undefined) this.abort(error ?? new errors.RequestAbortedError());
        callback(error);
      },
    });
    // A body set aside unread (a race's loser after its first chunk) is aborted with nobody
    // listening: its 'error' would be thrown as an uncaught exception and end the proxy.
    // Readers that care (the relays, firstChunkOf) listen for themselves.
    stream.on('error', ignoreError);
    this.stream = stream;
    for (const chunk of this.chunks) stream.push(chunk);
    this.chunks = [];
    if (this.ended) stream.push(null);
    else if (this.failure !== undefined) stream.destroy(this.failure);
    return stream;
  }

  /** Whether the body's rest was taken as a stream or whole, or its first chunk is awaited. */
  private taken(): boolean {
    return this.stream !== undefined || this.listener !== undefined || this.whole !== undefined || this.first !== undefined;
  }

  private abort(reason: Error): void {
    if (this.controller === undefined) this.pendingAbort = reason;
    else this.controller.abort(reason);
  }

  private gathered(): Buffer {
    const { chunks } = this;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** The request was dispatched: the call counts as in flight, unless it is over already. */
  begin(): void {
    if (this.released) return;
    this.inFlight = true;
    upstreamCallStarted();
  }

  /** The call is over (its answer ended or failed, or it was never dispatched). */
  release(): void {
    this.released = true;
    if (this.onSignalAbort !== undefined) this.signal?.removeEventListener('abort', this.onSignalAbort);
    if (!this.inFlight) return;
    this.inFlight = false;
    upstreamCallEnded();
  }
}

function ignoreError(): void {}

/** The error an aborted signal stands for, as undici's own request() reports it. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new errors.RequestAbortedError();
}

/** Describes a network-level failure without leaking anything but the provider and origin. */
export function upstreamFailure(error: unknown, url: string, provider: string): ProxyError {
  const code = (error as { code?: string }).code ?? (error as Error).name;
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // keep the raw string; it never holds a key (keys travel in headers)
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ProxyError('timeout', `${provider} did not answer in time (${code}) at ${origin}.`, { status: 504, provider });
  }
  return new ProxyError(
    'api_error',
    `Could not reach ${provider} at ${origin} (${code}). Check the provider's baseUrl in the config and your network.`,
    { status: 502, provider },
  );
}

/** Closes pooled connections; called on shutdown. */
export async function closeUpstreamConnections(): Promise<void> {
  await agent.close();
}
