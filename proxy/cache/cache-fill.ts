import type { AnswerObserver } from '../call/answer-observer';
import type { CallOutcome } from '../call/outcome';
import type { FinishReason, StreamPart } from '../core/stream-part';
import type { Usage } from '../core/usage';
import type { ResponseCache } from '../store/response-cache';
import { encodeCachedAnswer } from './cached-answer';

/** Answers that are not stored even when they completed: they say the answer is not whole. */
const unstoredFinishes: ReadonlySet<FinishReason> = new Set<FinishReason>(['content-filter', 'error', 'pause']);

export interface CacheFillOptions {
  cache: ResponseCache;
  /** The key of the answer's target, `provider/model` → key; known for the targets looked up. */
  keyFor: (provider: string, model: string) => string | undefined;
  ttlSeconds: number;
  /** Entries larger than this are not collected further (the cache could not hold them). */
  maximumBytes: number;
  /** Resolves once the client's response closed: true when it was sent whole. */
  finished: Promise<boolean>;
  /** Aborted when the client left. */
  signal: AbortSignal;
  price: (provider: string, model: string, usage: Usage) => number | null;
  now: () => number;
  log: (message: string) => void;
}

/**
 * The cache fill: collects the answer's parts as they go to the client and, once the response
 * has closed, stores them, off the request's path. Only a complete answer is stored: not an
 * error, a cut stream, a call the client left, nor one that finished by a content filter.
 */
export function cacheFillObserver(options: CacheFillOptions): AnswerObserver {
  let parts: StreamPart[] | undefined = [];
  let finish: Extract<StreamPart, { type: 'finish' }> | undefined;
  let bytes = 0;
  return {
    wantsParts: true,
    onPart(part) {
      if (parts === undefined) return;
      if (part.type === 'error') {
        parts = undefined;
        return;
      }
      if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-delta') {
        bytes += part.delta.length;
        if (bytes > options.maximumBytes) {
          parts = undefined;
          return;
        }
      }
      // A provider's own response id stays with the call it answered; a replay gets its own.
      parts.push(part.type === 'stream-start' ? { type: 'stream-start', model: part.model } : part);
      if (part.type === 'finish') finish = part;
    },
    onEnd(outcome) {
      const collected = parts;
      parts = undefined;
      if (collected === undefined || finish === undefined || !storable(outcome, finish, options.signal)) return;
      const target = outcome.target!;
      const key = options.keyFor(target.provider, target.model);
      if (key === undefined) return;
      const usage = outcome.usage ?? finish.usage;
      void options.finished
        .then(async (whole) => {
          if (!whole) return;
          const costUsd = outcome.costUsd ?? options.price(target.provider, target.model, usage);
          await options.cache.set(key, encodeCachedAnswer({ parts: collected, provider: target.provider, model: target.model, usage, costUsd, storedAt: options.now() }), options.ttlSeconds);
        })
        .catch((error: unknown) => options.log(`response cache: storing an answer failed: ${(error as Error)?.message ?? String(error)}`));
    },
  };
}

function storable(outcome: CallOutcome, finish: Extract<StreamPart, { type: 'finish' }>, signal: AbortSignal): boolean {
  return outcome.error === undefined && outcome.target !== undefined && !signal.aborted && !unstoredFinishes.has(finish.finishReason);
}
