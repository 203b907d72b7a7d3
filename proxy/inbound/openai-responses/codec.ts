import type { InboundCodec } from '../codec';
import { decodeResponsesRequest } from './decode-request';
import { encodeResponsesError } from './encode-error';
import { encodeResponsesResponse } from './encode-response';
import { ResponsesStreamEncoder } from './encode-stream';

/**
 * The OpenAI Responses API as clients speak it (`POST /v1/responses`): Codex CLI, the openai
 * SDKs' `client.responses`, the OpenAI Agents SDK.
 *
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export const openAiResponsesCodec: InboundCodec = {
  format: 'openai-responses',
  decodeRequest: decodeResponsesRequest,
  encodeResponse: encodeResponsesResponse,
  createStreamEncoder: (context) => new ResponsesStreamEncoder(context),
  encodeError: encodeResponsesError,
};
