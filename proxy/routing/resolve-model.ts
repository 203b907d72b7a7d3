import { ProxyError } from '../core/errors';
import type { SwitchyardConfig } from '../config/config';
import type { ResolvedProvider } from '../config/resolve-providers';

/** Where a model name leads: a provider and the provider's own model id. */
export interface ModelAddress {
  provider: ResolvedProvider;
  model: string;
  /** How the name was understood, for the request record. */
  via: 'alias' | 'prefix' | 'well-known' | 'declared';
}

const aliasDepthLimit = 8;

/**
 * Resolves a client's model name: an alias from the config, `provider/model`, a model a
 * config entry declares, or a bare well-known name (`claude-*`, `gpt-*`, `gemini-*`…) so that
 * tools whose model cannot be changed work with only their base URL pointed here.
 */
export function resolveModel(
  name: string,
  config: SwitchyardConfig,
  providers: ReadonlyMap<string, ResolvedProvider>,
): ModelAddress {
  let current = name;
  let aliased = false;
  for (let depth = 0; depth < aliasDepthLimit && Object.hasOwn(config.aliases, current); depth++) {
    current = config.aliases[current]!;
    aliased = true;
  }
  const slash = current.indexOf('/');
  if (slash > 0) {
    const provider = providers.get(current.slice(0, slash));
    if (provider) return { provider, model: current.slice(slash + 1), via: aliased ? 'alias' : 'prefix' };
  }
  const declared = declaredModels(providers).get(current);
  if (declared !== undefined) return { provider: declared, model: current, via: aliased ? 'alias' : 'declared' };
  const wellKnown = wellKnownProvider(current);
  const provider = wellKnown ? providers.get(wellKnown) : undefined;
  if (provider) return { provider, model: current, via: aliased ? 'alias' : 'well-known' };
  throw new ProxyError(
    'not_found',
    `Switchyard does not know which provider serves the model '${name}'. Address it as provider/model ` +
      `(for example groq/llama-3.3-70b-versatile or anthropic/claude-sonnet-4-5), add an alias for it under ` +
      `"aliases" in the config, or list it under a provider's "models". Known providers: ${[...providers.keys()].join(', ')}.`,
    { param: 'model' },
  );
}

/** The provider a bare model name belongs to by its family prefix. */
/** Per providers map (one per config load), which provider declares each model name. */
const declaredIndexes = new WeakMap<ReadonlyMap<string, ResolvedProvider>, ReadonlyMap<string, ResolvedProvider>>();

/**
 * The models providers declare, indexed once per config: every call that names a model directly
 * used to search every provider's list for it. The first provider (in the config's order) that
 * lists a name serves it, as the search did.
 */
function declaredModels(providers: ReadonlyMap<string, ResolvedProvider>): ReadonlyMap<string, ResolvedProvider> {
  let index = declaredIndexes.get(providers);
  if (index === undefined) {
    const built = new Map<string, ResolvedProvider>();
    for (const provider of providers.values()) for (const model of provider.models) if (!built.has(model)) built.set(model, provider);
    index = built;
    declaredIndexes.set(providers, index);
  }
  return index;
}

function wellKnownProvider(model: string): string | undefined {
  if (model.startsWith('claude-')) return 'anthropic';
  if (model.startsWith('gemini-') || model.startsWith('gemma-') || model.startsWith('text-embedding-0')) return 'gemini';
  if (
    model.startsWith('gpt-') ||
    model.startsWith('chatgpt-') ||
    model.startsWith('codex-') ||
    model.startsWith('text-embedding-') ||
    model.startsWith('omni-moderation') ||
    /^o[1-9](-|$)/.test(model)
  ) {
    return 'openai';
  }
  return undefined;
}
