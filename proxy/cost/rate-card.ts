import { calcPrice, type ModelPrice, type Provider, type Usage as PriceTableUsage } from '@pydantic/genai-prices';

/**
 * Which count of a call's usage one price applies to, after calcPrice's split of the prompt:
 * cache reads and writes priced on their own come out of the uncached input.
 */
type TokenSource = 'uncached-input' | 'cache-read' | 'cache-write' | 'output' | 'request';

/** The part of the bill calcPrice adds a price to, by its unit's direction. */
type PriceDirection = 'input' | 'output' | 'other';

interface RateTerm {
  source: TokenSource;
  direction: PriceDirection;
  /** USD per `per` units, or below the first tier for a tiered price. */
  base: number;
  /** Thresholds on the whole prompt's tokens, ascending; empty for a flat price. */
  tierStarts: readonly number[];
  /** The price that applies once the prompt exceeds the threshold of the same index. */
  tierPrices: readonly number[];
  /** How many units the price is quoted for. */
  per: number;
}

/**
 * One model's active prices reduced to the few our usage can be billed under, in the order
 * calcPrice adds them up so that sums round the same way.
 */
export interface RateCard {
  terms: readonly RateTerm[];
  /** Cache reads have a price of their own, so they are not billed as uncached input. */
  separateCacheRead: boolean;
  /** Cache writes have a price of their own, so they are not billed as uncached input. */
  separateCacheWrite: boolean;
}

/** A rate card and how long it holds, or null when every call must go through calcPrice. */
export interface RatePlan {
  rates: RateCard | null;
  /** When a dated price takes over (ms since the epoch), Infinity when none is pending. */
  expires: number;
}

/**
 * The price-table keys our usage can reach, with the unit each is quoted per (the table's
 * `prices/units.yml`). Every other key prices something we never report (audio, images,
 * web searches, the 1-hour cache write), so it adds zero for our usage.
 */
const termKeys: Readonly<Record<string, { source: TokenSource; direction: PriceDirection; per: number }>> = {
  input_mtok: { source: 'uncached-input', direction: 'input', per: 1_000_000 },
  cache_read_mtok: { source: 'cache-read', direction: 'input', per: 1_000_000 },
  cache_write_mtok: { source: 'cache-write', direction: 'input', per: 1_000_000 },
  output_mtok: { source: 'output', direction: 'output', per: 1_000_000 },
  // calcPrice bills one request per call when a model has a per-request price.
  requests_kcount: { source: 'request', direction: 'other', per: 1000 },
};

/**
 * Usages the plan is checked with against calcPrice before it is trusted: every count
 * non-zero and distinct, the second past any tier.
 */
function probeUsages(highestTierStart: number): PriceTableUsage[] {
  const longPrompt = highestTierStart + 104_729;
  return [
    { input_tokens: 7919, cache_read_tokens: 3001, cache_write_tokens: 1009, output_tokens: 523 },
    {
      input_tokens: longPrompt,
      cache_read_tokens: Math.floor(longPrompt / 3),
      cache_write_tokens: Math.floor(longPrompt / 7),
      output_tokens: 7103,
    },
  ];
}

/** How far a plan's answer may drift from calcPrice's on the probes, relative to it. */
const probeTolerance = 1e-12;

/**
 * Plans how to price a one-model provider (as the pricer builds them) at time `now` without
 * calling calcPrice per request. calcPrice picks the prices active at `now` and checks the
 * price data; the plan then mirrors its arithmetic and must agree with it on probe usages,
 * so data or a package version it does not mirror falls back to calcPrice instead of
 * pricing wrongly. Prices by time of day change too often to plan and are left to calcPrice.
 *
 * @see https://github.com/pydantic/genai-prices
 */
export function createRatePlan(provider: Provider, model: string, now: number): RatePlan {
  const unplanned: RatePlan = { rates: null, expires: Infinity };
  const info = provider.models[0];
  if (info === undefined) return unplanned;
  const expires = dateExpiry(info.prices, now);
  if (expires === null) return unplanned;
  const timestamp = new Date(now);
  try {
    const active = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { provider, timestamp });
    if (active === null) return unplanned;
    const rates = createRateCard(active.model_price);
    if (rates === null) return unplanned;
    for (const probe of probeUsages(highestTierStart(rates))) {
      const expected = calcPrice(probe, model, { provider, timestamp });
      if (expected === null) return unplanned;
      const actual = priceWithRateCard(
        rates,
        probe.input_tokens ?? 0,
        probe.cache_read_tokens ?? 0,
        probe.cache_write_tokens ?? 0,
        probe.output_tokens ?? 0,
      );
      if (!(Math.abs(actual - expected.total_price) <= probeTolerance * Math.abs(expected.total_price))) return unplanned;
    }
    return { rates, expires };
  } catch {
    // calcPrice rejects this price data: it will throw per request too, and say so there.
    return unplanned;
  }
}

