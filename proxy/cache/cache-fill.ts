import type { AnswerObserver } from '../call/answer-observer';
import type { CallOutcome } from '../call/outcome';
import type { ClientFormat } from '../core/request';
import type { StreamPart } from '../core/stream-part';
import { emptyUsage, type Usage } from '../core/usage';
import type { CachedQuestion, CachedResponse, DeferredKey, ResponseCache } from '../store/response-cache';
import { encodeCachedAnswer, type WireAnswer } from './cached-answer';
import { isWholeAnswer } from './wire-answer';

export interface CacheFillOptions {
  cache: ResponseCache;
  /**
   * The keys to store the answer of a target under (`provider/model`); none for a target not
   * looked up. The first may be deferred (computed only if the store needs it; see
   * ResponseCache.setDeferred), and then comes with a question.
   */
  keysFor: (provider: string, model: string) => Array<string | DeferredKey>;
  /** The question kept with the entry under its first key, when it has one (see CachedQuestion). */
  question: (provider: string, model: string) => CachedQuestion | undefined;
  ttlSeconds: number;
  /** Entries larger than this are not collected further (the cache could not hold them). */
  maximumBytes: number;
  /** The client's format and stream mode: a passthrough answer's bytes are in them. */
  format: ClientFormat;
  stream: boolean;
  /** The client's API version header (`anthropic-version`), which chose the bytes' format. */
  apiVersion: string | undefined;
  /** Resolves once the client's response closed: true when it was sent whole. */
  finished: Promise<boolean>;
  /** Aborted when the client left. */
  signal: AbortSignal;
  price: (provider: string, model: string, usage: Usage) => number | null;
  now: () => number;
  log: (message: string) => void;
}

/**
 * The cache fill: collects the answer as it goes to the client and, once the response has
 * closed, stores it, off the request's path. A passthrough answer is kept as the provider's
 * bytes (nothing decoded on a miss; every field the provider sent is kept); a translated one
 * as the parts Switchyard decoded anyway. Only a complete answer is stored: not an error, a cut
 * stream, a call the client left, nor one that finished by a content filter (for bytes, that is
 * checked when the entry is first served: see the cache stage).
 */
export function cacheFillObserver(options: CacheFillOptions): AnswerObserver {
  let parts: StreamPart[] | undefined = [];
  let chunks: Buffer[] | undefined = [];
  let bytes = 0;
  let partBytes = 0;
  return {
    // Bytes are enough on passthrough; translated answers arrive as parts regardless.
    wantsParts: false,
    onBytes(chunk) {
      if (chunks === undefined) return;
      bytes += chunk.length;
      if (bytes > options.maximumBytes) chunks = undefined;
      else chunks.push(chunk);
    },
    onPart(part) {
      if (parts === undefined) return;
      if (part.type === 'error') {
        parts = undefined;
        return;
      }
      if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-delta') {
        partBytes += part.delta.length;
        if (partBytes > options.maximumBytes) {
          parts = undefined;
          return;
        }
      }
      // A provider's own response id stays with the call it answered; a replay gets its own.
      parts.push(part.type === 'stream-start' ? { type: 'stream-start', model: part.model } : part);
    },
    onEnd(outcome) {
      const wire = chunks !== undefined && chunks.length > 0 ? Buffer.concat(chunks, bytes) : undefined;
      const collected = parts;
      parts = undefined;
      chunks = undefined;
      if (!storable(outcome, options.signal)) return;
      const target = outcome.target!;
      // Bytes came only if the provider's answer went through as it was sent (passthrough).
      let wireAnswer: WireAnswer | undefined;
      let wholeParts: StreamPart[] | undefined;
      if (wire !== undefined && target.passthrough) wireAnswer = options.apiVersion === undefined ? { api: options.format, stream: options.stream, bytes: wire } : { api: options.format, stream: options.stream, bytes: wire, apiVersion: options.apiVersion };
      else if (collected !== undefined && isWholeAnswer(collected)) wholeParts = collected;
      else return;
      const storedAt = options.now();
      // A provider that reported no usage (some compatible ones on streams) still has an answer.
      const usage = outcome.usage ?? finishUsage(collected) ?? emptyUsage();
      // Objects built whole, in one shape each (no spreads): this runs on every miss.
      const store = (whole: boolean): Promise<void> | undefined => {
        if (!whole) return undefined;
        // Asked only now: a key computed here is off the request's path.
        const keys = options.keysFor(target.provider, target.model);
        if (keys.length === 0) return undefined;
        const costUsd = outcome.costUsd ?? options.price(target.provider, target.model, usage);
        const entry = encodeCachedAnswer({ parts: wholeParts, wire: wireAnswer, provider: target.provider, model: target.model, usage, costUsd, storedAt });
        const question = options.question(target.provider, target.model);
        return storeUnder(options, keys, entry, question);
      };
      void options.finished.then(store).catch((error: unknown) => options.log(`response cache: storing an answer failed: ${(error as Error)?.message ?? String(error)}`));
    },
  };
}

/** Stores an entry under its keys: the first with the question (deferred if the key is), the others without. */
async function storeUnder(options: CacheFillOptions, keys: Array<string | DeferredKey>, entry: CachedResponse, question: CachedQuestion | undefined): Promise<void> {
  // Indexed, not destructured (`[first, ...others]` builds an array through an iterator): every miss comes here.
  const first = keys[0];
  const questioned: CachedResponse = question === undefined ? entry : { body: entry.body, metadata: entry.metadata, question };
  if (typeof first === 'string') await options.cache.set(first, questioned, options.ttlSeconds);
  else if (first !== undefined) await (options.cache.setDeferred?.(first, questioned, options.ttlSeconds) ?? options.cache.set(first.key(questioned.question!), questioned, options.ttlSeconds));
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index];
    if (typeof key === 'string') await options.cache.set(key, entry, options.ttlSeconds);
  }
}

function storable(outcome: CallOutcome, signal: AbortSignal): boolean {
  return outcome.error === undefined && outcome.target !== undefined && !signal.aborted;
}

function finishUsage(parts: readonly StreamPart[] | undefined): Usage | undefined {
  const finish = parts?.findLast((part) => part.type === 'finish');
  return finish?.type === 'finish' ? finish.usage : undefined;
}
