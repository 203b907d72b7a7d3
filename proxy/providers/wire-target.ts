import type { ResolvedProvider } from '../config/resolve-providers';
import type { Target } from './adapter';

/**
 * The encoder's view of a resolved provider: where to call, with which key, for which model,
 * with the config's extra headers and the provider's Chat dialect. Every translated call
 * builds its Target here, so a flag added to the provider reaches the encoders.
 */
export function wireTarget(provider: ResolvedProvider, model: string, apiKey: string | undefined): Target {
  return { provider: provider.id, baseUrl: provider.baseUrl, apiKey, model, headers: provider.headers, chatDialect: provider.chatDialect, promptCaching: provider.promptCaching };
}
