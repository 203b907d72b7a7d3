import type { ProviderAdapter } from '../adapter';
import { decodeAnthropicError } from './decode-error';
import { decodeAnthropicResponse } from './decode-response';
import { AnthropicStreamDecoder } from './decode-stream';
import { encodeAnthropicRequest } from './encode-request';

/**
 * The Anthropic Messages API as a provider.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropicAdapter: ProviderAdapter = {
  api: 'anthropic',
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  createStreamDecoder: () => new AnthropicStreamDecoder(),
  decodeError: decodeAnthropicError,
};
