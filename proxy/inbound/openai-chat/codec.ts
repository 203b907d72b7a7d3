import type { InboundCodec } from '../codec';
import { decodeChatRequest } from './decode-request';
import { encodeChatError } from './encode-error';
import { encodeChatResponse } from './encode-response';
import { ChatStreamEncoder } from './encode-stream';

/**
 * The OpenAI Chat Completions API as clients speak it (`POST /v1/chat/completions`).
 *
 * @see https://platform.openai.com/docs/api-reference/chat
 */
export const openAiChatCodec: InboundCodec = {
  format: 'openai-chat',
  decodeRequest: decodeChatRequest,
  encodeResponse: encodeChatResponse,
  createStreamEncoder: (context) => new ChatStreamEncoder(context),
  encodeError: encodeChatError,
};
