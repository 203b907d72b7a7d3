import assert from 'node:assert/strict';
import { calcPrice, findProvider, type ModelInfo, type ModelPrice, type Provider } from '@pydantic/genai-prices';
import { createRateCard, createRatePlan, priceWithRateCard } from '../../../proxy/cost/rate-card';

/** A fixed instant, so dated prices resolve the same on every run. */
const now = Date.UTC(2026, 10, 25, 12, 0, 0);

/** [input (whole prompt), cache read, cache write, output] */
type Counts = [number, number, number, number];

const usages: Counts[] = [
  [0, 0, 0, 0],
  [1000, 0, 0, 500],
  [1200, 200, 0, 300],
  [12_000, 9000, 1000, 800],
  [7, 5, 2, 0],
  [1, 1, 0, 1],
  // Tier edges: a tier applies once the prompt exceeds its start.
  [200_000, 0, 0, 1],
  [200_001, 0, 0, 1],
  [272_000, 100_000, 0, 10],
  [250_000, 100_000, 20_000, 4000],
  [987_654, 123_457, 54_321, 31_337],
  [1_500_000, 0, 1_000_000, 64_000],
];

function oneModelProvider(table: Provider, model: ModelInfo): Provider {
  return { id: table.id, name: table.name, api_pattern: table.api_pattern, models: [{ ...model, match: { equals: model.id } }] };
}

function calcTotal(provider: Provider, model: string, [input, cacheRead, cacheWrite, output]: Counts, time = now): number {
  const result = calcPrice(
    { input_tokens: input, cache_read_tokens: cacheRead, cache_write_tokens: cacheWrite, output_tokens: output },
    model,
    { provider, timestamp: new Date(time) },
  );
  assert.ok(result !== null, `calcPrice found no price for ${model}`);
  return result.total_price;
}

function hasTimeOfDayPrice(model: ModelInfo): boolean {
  return Array.isArray(model.prices) && model.prices.some((conditional) => conditional.constraint?.type === 'time_of_date');
}

function assertClose(actual: number, expected: number, label: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.abs(expected),
    `${label}: rate card gave ${actual}, calcPrice ${expected}`,
  );
}