/**
 * When the active entry of dated prices can next change: the earliest start date after
 * `now`, Infinity for undated prices, or null for prices that depend on the time of day.
 */
function dateExpiry(prices: Provider['models'][number]['prices'], now: number): number | null {
  if (!Array.isArray(prices)) return Infinity;
  let expires = Infinity;
  for (const conditional of prices) {
    const constraint = conditional.constraint;
    if (constraint === undefined) continue;
    if (!('start_date' in constraint)) return null;
    // calcPrice compares against `new Date(start_date)`: a bare date is UTC midnight.
    const start = Date.parse(constraint.start_date);
    if (Number.isNaN(start)) return null;
    if (start > now && start < expires) expires = start;
  }
  return expires;
}

/**
 * The rate card for one set of active prices, or null when a value is neither a finite
 * non-negative number nor valid tiers (calcPrice throws on those).
 */
export function createRateCard(prices: ModelPrice): RateCard | null {
  const terms: RateTerm[] = [];
  let separateCacheRead = false;
  let separateCacheWrite = false;
  for (const [key, price] of Object.entries(prices)) {
    if (price === undefined) continue;
    const parsed = parsePrice(price);
    if (parsed === null) return null;
    const term = termKeys[key];
    if (term === undefined) continue;
    if (term.source === 'cache-read') separateCacheRead = true;
    if (term.source === 'cache-write') separateCacheWrite = true;
    terms.push({ ...term, ...parsed });
  }
  return { terms, separateCacheRead, separateCacheWrite };
}

function parsePrice(price: unknown): Pick<RateTerm, 'base' | 'tierStarts' | 'tierPrices'> | null {
  if (isPriceValue(price)) return { base: price, tierStarts: [], tierPrices: [] };
  if (typeof price !== 'object' || price === null) return null;
  const { base, tiers } = price as { base?: unknown; tiers?: unknown };
  if (!isPriceValue(base) || !Array.isArray(tiers)) return null;
  const sorted: Array<{ start: number; price: number }> = [];
  for (const tier of tiers as unknown[]) {
    if (typeof tier !== 'object' || tier === null) return null;
    const { start, price: tierPrice } = tier as { start?: unknown; price?: unknown };
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0 || !isPriceValue(tierPrice)) return null;
    sorted.push({ start, price: tierPrice });
  }
  // calcPrice sorts tiers by start (stable) and lets the last one the prompt exceeds win.
  sorted.sort((left, right) => left.start - right.start);
  return { base, tierStarts: sorted.map((tier) => tier.start), tierPrices: sorted.map((tier) => tier.price) };
}

function isPriceValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function highestTierStart(rates: RateCard): number {
  let highest = 0;
  for (const term of rates.terms) {
    for (const start of term.tierStarts) if (start > highest) highest = start;
  }
  return highest;
}

/**
 * The cost in USD of one call, computed the way calcPrice does it (same products, same
 * order of sums). Counts must be finite, non-negative, and the cache counts together no
 * more than `inputTokens`, which is the whole prompt.
 */
export function priceWithRateCard(
  rates: RateCard,
  inputTokens: number,
  cacheReadTokens: number,
  cacheWriteTokens: number,
  outputTokens: number,
): number {
  // calcPrice takes the priced parts out of the total and forgives a rounding residue.
  let uncachedInputTokens =
    inputTokens - ((rates.separateCacheRead ? cacheReadTokens : 0) + (rates.separateCacheWrite ? cacheWriteTokens : 0));
  if (uncachedInputTokens < 0) uncachedInputTokens = 0;
  let input = 0;
  let output = 0;
  let other = 0;
  const terms = rates.terms;
  for (let index = 0; index < terms.length; index++) {
    const term = terms[index];
    const amount = term.source === 'uncached-input'
      ? uncachedInputTokens
      : term.source === 'cache-read'
        ? cacheReadTokens
        : term.source === 'cache-write'
          ? cacheWriteTokens
          : term.source === 'output'
            ? outputTokens
            : 1;
    let cost: number;
    if (term.tierStarts.length === 0) {
      cost = (term.base * amount) / term.per;
    } else if (amount <= 0) {
      cost = 0;
    } else {
      let rate = term.base;
      const starts = term.tierStarts;
      for (let tier = 0; tier < starts.length; tier++) if (inputTokens > starts[tier]) rate = term.tierPrices[tier];
      // calcPrice prices a tier per million and then rescales to the unit: kept for equal rounding.
      cost = ((((rate * amount) / 1_000_000) * 1_000_000) / term.per);
    }
    if (term.direction === 'input') input += cost;
    else if (term.direction === 'output') output += cost;
    else other += cost;
  }
  return input + output + other;
}
