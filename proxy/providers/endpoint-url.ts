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

/**
 * Model ids as providers that name the model in the URL publish them: a letter or digit, then
 * letters, digits, `.`, `-` and `_` (`gemini-2.5-flash`, `gemini-2.0-flash-001`,
 * `text-embedding-004`). Nothing that could start a query (`?`), a fragment (`#`), another
 * segment (`/`) or a method (`:`), and never `.` or `..` alone.
 */
const urlModelId = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A model as one URL path segment, for every API that puts the model in its URL (Gemini's
 * `/models/{model}:method`). A model name must never steer where a request goes: a name that
 * is not a model id of such a provider (`../escape`, `x?key=…`, `cached#`) is refused, and the
 * segment is percent-encoded besides, so no character can leave it.
 *
 * @param api The provider API, for the message.
 * @throws ProxyError `invalid_request` (400) naming the `model` field.
 */
export function modelPathSegment(model: string, api: string): string {
  if (!urlModelId.test(model)) {
    throw new ProxyError('invalid_request', `'${model}' is not a ${api} model id: it goes into the provider's URL, so it may hold only letters, digits, '.', '-' and '_' (for example gemini-2.5-flash).`, { param: 'model' });
  }
  return encodeURIComponent(model);
}