describe('createRatePlan', () => {
  describe('agrees with calcPrice on every bundled model', () => {
    for (const tableId of ['openai', 'anthropic', 'google', 'groq', 'mistral', 'x-ai', 'openrouter', 'together', 'fireworks', 'cerebras']) {
      it(tableId, () => {
        const table = findProvider({ providerId: tableId });
        assert.ok(table !== undefined && table.id === tableId);
        assert.ok(table.models.length > 5);
        for (const model of table.models) {
          const provider = oneModelProvider(table, model);
          const plan = createRatePlan(provider, model.id, now);
          if (hasTimeOfDayPrice(model)) {
            assert.equal(plan.rates, null, `${model.id} prices by time of day`);
            continue;
          }
          assert.ok(plan.rates !== null, `${tableId}/${model.id} has no rate card`);
          for (const counts of usages) {
            const actual = priceWithRateCard(plan.rates, ...counts);
            assertClose(actual, calcTotal(provider, model.id, counts), `${tableId}/${model.id} ${counts.join('/')}`);
          }
        }
      });
    }
  });

  it('prices Sonnet 4.5 at the base rate up to 200k prompt tokens and at the long-context rate above', () => {
    const plan = planFor('anthropic', 'claude-sonnet-4-5');
    assert.ok(plan.rates !== null);
    assert.equal(plan.expires, Infinity);
    // $3 input, $0.30 cache read, $3.75 cache write, $15 output per million; $6 / $0.60 / $7.50 / $22.50 above 200k.
    assertClose(priceWithRateCard(plan.rates, 200_000, 50_000, 10_000, 1000), (140_000 * 3 + 50_000 * 0.3 + 10_000 * 3.75 + 1000 * 15) / 1e6, 'at 200k');
    assertClose(priceWithRateCard(plan.rates, 200_001, 50_000, 10_000, 1000), (140_001 * 6 + 50_000 * 0.6 + 10_000 * 7.5 + 1000 * 22.5) / 1e6, 'above 200k');
  });

  it('holds dated prices until the next start date, then plans the new ones', () => {
    // gemini-3.6-flash doubles its prices from 2027-01-01.
    const table = findProvider({ providerId: 'google' });
    const model = table?.models.find((candidate) => candidate.id === 'gemini-3.6-flash');
    assert.ok(table !== undefined && model !== undefined);
    const provider = oneModelProvider(table, model);
    const newYear = Date.UTC(2027, 0, 1);

    const before = createRatePlan(provider, 'gemini-3.6-flash', newYear - 1);
    assert.equal(before.expires, newYear);
    assert.ok(before.rates !== null);
    assertClose(priceWithRateCard(before.rates, 1_000_000, 0, 0, 0), 0.75, 'before');

    const after = createRatePlan(provider, 'gemini-3.6-flash', newYear);
    assert.equal(after.expires, Infinity);
    assert.ok(after.rates !== null);
    assertClose(priceWithRateCard(after.rates, 1_000_000, 0, 0, 0), 1.5, 'after');
    assert.equal(calcTotal(provider, 'gemini-3.6-flash', [1_000_000, 0, 0, 0], newYear), 1.5);
  });

  it('leaves prices by time of day to calcPrice', () => {
    const plan = planFor('deepseek', 'deepseek-chat');
    assert.equal(plan.rates, null);
  });

  it('bills one request per call for a per-request price, as calcPrice does', () => {
    const provider = customProvider({ input_mtok: 1, output_mtok: 2, requests_kcount: 5 });
    const plan = createRatePlan(provider, 'house-model', now);
    assert.ok(plan.rates !== null);
    const counts: Counts = [1000, 0, 0, 100];
    assert.equal(priceWithRateCard(plan.rates, ...counts), calcTotal(provider, 'house-model', counts));
    assertClose(priceWithRateCard(plan.rates, ...counts), (1000 * 1 + 100 * 2) / 1e6 + 5 / 1000, 'with request price');
  });

  it('bills cache tokens at the input price when the model has no cache prices', () => {
    const provider = customProvider({ input_mtok: 1, cache_write_mtok: 2, output_mtok: 4 });
    const plan = createRatePlan(provider, 'house-model', now);
    assert.ok(plan.rates !== null);
    // Cache reads stay in the input; cache writes have their own price.
    const counts: Counts = [1000, 300, 200, 10];
    assert.equal(priceWithRateCard(plan.rates, ...counts), calcTotal(provider, 'house-model', counts));
    assertClose(priceWithRateCard(plan.rates, ...counts), (800 * 1 + 200 * 2 + 10 * 4) / 1e6, 'no cache-read price');
  });

  it('has no plan for price data calcPrice rejects', () => {
    assert.equal(createRateCard({ input_mtok: -1 }), null);
    assert.equal(createRateCard({ input_mtok: Number.NaN }), null);
    assert.equal(createRatePlan(customProvider({ input_mtok: -1, output_mtok: 1 }), 'house-model', now).rates, null);
    // A 1-hour cache-write price without the plain cache-write price it refines: calcPrice throws.
    assert.equal(createRatePlan(customProvider({ input_mtok: 1, cache_write_1h_mtok: 2 }), 'house-model', now).rates, null);
  });

  it('sorts tiers by start as calcPrice does', () => {
    const card = createRateCard({ input_mtok: { base: 1, tiers: [{ start: 500, price: 3 }, { start: 100, price: 2 }] } });
    assert.ok(card !== null);
    assertClose(priceWithRateCard(card, 300, 0, 0, 0), (300 * 2) / 1e6, 'second tier');
    assertClose(priceWithRateCard(card, 600, 0, 0, 0), (600 * 3) / 1e6, 'third tier');
  });
});

function planFor(tableId: string, modelId: string): ReturnType<typeof createRatePlan> {
  const table = findProvider({ providerId: tableId });
  const model = table?.models.find((candidate) => candidate.id === modelId);
  assert.ok(table !== undefined && model !== undefined, `${tableId}/${modelId} is not in the table`);
  return createRatePlan(oneModelProvider(table, model), modelId, now);
}

function customProvider(prices: ModelPrice): Provider {
  return {
    id: 'custom',
    name: 'Custom',
    api_pattern: '',
    models: [{ id: 'house-model', match: { equals: 'house-model' }, prices }],
  };
}
