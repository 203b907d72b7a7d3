import type { ProviderAdapter } from '../adapter';
import { decodeAnthropicError } from './decode-error';
import { decodeAnthropicResponse } from './decode-response';
import { AnthropicStreamDecoder } from './decode-stream';
import { encodeAnthropicRequest } from './encode-request';
import { anthropicAuthHeaders, anthropicEndpointUrl } from './endpoint';

/**
 * The Anthropic Messages API as a provider.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropicAdapter: ProviderAdapter = {
  api: 'anthropic-messages',
  endpointUrl: anthropicEndpointUrl,
  authHeaders: anthropicAuthHeaders,
  // Claude Code sends `?beta=true`; it goes along.
  forwardedQuery: 'all',
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  createStreamDecoder: (provider) => new AnthropicStreamDecoder(provider),
  decodeError: decodeAnthropicError,
};
