import type { AnswerObserver } from '../call/answer-observer';
import type { CallOutcome } from '../call/outcome';
import type { ClientFormat } from '../core/request';
import type { StreamPart } from '../core/stream-part';
import { emptyUsage, type Usage } from '../core/usage';
import type { CachedQuestion, ResponseCache } from '../store/response-cache';
import { encodeCachedAnswer, type CachedAnswer } from './cached-answer';
import { isWholeAnswer } from './wire-answer';

export interface CacheFillOptions {
  cache: ResponseCache;
  /** The keys to store the answer of a target under (`provider/model`); none for a target not looked up. */
  keysFor: (provider: string, model: string) => string[];
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
      const answer: Omit<CachedAnswer, 'usage' | 'costUsd'> = { provider: target.provider, model: target.model, storedAt: options.now() };
      // Bytes came only if the provider's answer went through as it was sent (passthrough).
      if (wire !== undefined && target.passthrough) {
        answer.wire = { api: options.format, stream: options.stream, bytes: wire };
        if (options.apiVersion !== undefined) answer.wire.apiVersion = options.apiVersion;
      }
      else if (collected !== undefined && isWholeAnswer(collected)) answer.parts = collected;
      else return;
      // A provider that reported no usage (some compatible ones on streams) still has an answer.
      const usage = outcome.usage ?? finishUsage(collected) ?? emptyUsage();
      void options.finished
        .then(async (whole) => {
          if (!whole) return;
          // Asked only now: a key computed here is off the request's path.
          const [first, ...others] = options.keysFor(target.provider, target.model);
          if (first === undefined) return;
          const costUsd = outcome.costUsd ?? options.price(target.provider, target.model, usage);
          const entry = encodeCachedAnswer({ ...answer, usage, costUsd });
          const question = options.question(target.provider, target.model);
          await options.cache.set(first, question === undefined ? entry : { ...entry, question }, options.ttlSeconds);
          for (const key of others) await options.cache.set(key, entry, options.ttlSeconds);
        })
        .catch((error: unknown) => options.log(`response cache: storing an answer failed: ${(error as Error)?.message ?? String(error)}`));
    },
  };
}

function storable(outcome: CallOutcome, signal: AbortSignal): boolean {
  return outcome.error === undefined && outcome.target !== undefined && !signal.aborted;
}

function finishUsage(parts: readonly StreamPart[] | undefined): Usage | undefined {
  const finish = parts?.findLast((part) => part.type === 'finish');
  return finish?.type === 'finish' ? finish.usage : undefined;
}
