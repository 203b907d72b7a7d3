import type { StreamPart } from '../core/stream-part';
import type { CallOutcome } from './outcome';

/**
 * Sees the answer of a call as it goes to the client: the split judge's collector today; the
 * cache fill, the audit log and redaction's restore later. Observers are made per call, only
 * for calls that need them.
 *
 * On the passthrough path the answer is bytes: parts are decoded on the side only when an
 * observer sets `wantsParts`, so the fast path stays fast when none does.
 */
export interface AnswerObserver {
  /** Decode the answer into parts for `onPart`, even where the client gets the provider's bytes. */
  readonly wantsParts: boolean;
  /** Each part of the answer, in order (streamed or whole). */
  onPart?(part: StreamPart): void;
  /** Each chunk of the provider's answer exactly as relayed (passthrough only). */
  onBytes?(chunk: Buffer): void;
  /** Once the call has ended, with its outcome; off the request path. */
  onEnd?(outcome: CallOutcome): void;
}
