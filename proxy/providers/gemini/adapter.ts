import type { ProviderAdapter } from '../adapter';
import { decodeGeminiError } from './decode-error';
import { decodeGeminiResponse } from './decode-response';
import { createGeminiStreamDecoder } from './decode-stream';
import { encodeGeminiRequest } from './encode-request';

/**
 * Google's Gemini API (`generateContent`, `streamGenerateContent?alt=sse`), keyed by
 * `x-goog-api-key`.
 *
 * @see https://ai.google.dev/api/generate-content
 */
export const geminiAdapter: ProviderAdapter = {
  api: 'gemini',
  encodeRequest: encodeGeminiRequest,
  decodeResponse: (body) => decodeGeminiResponse(body),
  createStreamDecoder: () => createGeminiStreamDecoder(),
  decodeError: decodeGeminiError,
};
