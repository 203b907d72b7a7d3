import type { EndpointTarget, WireOperation } from '../adapter';

/**
 * Chat Completions endpoints, on OpenAI and on every OpenAI-compatible server. The base URL
 * includes the version (`/v1` or the provider's equivalent). Chat Completions has no
 * token-counting endpoint.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 * @see https://platform.openai.com/docs/api-reference/models/list
 */
export function chatEndpointUrl(operation: Exclude<WireOperation, 'count-tokens'>, target: EndpointTarget): string;
export function chatEndpointUrl(operation: WireOperation, target: EndpointTarget): string | undefined;
export function chatEndpointUrl(operation: WireOperation, target: EndpointTarget): string | undefined {
  switch (operation) {
    case 'generate':
    case 'stream':
      return `${target.baseUrl}/chat/completions`;
    case 'embed':
      return `${target.baseUrl}/embeddings`;
    case 'list-models':
      return `${target.baseUrl}/models`;
    case 'count-tokens':
      return undefined;
  }
}

/**
 * `Authorization: Bearer <key>`, as OpenAI and its compatible servers take it.
 * @see https://platform.openai.com/docs/api-reference/authentication
 */
export function bearerAuthHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
