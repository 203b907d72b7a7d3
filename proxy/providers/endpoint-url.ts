import { ProxyError } from '../core/errors';
import type { EndpointTarget, ProviderAdapter, WireOperation } from './adapter';

const operationNames: Record<WireOperation, string> = {
  generate: 'generation',
  stream: 'streaming',
  'count-tokens': 'token-counting',
  embed: 'embeddings',
  'list-models': 'model-list',
};

/**
 * The URL of an operation, or a refusal naming the provider and what it lacks when its API
 * has no such endpoint (an embedding request routed to Anthropic, say).
 * @throws ProxyError `invalid_request` (400) when the API has no endpoint for the operation.
 */
export function requireEndpointUrl(adapter: ProviderAdapter, operation: WireOperation, target: EndpointTarget, provider: string): string {
  const url = adapter.endpointUrl(operation, target);
  if (url !== undefined) return url;
  throw new ProxyError('invalid_request', `${provider} has no ${operationNames[operation]} endpoint in the ${adapter.api} API. Route this request to a model whose provider offers one.`, {
    provider,
    param: 'model',
  });
}
