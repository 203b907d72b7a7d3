import type { ServerResponse } from 'node:http';
import type { ProxyError } from '../core/errors';
import type { StreamPart } from '../core/stream-part';
import type { Usage } from '../core/usage';
import type { AnswerObserver } from '../call/answer-observer';
import type { AnswerTransform } from '../call/answer-transform';
import type { RequestContext } from '../call/request-context';
import type { OpenedAttempt } from './attempt';

/** What a relay needs to hand an opened attempt's answer to the client. */
export interface Delivery {
  context: RequestContext;
  opened: OpenedAttempt;
  response: ServerResponse;
  /** Switchyard's own response headers (request id, target, attempts). */
  headers: Record<string, string>;
  observers: readonly AnswerObserver[];
  /** Rewrites the answer for the client (redaction's restore); undefined for almost every call. */
  transform?: AnswerTransform;
  /** The call's price for its usage (null when the model has no price). */
  price: (usage: Usage) => number | null;
  log: (message: string) => void;
}

/**
 * Whose fault a delivery's failure was. Only `provider` (a cut stream, an error event, a body
 * that is not JSON) counts against the provider's circuit breaker: a `malformed` event is the
 * provider's bug but not an outage, an `internal` one is Switchyard's, a `client` one the
 * client's leaving.
 */
export type Blame = 'provider' | 'malformed' | 'internal' | 'client';

/** How a delivery ended: the relay's part of the call's outcome. */
export interface Delivered {
  usage: Usage | undefined;
  firstTokenAt: number | undefined;
  error?: ProxyError;
  blame?: Blame;
  /** Priced already, to send it in a header. */
  costUsd?: number | null;
  /** Why the model stopped, as the provider said it (`stop`, `end_turn`…), when the relay decoded it. */
  finishReason?: string;
}

/** Whether any observer needs the answer decoded into parts. */
export function wantsParts(observers: readonly AnswerObserver[]): boolean {
  for (const observer of observers) if (observer.wantsParts) return true;
  return false;
}

/**
 * Tells observers about a part. An observer that throws is dropped from nothing and affects
 * nothing: the client's answer must never depend on one.
 */
export function observePart(observers: readonly AnswerObserver[], part: StreamPart, log: (message: string) => void): void {
  for (const observer of observers) {
    if (observer.onPart === undefined) continue;
    try {
      observer.onPart(part);
    } catch (error) {
      log(`answer observer failed on a part: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
}

/** Tells observers about a chunk of the provider's bytes (passthrough). */
export function observeBytes(observers: readonly AnswerObserver[], chunk: Buffer, log: (message: string) => void): void {
  for (const observer of observers) {
    if (observer.onBytes === undefined) continue;
    try {
      observer.onBytes(chunk);
    } catch (error) {
      log(`answer observer failed on a chunk: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
}
