import type { CanonicalResponse } from '../core/response';
import type { StreamPart } from '../core/stream-part';

/**
 * Rewrites the answer on its way to the client — unlike an `AnswerObserver`, which only reads
 * it. Redaction's restore is the one today: placeholders the model echoed become the original
 * values again. A call without one pays nothing: relays test for it once.
 *
 * A relay that has one hands it parts, so a passthrough call with a transform is relayed as
 * parts (decoded and encoded again in the client's own format) instead of as the provider's
 * bytes. Observers see the answer as the provider sent it, before the transform.
 */
export interface AnswerTransform {
  /** The parts to send instead of `part` (often just it; held back text comes out later). */
  part(part: StreamPart): StreamPart[];
  /** A whole answer, before it is encoded for the client. */
  response(response: CanonicalResponse): CanonicalResponse;
}
