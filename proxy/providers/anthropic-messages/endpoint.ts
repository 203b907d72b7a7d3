import type { EndpointTarget, WireOperation } from '../adapter';

/** @see https://docs.anthropic.com/en/api/versioning */
export const anthropicVersion = '2023-06-01';

/**
 * Anthropic's endpoints. The base URL ends before `/v1` (see presets.ts); one that already
 * ends in `/v1` is tolerated. The model list is paged (20 by default): one full page asks for
 * every model. There is no embeddings API.
 *
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 * @see https://docs.anthropic.com/en/api/models-list
 */
export function anthropicEndpointUrl(operation: Exclude<WireOperation, 'embed'>, target: EndpointTarget): string;
export function anthropicEndpointUrl(operation: WireOperation, target: EndpointTarget): string | undefined;
export function anthropicEndpointUrl(operation: WireOperation, target: EndpointTarget): string | undefined {
  switch (operation) {
    case 'generate':
    case 'stream':
      return anthropicUrl(target.baseUrl, '/v1/messages');
    case 'count-tokens':
      return anthropicUrl(target.baseUrl, '/v1/messages/count_tokens');
    case 'list-models':
      return anthropicUrl(target.baseUrl, '/v1/models?limit=1000');
    case 'embed':
      return undefined;
  }
}

/**
 * `x-api-key` and the required `anthropic-version`.
 * @see https://docs.anthropic.com/en/api/overview#authentication
 */
export function anthropicAuthHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'anthropic-version': anthropicVersion };
  if (apiKey) headers['x-api-key'] = apiKey;
  return headers;
}

function anthropicUrl(baseUrl: string, path: string): string {
  return baseUrl.endsWith('/v1') ? baseUrl + path.slice('/v1'.length) : baseUrl + path;
}
