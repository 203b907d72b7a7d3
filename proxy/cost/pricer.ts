import {
  calcPrice,
  findProvider,
  type ModelInfo,
  type ModelPrice,
  type Provider,
  type Usage as PriceTableUsage,
} from '@pydantic/genai-prices';
import type { PriceOverride } from '../config/config';
import type { Usage } from '../core/usage';

/** Turns the usage of one finished call into what it cost. */
export interface Pricer {
  /**
   * The call's cost in USD, or null when no price is known for the model. Local providers
   * (Ollama, LM Studio) cost 0 unless an override says otherwise.
   */
  price(provider: string, model: string, usage: Usage): number | null;
}

/**
 * Our provider ids → the price table's ids, for the presets the table knows. DeepInfra is
 * missing from the table (as of @pydantic/genai-prices 0.1.8), so it falls back to matching
 * by model name like a custom provider.
 */
const priceTableProviderIds: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  groq: 'groq',
  cerebras: 'cerebras',
  mistral: 'mistral',
  xai: 'x-ai',
  openrouter: 'openrouter',
  together: 'together',
  fireworks: 'fireworks',
};

/** Providers that run on the user's machine: no bill. */
const localProviders: ReadonlySet<string> = new Set(['ollama', 'lmstudio']);

/** Price-table keys (USD per million tokens) for each override field. */
const overrideKeys = {
  input: 'input_mtok',
  output: 'output_mtok',
  cacheRead: 'cache_read_mtok',
  cacheWrite: 'cache_write_mtok',
} as const satisfies Record<keyof PriceOverride, string>;

/**
 * What a (provider, model) pair resolved to: a one-model price-table provider that calcPrice
 * can price without searching, `free` for local models, or null when nothing is known.
 */
type ResolvedPrice = Provider | 'free' | null;

/** Bounds the memo when clients send endless distinct model names to a custom provider. */
const maximumMemoEntries = 2048;

/**
 * Creates a pricer over the bundled price table, with `provider/model` overrides winning over
 * it. Overrides in USD per million tokens replace the table's field of the same name; fields an
 * override leaves out keep the table's price, or, for a model the table lacks, cache reads and
 * writes are billed at the input price.
 *
 * calcPrice searches the table linearly (OpenRouter alone has ~700 models, some matched by
 * regular expressions built per call), so the lookup is memoized per pair and later calls
 * hand calcPrice a one-model provider; it still applies tiered and date-dependent prices.
 *
 * @see https://github.com/pydantic/genai-prices
 */
export function createPricer(overrides: Record<string, PriceOverride>): Pricer {
  const memo = new Map<string, ResolvedPrice>();

  function resolve(provider: string, model: string): ResolvedPrice {
    const key = `${provider}\u0000${model}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const resolved = resolveUncached(provider, model, overrides[`${provider}/${model}`]);
    if (memo.size >= maximumMemoEntries) memo.clear();
    memo.set(key, resolved);
    return resolved;
  }

  return {
    price(provider, model, usage) {
      const resolved = resolve(provider, model);
      if (resolved === null) return null;
      if (resolved === 'free') return 0;
      try {
        const result = calcPrice(toPriceTableUsage(usage), model, { provider: resolved });
        return result === null ? null : result.total_price;
      } catch {
        // calcPrice throws on price data it cannot apply; an unknown cost beats a failed request.
        return null;
      }
    },
  };
}

function resolveUncached(provider: string, model: string, override: PriceOverride | undefined): ResolvedPrice {
  const table = localProviders.has(provider) ? undefined : findInPriceTable(provider, model);
  if (override !== undefined) return overriddenProvider(model, table, override);
  if (localProviders.has(provider)) return 'free';
  if (table === undefined) return null;
  return singleModelProvider(table.provider, table.model, model, table.model.prices);
}

interface TableEntry {
  provider: Provider;
  model: ModelInfo;
}

function findInPriceTable(provider: string, model: string): TableEntry | undefined {
  const mapped = priceTableProviderIds[provider];
  const options = mapped !== undefined ? { providerId: mapped } : customProviderOptions(provider);
  try {
    // Zero usage: only the match is wanted here, and a zero price is never null.
    const result = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, options);
    return result === null ? undefined : { provider: result.provider, model: result.model };
  } catch {
    // Price data calcPrice cannot apply: treat the model as unpriced.
    return undefined;
  }
}

/**
 * A provider id we have no mapping for: the table's provider of the same id (a user who adds
 * `deepseek` by hand), else no provider at all so the table matches by model name alone.
 */
function customProviderOptions(provider: string): { providerId?: string } {
  const sameId = findProvider({ providerId: provider });
  return sameId !== undefined && sameId.id === provider ? { providerId: provider } : {};
}

function overriddenProvider(model: string, table: TableEntry | undefined, override: PriceOverride): Provider {
  const tablePrices = table?.model.prices;
  const prices = Array.isArray(tablePrices)
    ? tablePrices.map((conditional) => ({ ...conditional, prices: applyOverride(conditional.prices, override) }))
    : applyOverride(tablePrices ?? {}, override);
  const provider = table?.provider ?? { id: 'switchyard-override', name: 'Price override', api_pattern: '', models: [] };
  const info: ModelInfo = table?.model ?? { id: model, match: { equals: model }, prices };
  return singleModelProvider(provider, info, model, prices);
}

function applyOverride(prices: ModelPrice, override: PriceOverride): ModelPrice {
  const merged: ModelPrice = { ...prices };
  for (const field of Object.keys(overrideKeys) as Array<keyof PriceOverride>) {
    const value = override[field];
    if (value !== undefined) merged[overrideKeys[field]] = value;
  }
  return merged;
}

/**
 * A copy of the table's provider holding one model that matches the name exactly, so the
 * next calcPrice call skips the search. Ids are kept: calcPrice special-cases some of them.
 */
function singleModelProvider(
  provider: Provider,
  info: ModelInfo,
  model: string,
  prices: ModelInfo['prices'],
): Provider {
  return {
    id: provider.id,
    name: provider.name,
    api_pattern: provider.api_pattern,
    models: [{ ...info, match: { equals: model }, prices }],
  };
}

/**
 * Our usage in the table's terms. Both count cache reads and writes inside the input total;
 * reasoning tokens are billed as output and already counted in outputTokens. A decoder that
 * reports more cached than total tokens would make calcPrice throw, so the parts are capped.
 */
function toPriceTableUsage(usage: Usage): PriceTableUsage {
  const inputTokens = Math.max(0, usage.inputTokens);
  const cacheReadTokens = Math.min(Math.max(0, usage.cacheReadTokens), inputTokens);
  const cacheWriteTokens = Math.min(Math.max(0, usage.cacheWriteTokens), inputTokens - cacheReadTokens);
  return {
    input_tokens: inputTokens,
    output_tokens: Math.max(0, usage.outputTokens),
    cache_read_tokens: cacheReadTokens,
    cache_write_tokens: cacheWriteTokens,
  };
}
