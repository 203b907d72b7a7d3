import { collectResponse, type CanonicalResponse } from '../../core/response';
import { GeminiResponseDecoder, type GeminiDecoderOptions } from './decode-stream';

/**
 * Decodes a whole `generateContent` answer. It is the same object a stream event carries, so
 * it goes through the stream decoder and the shared collector: one mapping for both paths.
 * An answer without `finishReason` is taken as finished for reason `other` (nothing was cut).
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 * @throws ProxyError when the body is not an answer or carries an `error`.
 */
export function decodeGeminiResponse(body: unknown, options: GeminiDecoderOptions = {}): CanonicalResponse {
  const decoder = new GeminiResponseDecoder(options);
  return collectResponse([...decoder.decodeChunk(body), ...decoder.end(false)]);
}
