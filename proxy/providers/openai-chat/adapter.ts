import type { ProviderAdapter } from '../adapter';
import { decodeChatError } from './decode-error';
import { decodeChatResponse } from './decode-response';
import { ChatStreamDecoder } from './decode-stream';
import { encodeChatRequest } from './encode-request';
import { bearerAuthHeaders, chatEndpointUrl } from './endpoint';

/**
 * Chat Completions as a provider wire: OpenAI's chat endpoint and every OpenAI-compatible
 * provider (Groq, Cerebras, DeepInfra, Mistral, xAI, OpenRouter, Together, Fireworks,
 * Ollama, LM Studio, custom URLs). Providers differ only by configuration (base URL, key,
 * headers); the few wire quirks follow the provider's `chatDialect` flags (see presets.ts) or the answer's shape.
 *
 * @see https://platform.openai.com/docs/api-reference/chat
 */
export const openAiChatAdapter: ProviderAdapter = {
  api: 'openai-chat',
  endpointUrl: chatEndpointUrl,
  authHeaders: bearerAuthHeaders,
  forwardedQuery: 'all',
  encodeRequest: encodeChatRequest,
  decodeResponse: decodeChatResponse,
  createStreamDecoder: (provider) => new ChatStreamDecoder(provider),
  decodeError: decodeChatError,
};
