import type { Readable } from 'node:stream';
import { ProxyError } from '../core/errors';
import { CallAbortController } from '../call/call-abort';
import type { TimeoutConfig } from '../config/config';
import { parseRetryAfter } from '../routing/retry-policy';
import { callUpstream, type ChunkSource, type UpstreamAnswer, type UpstreamHeaders } from '../upstream/upstream-client';
import { providerAdapters } from '../codecs/registry';
import type { AttemptTarget } from './admit';
import type { AttemptHold } from '../call/call-policy';
import { credentialSecret, scrubSecret } from './upstream-target';
import type { CallClock } from '../http/call-clock';

/** The provider request of one attempt, as the endpoint builds it for a target. */
export interface UpstreamCall {
  url: string;
  headers: UpstreamHeaders;
  body: string | Buffer;
  /** Switchyard asked an OpenAI-style stream for usage the client did not ask for. */
  addedUsage: boolean;
}

/** Builds the provider request of an attempt at one target. */
export type BuildUpstream = (target: AttemptTarget) => UpstreamCall;

/**
 * An upstream that answered 2xx and is ready to relay, with nothing sent to the client yet:
 * a stream whose first chunk has arrived, or a whole JSON answer. Until an attempt gets
 * here it can still be retried, raced or fallen back from.
 */
export type OpenedAttempt = {
  target: AttemptTarget;
  answer: UpstreamAnswer;
  abort: AbortController;
  /** Switchyard asked an OpenAI-style stream for usage the client did not ask for. */
  addedUsage: boolean;
  /** When the first chunk (or the whole answer) arrived, `performance.now()` time. */
  firstChunkAt: number;
  /** Longest silence allowed inside the stream. */
  idleMs: number;
  /** What policies hold for this attempt (a budget's reservation), settled once it has been delivered. */
  holds?: readonly AttemptHold[];
} & (
  | {
      kind: 'stream';
      firstChunk: Buffer;
      /**
       * The rest of the stream, taken once (its chunks wait in the answer until then), either
       * followed by a relay (`relayBody`) or as a Readable (`rest()`, for a reader that iterates).
       */
      chunks: ChunkSource;
      /** The rest as a Readable, made when asked: building it is work a relay does not need. */
      rest(): Readable;
    }
  | { kind: 'whole'; body: Buffer }
);

/** Why an attempt failed, with the provider's own answer when it can go to the client as is. */
export class AttemptError extends Error {
  constructor(
    readonly error: ProxyError,
    /** A passthrough error answer: already in the client's format. */
    readonly reply?: { status: number; headers: Record<string, string | string[] | undefined>; text: string },
    /**
     * The provider's HTTP status when it answered with one. Kept apart from `error.status`,
     * which the decoders set for translated answers too but Switchyard also sets for failures
     * of its own making (unreachable, cut, timeout), where no status came.
     */
    readonly upstreamStatus?: number,
  ) {
    super(error.message);
  }
}

/**
 * Sends one attempt and waits until it has something for the client. Timeouts: the
 * response headers within `connectMs`, the first chunk within `firstTokenMs`.
 */
