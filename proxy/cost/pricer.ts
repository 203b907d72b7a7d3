import {
  calcPrice,
  findProvider,
  type ModelInfo,
  type ModelPrice,
  type Provider,
} from '@pydantic/genai-prices';
import type { PriceOverride } from '../config/config';
import type { Usage } from '../core/usage';
import { createRatePlan, priceWithRateCard, type RatePlan } from './rate-card';

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
export const priceTableProviderIds: Readonly<Record<string, string>> = {
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
 * What a (provider, model) pair resolved to. `provider` is a one-model price-table provider
 * calcPrice can price without searching, null when no price is known; `plan` prices calls
 * without calcPrice while it holds.
 */
interface ResolvedPrice {
  free: boolean;
  provider: Provider | null;
  plan: RatePlan;
}

const freePrice: ResolvedPrice = { free: true, provider: null, plan: { rates: null, expires: Infinity } };
const unknownPrice: ResolvedPrice = { free: false, provider: null, plan: { rates: null, expires: Infinity } };

/** Bounds the memo when clients send endless distinct model names to a custom provider. */
const maximumMemoEntries = 2048;

/**
 * Creates a pricer over the bundled price table, with `provider/model` overrides winning over
 * it. Overrides in USD per million tokens replace the table's field of the same name; fields an
 * override leaves out keep the table's price, or, for a model the table lacks, cache reads and
 * writes are billed at the input price.
 *
 * calcPrice searches the table linearly (OpenRouter alone has ~700 models, some matched by
 * regular expressions built per call) and re-derives its unit algebra on every call, about
 * 10–20 µs. So the lookup is memoized per pair, and each pair gets a rate plan that prices
 * calls with a few multiplications, exactly as calcPrice would; prices it cannot plan (by time
 * of day) still go through calcPrice with a one-model provider.
 *
 * @param now The clock dated prices are chosen by; tests pass a fixed one.
 * @see https://github.com/pydantic/genai-prices
 */
export function createPricer(overrides: Record<string, PriceOverride>, now: () => number = Date.now): Pricer {
  const memo = new Map<string, Map<string, ResolvedPrice>>();
  let memoEntries = 0;

  function resolve(provider: string, model: string): ResolvedPrice {
    let models = memo.get(provider);
    const known = models?.get(model);
    if (known !== undefined) return known;
    const resolved = resolveUncached(provider, model, overrides[`${provider}/${model}`], now());
    if (memoEntries >= maximumMemoEntries) {
      memo.clear();
      memoEntries = 0;
      models = undefined;
    }
    if (models === undefined) {
      models = new Map();
      memo.set(provider, models);
    }
    models.set(model, resolved);
    memoEntries++;
    return resolved;
  }

  return {
    price(provider, model, usage) {
      const resolved = resolve(provider, model);
      if (resolved.free) return 0;
      const table = resolved.provider;
      if (table === null) return null;
      // Both count cache reads and writes inside the input total, and reasoning inside the
      // output. Decoders can report more cached than total tokens, which calcPrice rejects:
      // the parts are capped.
      const inputTokens = Math.max(0, usage.inputTokens);
      const cacheReadTokens = Math.min(Math.max(0, usage.cacheReadTokens), inputTokens);
      const cacheWriteTokens = Math.min(Math.max(0, usage.cacheWriteTokens), inputTokens - cacheReadTokens);
      const outputTokens = Math.max(0, usage.outputTokens);
      let plan = resolved.plan;
      if (plan.expires !== Infinity) {
        const time = now();
        if (time >= plan.expires) {
          plan = createRatePlan(table, model, time);
          resolved.plan = plan;
        }
      }
      // Counts that are not finite are left to calcPrice to judge, as before there was a plan.
      if (plan.rates !== null && Number.isFinite(inputTokens + cacheReadTokens + cacheWriteTokens + outputTokens)) {
        return priceWithRateCard(plan.rates, inputTokens, cacheReadTokens, cacheWriteTokens, outputTokens);
      }
      return priceWithTable(table, model, inputTokens, cacheReadTokens, cacheWriteTokens, outputTokens, now());
    },
  };
}

/** The slow path: calcPrice on the pair's one-model provider, null when it cannot price. */
function priceWithTable(
  table: Provider,
  model: string,
  inputTokens: number,
  cacheReadTokens: number,
  cacheWriteTokens: number,
  outputTokens: number,
  time: number,
): number | null {
  try {
    const result = calcPrice(
      {
        input_tokens: inputTokens,
        output_tokens: outputTokens,
        cache_read_tokens: cacheReadTokens,
        cache_write_tokens: cacheWriteTokens,
      },
      model,
      { provider: table, timestamp: new Date(time) },
    );
    return result === null ? null : result.total_price;
  } catch {
    // calcPrice throws on price data or counts it cannot apply; an unknown cost beats a failed request.
    return null;
  }
}

function resolveUncached(
  provider: string,
  model: string,
  override: PriceOverride | undefined,
  time: number,
): ResolvedPrice {
  const table = localProviders.has(provider) ? undefined : findInPriceTable(provider, model);
  let priced: Provider;
  if (override !== undefined) priced = overriddenProvider(model, table, override);
  else if (localProviders.has(provider)) return freePrice;
  else if (table === undefined) return unknownPrice;
  else priced = singleModelProvider(table.provider, table.model, model, table.model.prices);
  return { free: false, provider: priced, plan: createRatePlan(priced, model, time) };
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
