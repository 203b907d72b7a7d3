import type { InboundCodec } from '../codec';
import { decodeGeminiRequest } from './decode-request';
import { encodeGeminiError } from './encode-error';
import { encodeGeminiResponse } from './encode-response';
import { GeminiStreamEncoder } from './encode-stream';

/**
 * Gemini's `generateContent` API as clients such as `@google/genai` speak it. The model and
 * whether to stream come from the URL (`decodeGeminiPath`), not from the body.
 *
 * @see https://ai.google.dev/api/generate-content
 */
export const geminiCodec: InboundCodec = {
  format: 'gemini',
  decodeRequest: decodeGeminiRequest,
  encodeResponse: encodeGeminiResponse,
  createStreamEncoder: (context) => new GeminiStreamEncoder(context),
  encodeError: encodeGeminiError,
};
