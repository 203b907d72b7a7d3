import type { RouteStrategy } from '../config/config';
import type { Usage } from '../core/usage';
import type { Pricer } from '../cost/pricer';
import type { LatencyTracker } from './latency-tracker';

/** One target in the order a route will try it, with why it has that place. */
export interface OrderedCandidate {
  target: string;
  reason: string;
}

/** What a `provider/model` target would cost for a usage, null when no price is known. */
export type PriceOf = (target: string, usage: Usage) => number | null;

export interface CandidateOrderContext {
  /** A uniform draw in [0, 1): `Math.random` in service, scripted in tests. */
  random: () => number;
  /** Observed latencies, for `fastest`. */
  latency: LatencyTracker;
  /** Prices, for `cheapest`; `targetPricer` adapts a Pricer. */
  priceOf: PriceOf;
  /** The local estimate of the request's input tokens, for `cheapest`. */
  estimatedInputTokens: number;
  /** The request's output limit, for `cheapest`; `defaultExpectedOutputTokens` when absent. */
  maxOutputTokens?: number;
  /** `split`: relative weights, one per target; equal weights when absent. */
  weights?: readonly number[];
  /** `split`: a key that keeps one conversation on one arm (see `splitArmFor`). */
  stickyKey?: string;
}

/** Output tokens a `cheapest` estimate assumes when the request sets no limit. */
export const defaultExpectedOutputTokens = 1000;

/**
 * Orders a route's targets by its strategy:
 * - `fallback`: as configured.
 * - `race`: as configured; the first starts first and the others are hedges.
 * - `cheapest`: by the estimated cost of this request, input price × estimated input tokens
 *   plus output price × expected output tokens (the request's limit, else 1000); targets
 *   without a price come last, as configured.
 * - `fastest`: by observed time to first token (`LatencyTracker.rank`).
 * - `split`: the arm `splitArmFor` picks first, then the others as configured.
 *
 * Skipping targets (open circuits, allow-lists) is the caller's business: it filters this order.
 */
export function orderCandidates(
  strategy: RouteStrategy,
  targets: readonly string[],
  context: CandidateOrderContext,
): OrderedCandidate[] {
  switch (strategy) {
    case 'fallback':
      return targets.map((target, index) => ({ target, reason: index === 0 ? 'first in order' : 'fallback' }));
    case 'race':
      return targets.map((target, index) => ({ target, reason: index === 0 ? 'first in race' : 'hedge' }));
    case 'cheapest':
      return orderByCost(targets, context);
    case 'fastest':
      return context.latency.rank(targets, context.random).map(({ target, reason, estimateMs }) => ({
        target,
        reason: estimateMs === undefined ? reason : `${reason} (p50 ${Math.round(estimateMs)} ms)`,
      }));
    case 'split':
      return orderBySplit(targets, context);
  }
}

function orderByCost(targets: readonly string[], context: CandidateOrderContext): OrderedCandidate[] {
  const usage: Usage = {
    inputTokens: Math.max(0, context.estimatedInputTokens),
    outputTokens: context.maxOutputTokens ?? defaultExpectedOutputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
  const priced: Array<{ target: string; cost: number }> = [];
  const unpriced: OrderedCandidate[] = [];
  for (const target of targets) {
    const cost = context.priceOf(target, usage);
    if (cost === null || !Number.isFinite(cost)) unpriced.push({ target, reason: 'no price' });
    else priced.push({ target, cost });
  }
  // Stable: equal costs keep the configured order.
  priced.sort((left, right) => left.cost - right.cost);
  const cheapest = priced[0]?.cost;
  const ordered: OrderedCandidate[] = priced.map(({ target, cost }) => ({
    target,
    reason: `${cost === cheapest ? 'cheapest' : 'dearer'} (est. $${formatCost(cost)})`,
  }));
  return unpriced.length === 0 ? ordered : ordered.concat(unpriced);
}

/** Three significant digits: enough to compare, short enough to read in the panel. */
function formatCost(cost: number): string {
  return cost === 0 ? '0' : cost.toPrecision(3);
}

function orderBySplit(targets: readonly string[], context: CandidateOrderContext): OrderedCandidate[] {
  if (targets.length === 0) return [];
  const weights = targets.map((_, index) => armWeight(context.weights, index));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const chosen = splitArmFor(context.stickyKey, weights, context.random);
  const share = (index: number) => `weight ${weights[index]}/${total}`;
  const ordered: OrderedCandidate[] = [
    { target: targets[chosen]!, reason: context.stickyKey === undefined ? share(chosen) : `${share(chosen)} (sticky)` },
  ];
  for (let index = 0; index < targets.length; index++) {
    if (index !== chosen) ordered.push({ target: targets[index]!, reason: `fallback (${share(index)})` });
  }
  return ordered;
}

/** A usable weight: absent weights are all 1; a missing, negative or non-finite entry is 0. */
function armWeight(weights: readonly number[] | undefined, index: number): number {
  if (weights === undefined) return 1;
  const weight = weights[index];
  return weight !== undefined && Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/**
 * The arm of a split a request takes: arm i with probability weights[i] / sum. With a key
 * (a conversation's identity), the draw is the key's hash instead of `random`, so every turn of
 * one conversation takes the same arm and a tested model never sees another's half-finished
 * history. Weights that are negative or not finite count as 0; when none is positive the arms
 * are equally likely.
 */
export function splitArmFor(key: string | undefined, weights: readonly number[], random: () => number): number {
  let total = 0;
  for (const weight of weights) if (Number.isFinite(weight) && weight > 0) total += weight;
  const draw = key === undefined ? random() : hashToUnit(key);
  if (total <= 0) return Math.min(Math.floor(draw * weights.length), Math.max(0, weights.length - 1));
  const point = draw * total;
  let cumulative = 0;
  let lastPositive = 0;
  for (let index = 0; index < weights.length; index++) {
    const weight = weights[index]!;
    if (!(Number.isFinite(weight) && weight > 0)) continue;
    cumulative += weight;
    lastPositive = index;
    if (point < cumulative) return index;
  }
  // Rounding in the running sum can leave a draw just under 1 past the end.
  return lastPositive;
}

/**
 * A string's 32-bit FNV-1a hash over its UTF-16 code units, mixed with MurmurHash3's finaliser
 * so that keys differing only in their last characters (`conversation-17`, `-18`) spread
 * evenly, as a number in [0, 1). Stable across processes and restarts.
 *
 * @see http://www.isthe.com/chongo/tech/comp/fnv/index.html#FNV-1a
 */
export function hashToUnit(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

/**
 * Adapts a Pricer to `PriceOf`: the target's provider is the part before the first `/`, the
 * model everything after it (OpenRouter models have slashes of their own).
 */
export function targetPricer(pricer: Pricer): PriceOf {
  return (target, usage) => {
    const slash = target.indexOf('/');
    if (slash <= 0) return null;
    return pricer.price(target.slice(0, slash), target.slice(slash + 1), usage);
  };
}
