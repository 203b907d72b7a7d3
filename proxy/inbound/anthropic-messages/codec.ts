import type { InboundCodec } from '../codec';
import { decodeMessagesRequest } from './decode-request';
import { encodeAnthropicError } from './encode-error';
import { encodeMessagesResponse } from './encode-response';
import { AnthropicStreamEncoder } from './encode-stream';

/**
 * The Anthropic Messages API as clients speak it (Claude Code, the Anthropic SDKs,
 * Vercel AI SDK's Anthropic provider).
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropicMessagesCodec: InboundCodec = {
  format: 'anthropic-messages',
  decodeRequest: decodeMessagesRequest,
  encodeResponse: encodeMessagesResponse,
  createStreamEncoder: (context) => new AnthropicStreamEncoder(context),
  encodeError: encodeAnthropicError,
};
