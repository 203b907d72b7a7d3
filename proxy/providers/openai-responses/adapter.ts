import type { ProviderAdapter } from '../adapter';
import { decodeResponsesError } from './decode-error';
import { decodeResponsesResponse } from './decode-response';
import { ResponsesStreamDecoder } from './decode-stream';
import { encodeResponsesRequest } from './encode-request';
import { bearerAuthHeaders } from '../openai-chat/endpoint';
import { responsesEndpointUrl } from './endpoint';

/**
 * OpenAI's Responses API (`POST /v1/responses`), the API of the gpt-5 and codex models and
 * the one that keeps encrypted reasoning across turns.
 *
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export const openAiResponsesAdapter: ProviderAdapter = {
  api: 'openai-responses',
  endpointUrl: responsesEndpointUrl,
  authHeaders: bearerAuthHeaders,
  forwardedQuery: 'all',
  encodeRequest: encodeResponsesRequest,
  decodeResponse: decodeResponsesResponse,
  createStreamDecoder: (provider) => new ResponsesStreamDecoder(provider),
  decodeError: decodeResponsesError,
};
