import type { AnswerObserver } from '../call/answer-observer';
import type { CallOutcome } from '../call/outcome';
import type { ClientFormat } from '../core/request';
import type { StreamPart } from '../core/stream-part';
import { emptyUsage, type Usage } from '../core/usage';
import { withOwnBytes, type CachedQuestion, type CachedResponse, type DeferredKey, type ResponseCache } from '../store/response-cache';
import { encodeCachedAnswer, type WireAnswer } from './cached-answer';
import { isWholeAnswer } from './wire-answer';

/**
 * What a call's fill asks of the cache stage: the keys and the question of the target that
 * answered, computed only when the answer is stored (one object a call, not a closure each).
 */
export interface CacheFillKeys {
  /**
   * The keys to store the answer of a target under (`provider/model`); none for a target not
   * looked up. The first may be deferred (computed only if the store needs it; see
   * ResponseCache.setDeferred), and then comes with a question.
   */
  keysFor(provider: string, model: string): Array<string | DeferredKey>;
  /** The question kept with the entry under its first key, when it has one (see CachedQuestion). */
  question(provider: string, model: string): CachedQuestion | undefined;
}

/** What every fill of one cache shares: made once, not per call. */
export interface CacheFillStore {
  cache: ResponseCache;
  /** Entries larger than this are not collected further (the cache could not hold them). */
  maximumBytes: number;
  price: (provider: string, model: string, usage: Usage) => number | null;
  now: () => number;
  log: (message: string) => void;
}

/** What the fill reads of the client's response (a `ServerResponse`). */
export interface ClientResponse {
  readonly closed: boolean;
  /** Every byte of the response handed to the kernel (`end` called and flushed). */
  readonly writableFinished: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** A call's own part of its fill. */
export interface CacheFillCall {
  keys: CacheFillKeys;
  ttlSeconds: number;
  /** The client's format and stream mode: a passthrough answer's bytes are in them. */
  format: ClientFormat;
  stream: boolean;
  /** The client's API version header (`anthropic-version`), which chose the bytes' format. */
  apiVersion: string | undefined;
  /** The client's response: the answer is stored once it has finished or closed, and only if it was sent whole. */
  response: ClientResponse;
  /** Aborted when the client left. */
  signal: AbortSignal;
}

/**
 * The cache fill: collects the answer as it goes to the client and, once the response has
 * closed, stores it, off the request's path. A passthrough answer is kept as the provider's
 * bytes (nothing decoded on a miss; every field the provider sent is kept); a translated one
 * as the parts Switchyard decoded anyway. Only a complete answer is stored: not an error, a cut
 * stream, a call the client left, nor one that finished by a content filter (for bytes, that is
 * checked when the entry is first served: see the cache stage).
 *
 * One object a miss, its state in fields: every miss makes one, and the closures, the options
 * object and the promise of the response's close it replaced were most of what the cache
 * stage allocated a miss (bench/allocations.ts, issue 10's twelfth round). An answer storable
 * at the call's end is stored then if the response has finished already (its bytes all handed
 * to the kernel: the client's answer is whole), else once it closes.
 */
export function cacheFillObserver(store: CacheFillStore, call: CacheFillCall): AnswerObserver {
  return new CacheFill(store, call);
}

class CacheFill implements AnswerObserver {
  // Bytes are enough on passthrough; translated answers arrive as parts regardless.
  readonly wantsParts = false;
  /** Undefined until the first arrives; null once given up (an error part, too large). */
  private parts: StreamPart[] | null | undefined = undefined;
  private chunks: Buffer[] | null | undefined = undefined;
  private bytes = 0;
  private partBytes = 0;
  /** Set once the collection stopped: too large, an error part, or the call's end. */
  private done = false;
  /** What is stored once the response closed. */
  private entry: CachedResponse | undefined = undefined;
  private target: { provider: string; model: string } | undefined = undefined;

  constructor(
    private readonly store: CacheFillStore,
    private readonly call: CacheFillCall,
  ) {}

  onBytes(chunk: Buffer): void {
    if (this.done || this.chunks === null) return;
    this.bytes += chunk.length;
    if (this.bytes > this.store.maximumBytes) this.chunks = null;
    else (this.chunks ??= []).push(chunk);
  }

  onPart(part: StreamPart): void {
    if (this.done || this.parts === null) return;
    if (part.type === 'error') {
      this.parts = null;
      return;
    }
    if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-delta') {
      this.partBytes += part.delta.length;
      if (this.partBytes > this.store.maximumBytes) {
        this.parts = null;
        return;
      }
    }
    // A provider's own response id stays with the call it answered; a replay gets its own.
    (this.parts ??= []).push(part.type === 'stream-start' ? { type: 'stream-start', model: part.model } : part);
  }