export async function openAttempt(build: BuildUpstream, target: AttemptTarget, timeouts: TimeoutConfig, parent: AbortSignal, clock?: CallClock): Promise<OpenedAttempt> {
  const abort = new CallAbortController();
  const onParentAbort = (): void => abort.abort();
  const { provider } = target;
  let timedOut: ProxyError | undefined;
  const timeout = (milliseconds: number | undefined, what: string): NodeJS.Timeout | undefined =>
    milliseconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = new ProxyError('timeout', `${provider.id} sent no ${what} within ${milliseconds} ms.`, { status: 504, provider: provider.id });
          abort.abort();
        }, milliseconds);
  let connectTimer: NodeJS.Timeout | undefined;
  let firstTokenTimer: NodeJS.Timeout | undefined;
  let waiting = false;
  let linked = false;
  let arming: NodeJS.Immediate | undefined;
  let over = false;
  const link = (): void => {
    if (linked) return;
    linked = true;
    // A client that left before the link was made is not missed: its abort is applied now.
    if (parent.aborted) abort.abort();
    else parent.addEventListener('abort', onParentAbort, { once: true });
  };
  const arm = (): void => {
    arming = undefined;
    if (over) return;
    connectTimer = timeout(timeouts.connectMs, 'response headers');
    firstTokenTimer = timeout(timeouts.firstTokenMs, 'first token');
    link();
  };
  try {
    const upstream = build(target);
    // From here until the first chunk (or the whole answer) the time is the provider's.
    clock?.waitStart();
    waiting = true;
    const answering = callUpstream({ url: upstream.url, headers: upstream.headers, body: upstream.body, signal: abort.signal }, provider.id);
    // undici does not write a request to a reused keep-alive connection in dispatch: it first
    // lets the loop read whatever the idle socket received (undici 7.30, GHSA-35p6-xmwp-9g52)
    // and writes in an immediate. Work done here ran before the request left (the timers and
    // the parent's link: 11-18 µs of a loaded call's path to the provider, lat10's stamps), so
    // they are armed in an immediate queued after undici's: once the request is on the wire.
    arming = setImmediate(arm);
    const answer = await answering;
    // Armed by now (an answer takes a turn of the loop after the request's write); made sure of here.
    if (arming !== undefined) {
      clearImmediate(arming);
      arm();
    }
    clearTimeout(connectTimer);
    if (answer.status >= 400) {
      const text = scrubSecret(await answer.body.text(), credentialSecret(target.credential));
      // Every wait hint the provider gives (retry-after-ms, an HTTP date, rate-limit resets), not
      // only delay-seconds: a 429 whose limit resets in minutes must not be retried in milliseconds.
      const error = withRetryAfter(providerAdapters[target.api].decodeError(answer.status, text, provider.id), parseRetryAfter(answer.headers, Date.now, answer.status));
      throw new AttemptError(error, target.passthrough ? { status: answer.status, headers: answer.headers, text } : undefined, answer.status);
    }
    const base = { target, answer, abort, addedUsage: upstream.addedUsage, idleMs: timeouts.idleMs };
    if (String(answer.headers['content-type'] ?? '').includes('text/event-stream')) {
      // The first chunk is handed over as it arrives, not through a Readable (its push, a
      // 'data' event, a pause): the rest of the stream becomes one when the relay asks, after
      // the first chunk was written.
      const firstChunk = await firstChunkOf(answer.body, provider.id);
      const firstChunkAt = performance.now();
      const { body } = answer;
      return { ...base, kind: 'stream', firstChunk, chunks: body, rest: () => body.readable(), firstChunkAt };
    }
    const body = answer.body.arrived() ?? (await readWholeAnswer(answer.body, provider.id));
    return { ...base, kind: 'whole', body, firstChunkAt: performance.now() };
  } catch (error) {
    abort.abort();
    if (linked) parent.removeEventListener('abort', onParentAbort);
    if (error instanceof AttemptError) throw error;
    if (timedOut) throw new AttemptError(timedOut);
    if (error instanceof ProxyError) throw new AttemptError(error);
    throw error;
  } finally {
    over = true;
    if (arming !== undefined) clearImmediate(arming);
    // The parent link stays while an opened attempt relays: a client that leaves then
    // still aborts the upstream request.
    clearTimeout(connectTimer);
    clearTimeout(firstTokenTimer);
    if (waiting) clock?.waitEnd();
  }
}

/**
 * Waits for a stream's first chunk; the chunks after it wait in the body until it is taken as a
 * Readable, so the race can pick a winner (and a stream that dies before its first byte can
 * still fall back).
 */
async function firstChunkOf(body: UpstreamAnswer['body'], provider: string): Promise<Buffer> {
  let chunk: Buffer | undefined;
  try {
    chunk = await body.firstChunk();
  } catch {
    throw new ProxyError('api_error', `${provider} closed the stream before sending anything.`, { status: 502, provider });
  }
  if (chunk === undefined) throw new ProxyError('api_error', `${provider} ended the stream before sending anything.`, { status: 502, provider });
  return chunk;
}

/**
 * Reads a non-streamed answer whole. A cut midway is the provider's failure, reported as a
 * 502 naming it (when the client aborted instead, the caller sees its own signal and stays quiet).
 */
async function readWholeAnswer(body: UpstreamAnswer['body'], provider: string): Promise<Buffer> {
  try {
    return await body.bytes();
  } catch {
    throw new ProxyError('api_error', `${provider} closed the connection before its answer was complete.`, { status: 502, provider });
  }
}

/**
 * Carries the wait the provider asked for (`parseRetryAfter` of its headers) onto a decoded
 * error that has no wait of its own, so the router honours it and a translated 429 tells the
 * client when to come back just as a passthrough one does. Whole seconds, rounded up, as
 * `Retry-After` needs them.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
function withRetryAfter(error: ProxyError, seconds: number | undefined): ProxyError {
  if (error.retryAfterSeconds !== undefined || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return error;
  return new ProxyError(error.kind, error.message, {
    status: error.status,
    provider: error.provider,
    param: error.param,
    // Kept exact (the router may wait 0.2 s); rounded up only where a header is written.
    retryAfterSeconds: seconds,
  });
}
