import type { ProviderAdapter } from '../adapter';
import { decodeGeminiError } from './decode-error';
import { decodeGeminiResponse } from './decode-response';
import { createGeminiStreamDecoder } from './decode-stream';
import { encodeGeminiRequest } from './encode-request';
import { geminiAuthHeaders, geminiEndpointUrl, geminiForwardedQuery } from './endpoint';

/**
 * Google's Gemini API (`generateContent`, `streamGenerateContent?alt=sse`), keyed by
 * `x-goog-api-key`.
 *
 * @see https://ai.google.dev/api/generate-content
 */
export const geminiAdapter: ProviderAdapter = {
  api: 'gemini',
  endpointUrl: geminiEndpointUrl,
  authHeaders: geminiAuthHeaders,
  forwardedQuery: geminiForwardedQuery,
  encodeRequest: encodeGeminiRequest,
  decodeResponse: (body, provider) => decodeGeminiResponse(body, { provider }),
  createStreamDecoder: (provider) => createGeminiStreamDecoder({ provider }),
  decodeError: decodeGeminiError,
};