  onEnd(outcome: CallOutcome): void {
    const chunks = this.chunks;
    const collected = this.parts ?? undefined;
    this.done = true;
    this.chunks = undefined;
    this.parts = undefined;
    const { call, store } = this;
    if (!storable(outcome, call.signal)) return;
    const target = outcome.target!;
    // Bytes came only if the provider's answer went through as it was sent (passthrough).
    const wire = chunks === undefined || chunks === null ? undefined : joinedBytes(chunks, this.bytes);
    let wireAnswer: WireAnswer | undefined;
    let wholeParts: StreamPart[] | undefined;
    if (wire !== undefined && target.passthrough) wireAnswer = call.apiVersion === undefined ? { api: call.format, stream: call.stream, bytes: wire } : { api: call.format, stream: call.stream, bytes: wire, apiVersion: call.apiVersion };
    else if (collected !== undefined && isWholeAnswer(collected)) wholeParts = collected;
    else return;
    const storedAt = store.now();
    // A provider that reported no usage (some compatible ones on streams) still has an answer.
    const usage = outcome.usage ?? finishUsage(collected) ?? emptyUsage();
    const costUsd = outcome.costUsd ?? store.price(target.provider, target.model, usage);
    this.entry = encodeCachedAnswer({ parts: wholeParts, wire: wireAnswer, provider: target.provider, model: target.model, usage, costUsd, storedAt });
    this.target = target;
    const response = call.response;
    // Finished: every byte is with the kernel, which nothing after can undo, so the client's
    // answer is whole and its close need not be waited for. That is nearly every call: a
    // response's last write is small and taken at once. The listener it spares was a tenth of
    // what a 1 KB miss's fill ran (addListener and its once wrapper, ~3,600 instructions,
    // callgrind, issue 10's fourteenth round).
    if (response.writableFinished || response.closed) this.whenClosed(response.writableFinished);
    else response.once('close', () => this.whenClosed(response.writableFinished));
  }

  /** Stores the answer once the response finished or closed, if the client got all of it. */
  private whenClosed(whole: boolean): void {
    const { entry, target, store, call } = this;
    this.entry = undefined;
    if (!whole || entry === undefined || target === undefined) return;
    try {
      // Asked only now: a key computed here is off the request's path.
      const keys = call.keys.keysFor(target.provider, target.model);
      if (keys.length === 0) return;
      const question = call.keys.question(target.provider, target.model);
      const stored = storeUnder(store.cache, call.ttlSeconds, keys, entry, question);
      if (stored !== undefined) stored.catch((error: unknown) => this.failed(error));
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    this.store.log(`response cache: storing an answer failed: ${(error as Error)?.message ?? String(error)}`);
  }
}

/**
 * Stores an entry under its keys: the first with the question (deferred if the key is), the
 * others without. A promise only when a second key is written after the first (most misses
 * have one key: the store's own promise is handed back).
 */
function storeUnder(cache: ResponseCache, ttlSeconds: number, keys: Array<string | DeferredKey>, entry: CachedResponse, question: CachedQuestion | undefined): Promise<void> | undefined {
  // Indexed, not destructured (`[first, ...others]` builds an array through an iterator): every miss comes here.
  const first = keys[0];
  // A deferred key's store copies what it keeps (the probation ring copies every answer into
  // its buffer): the answer goes as it came. Anything else keeps the entry as it is given.
  if (typeof first !== 'string' && first !== undefined && cache.setDeferred !== undefined && keys.length === 1) {
    return cache.setDeferred(first, question === undefined ? entry : { body: entry.body, metadata: entry.metadata, question }, ttlSeconds);
  }
  const own = withOwnBytes(entry);
  const questioned: CachedResponse = question === undefined ? own : { body: own.body, metadata: own.metadata, question };
  let stored: Promise<void> | undefined;
  if (typeof first === 'string') stored = cache.set(first, questioned, ttlSeconds);
  // A store that takes a deferred key may take it at once (no promise); one without it is given the key.
  else if (first !== undefined) stored = cache.setDeferred !== undefined ? cache.setDeferred(first, questioned, ttlSeconds) : cache.set(first.key(questioned.question!), questioned, ttlSeconds);
  if (keys.length === 1) return stored;
  return storeOthers(stored, cache, ttlSeconds, keys, own);
}

async function storeOthers(first: Promise<void> | undefined, cache: ResponseCache, ttlSeconds: number, keys: Array<string | DeferredKey>, entry: CachedResponse): Promise<void> {
  await first;
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index];
    if (typeof key === 'string') await cache.set(key, entry, ttlSeconds);
  }
}

/**
 * The answer's bytes in one buffer: one chunk (a whole JSON answer) as it is, even a view of a
 * larger buffer (a socket's read); several joined. Copied only if kept as an object
 * ({@link withOwnBytes}): an answer going to the probation ring, nearly every miss's, is copied
 * there anyway, and copying it first was a 1 KB miss's largest allocation (~1,100 instructions,
 * a fresh pool slab every few misses; bench/miss-microbench.ts).
 */
function joinedBytes(chunks: readonly Buffer[], length: number): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}

function storable(outcome: CallOutcome, signal: AbortSignal): boolean {
  return outcome.error === undefined && outcome.target !== undefined && !signal.aborted;
}

function finishUsage(parts: readonly StreamPart[] | undefined): Usage | undefined {
  const finish = parts?.findLast((part) => part.type === 'finish');
  return finish?.type === 'finish' ? finish.usage : undefined;
}
