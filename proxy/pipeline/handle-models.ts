import { sendJson, type ModelHandler } from '../http/model-route';
import type { ProxyRuntime } from './runtime';
import { mayCall } from '../policy/model-allow-list';

/** Models every preset provider is known for, listed when its key is present. */
export const wellKnownModels: Readonly<Record<string, readonly string[]>> = {
  openai: ['gpt-5.4', 'gpt-5.2', 'gpt-5.1-codex', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-codex', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large'],
  anthropic: ['claude-opus-4-8', 'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-sonnet-5', 'claude-haiku-4-5'],
  gemini: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash'],
  groq: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant', 'openai/gpt-oss-120b'],
  // Cerebras retired its Llama models in 2026; gpt-oss-120b is its replacement for most of them.
  cerebras: ['gpt-oss-120b'],
  mistral: ['mistral-large-latest', 'mistral-small-latest', 'codestral-latest'],
  xai: ['grok-4', 'grok-3-mini'],
};

/**
 * `GET /v1/models`: aliases, models declared in the config, and well-known models of every
 * provider that has a key, less those in `disabledModels`. OpenAI's list shape, or Anthropic's when the client sends
 * `anthropic-version` (the Anthropic SDK always does).
 * @see https://platform.openai.com/docs/api-reference/models/list
 * @see https://docs.anthropic.com/en/api/models-list
 */
export function createModelsHandler(runtime: ProxyRuntime): ModelHandler {
  return function handleModels(request, response, { principal }): void {
    const { config, providers, isDisabled } = runtime.routing;
    // A key with an allow-list is offered only what it may call (an alias by where it leads).
    const ids = new Set<string>(Object.keys(config.aliases).filter((alias) => mayCall(principal, config.aliases[alias]!)));
    for (const provider of providers.values()) {
      const available = provider.apiKey !== undefined || !provider.keyRequired || provider.models.length > 0;
      if (!available) continue;
      for (const model of [...provider.models, ...(wellKnownModels[provider.id] ?? [])]) {
        // A model the user switched off is not offered to tools that pick from this list.
        if (isDisabled?.(`${provider.id}/${model}`)) continue;
        if (!mayCall(principal, `${provider.id}/${model}`)) continue;
        ids.add(provider.id === 'openai' || provider.id === 'anthropic' || provider.id === 'gemini' ? model : `${provider.id}/${model}`);
      }
    }
    const created = Math.floor(Date.now() / 1000);
    if (request.headers['anthropic-version'] !== undefined) {
      const data = [...ids].map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(created * 1000).toISOString() }));
      sendJson(response, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null });
      return;
    }
    sendJson(response, 200, {
      object: 'list',
      data: [...ids].map((id) => ({ id, object: 'model', created, owned_by: id.includes('/') ? id.slice(0, id.indexOf('/')) : ownerOf(id) })),
    });
  };
}

function ownerOf(id: string): string {
  if (id.startsWith('claude-')) return 'anthropic';
  if (id.startsWith('gemini-')) return 'google';
  return 'switchyard';
}
