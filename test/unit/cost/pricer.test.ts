import assert from 'node:assert/strict';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { createPricer } from '../../../proxy/cost/pricer';
import type { Usage } from '../../../proxy/core/usage';

function usage(fields: Partial<Usage>): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...fields };
}

/** Prices are sums of float products; compare to a tolerance far below a millionth of a cent. */
function assertUsd(actual: number | null, expected: number): void {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);
}

describe('createPricer', () => {
  const pricer = createPricer({});

  it('prices gpt-4o with cached input at the cache-read rate', () => {
    // $2.50 input, $1.25 cached input, $10 output per million tokens.
    const cost = pricer.price('openai', 'gpt-4o', usage({ inputTokens: 1000, cacheReadTokens: 200, outputTokens: 500 }));
    assertUsd(cost, (800 * 2.5 + 200 * 1.25 + 500 * 10) / 1e6);
  });

  it('matches dated model snapshots', () => {
    const cost = pricer.price('openai', 'gpt-4o-2024-08-06', usage({ inputTokens: 1000, outputTokens: 1000 }));
    assertUsd(cost, (1000 * 2.5 + 1000 * 10) / 1e6);
  });

  it('prices claude-sonnet-4-5 cache reads and writes separately, reasoning as output', () => {
    // $3 input, $3.75 cache write, $0.30 cache read, $15 output per million tokens.
    const cost = pricer.price(
      'anthropic',
      'claude-sonnet-4-5',
      usage({ inputTokens: 10_000, cacheReadTokens: 6000, cacheWriteTokens: 2000, outputTokens: 1000, reasoningTokens: 300 }),
    );
    assertUsd(cost, (2000 * 3 + 2000 * 3.75 + 6000 * 0.3 + 1000 * 15) / 1e6);
  });

  it('applies the long-context tier above 200k input tokens', () => {
    // Above 200k input tokens Sonnet 4.5 costs $6 input and $22.50 output per million.
    const cost = pricer.price('anthropic', 'claude-sonnet-4-5-20250929', usage({ inputTokens: 250_000, outputTokens: 1000 }));
    assertUsd(cost, (250_000 * 6 + 1000 * 22.5) / 1e6);
  });

  it('maps gemini to the table provider google', () => {
    // $0.30 input, $0.03 cached input, $2.50 output per million tokens.
    const cost = pricer.price('gemini', 'gemini-2.5-flash', usage({ inputTokens: 1_000_000, cacheReadTokens: 400_000, outputTokens: 100_000 }));
    assertUsd(cost, (600_000 * 0.3 + 400_000 * 0.03 + 100_000 * 2.5) / 1e6);
  });

  it('maps xai to the table provider x-ai and prices OpenRouter model slugs', () => {
    assert.ok((pricer.price('xai', 'grok-4', usage({ inputTokens: 1000, outputTokens: 1000 })) ?? 0) > 0);
    assertUsd(pricer.price('openrouter', 'openai/gpt-4o', usage({ inputTokens: 1000, outputTokens: 1000 })), (1000 * 2.5 + 1000 * 10) / 1e6);
  });

  it('gives the same answer when memoized', () => {
    const first = pricer.price('openai', 'gpt-4o', usage({ inputTokens: 123, outputTokens: 45 }));
    const second = pricer.price('openai', 'gpt-4o', usage({ inputTokens: 123, outputTokens: 45 }));
    assert.equal(second, first);
  });

  it('charges nothing for local providers', () => {
    assert.equal(pricer.price('ollama', 'llama3.2', usage({ inputTokens: 5000, outputTokens: 500 })), 0);
    assert.equal(pricer.price('lmstudio', 'gpt-4o', usage({ inputTokens: 5000, outputTokens: 500 })), 0);
  });

  it('matches a custom provider by model name alone, else returns null', () => {
    assertUsd(pricer.price('my-gateway', 'gpt-4o', usage({ inputTokens: 1000, outputTokens: 1000 })), (1000 * 2.5 + 1000 * 10) / 1e6);
    assert.equal(pricer.price('my-gateway', 'house-model-7b', usage({ inputTokens: 1000, outputTokens: 1000 })), null);
    assert.equal(pricer.price('openai', 'no-such-model', usage({ inputTokens: 1000, outputTokens: 1000 })), null);
  });

  it('caps inconsistent cache counts instead of failing', () => {
    const cost = pricer.price('openai', 'gpt-4o', usage({ inputTokens: 100, cacheReadTokens: 500, outputTokens: 0 }));
    assertUsd(cost, (100 * 1.25) / 1e6);
  });

  describe('overrides', () => {
    it('replace the named fields and keep the table for the rest', () => {
      const overridden = createPricer({ 'openai/gpt-4o': { input: 1, output: 4 } });
      const cost = overridden.price('openai', 'gpt-4o', usage({ inputTokens: 1000, cacheReadTokens: 200, outputTokens: 500 }));
      assertUsd(cost, (800 * 1 + 200 * 1.25 + 500 * 4) / 1e6);
      // Other models keep table prices.
      assertUsd(overridden.price('openai', 'gpt-4o-mini', usage({ inputTokens: 1_000_000 })), 0.15);
    });

    it('price a model the table lacks, cache tokens at the input price when not given', () => {
      const overridden = createPricer({ 'my-gateway/house-model-7b': { input: 0.5, output: 1.5 } });
      const cost = overridden.price('my-gateway', 'house-model-7b', usage({ inputTokens: 1000, cacheReadTokens: 400, outputTokens: 100 }));
      assertUsd(cost, (1000 * 0.5 + 100 * 1.5) / 1e6);
    });

    it('apply cache prices given for a model the table lacks', () => {
      const overridden = createPricer({
        'my-gateway/house-model-7b': { input: 1, output: 2, cacheRead: 0.1, cacheWrite: 1.25 },
      });
      const cost = overridden.price(
        'my-gateway',
        'house-model-7b',
        usage({ inputTokens: 1000, cacheReadTokens: 500, cacheWriteTokens: 100, outputTokens: 10 }),
      );
      assertUsd(cost, (400 * 1 + 500 * 0.1 + 100 * 1.25 + 10 * 2) / 1e6);
    });

    it('win over the free price of local providers', () => {
      const overridden = createPricer({ 'ollama/llama3.2': { input: 0.01, output: 0.02 } });
      assertUsd(overridden.price('ollama', 'llama3.2', usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })), 0.03);
    });

    it('keep the table tiers of fields they leave out', () => {
      const overridden = createPricer({ 'anthropic/claude-sonnet-4-5': { output: 10 } });
      const cost = overridden.price('anthropic', 'claude-sonnet-4-5', usage({ inputTokens: 250_000, outputTokens: 1000 }));
      assertUsd(cost, (250_000 * 6 + 1000 * 10) / 1e6);
    });
  });
  describe('against calcPrice', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const samples: Usage[] = [
      usage({ inputTokens: 1200, cacheReadTokens: 200, outputTokens: 300 }),
      usage({ inputTokens: 12_000, cacheReadTokens: 9000, cacheWriteTokens: 1000, outputTokens: 800, reasoningTokens: 200 }),
      usage({ inputTokens: 250_001, cacheReadTokens: 100_000, cacheWriteTokens: 20_000, outputTokens: 4000 }),
    ];
    const presets: Array<[string, string]> = [
      ['openai', 'openai'],
      ['anthropic', 'anthropic'],
      ['gemini', 'google'],
      ['groq', 'groq'],
      ['mistral', 'mistral'],
      ['xai', 'x-ai'],
      ['openrouter', 'openrouter'],
    ];
    for (const [provider, tableId] of presets) {
      it(`prices every ${tableId} model as calcPrice does`, () => {
        const clocked = createPricer({}, () => now);
        const table = findProvider({ providerId: tableId });
        assert.ok(table !== undefined);
        let compared = 0;
        for (const model of table.models) {
          for (const sample of samples) {
            const expected = calcPrice(
              {
                input_tokens: sample.inputTokens,
                cache_read_tokens: sample.cacheReadTokens,
                cache_write_tokens: sample.cacheWriteTokens,
                output_tokens: sample.outputTokens,
              },
              model.id,
              { providerId: tableId, timestamp: new Date(now) },
            );
            // Ids that another entry's pattern claims first are priced by that entry, as calcPrice does.
            if (expected === null) continue;
            const actual = clocked.price(provider, model.id, sample);
            assert.ok(actual !== null, `${provider}/${model.id} has no price`);
            assert.ok(
              Math.abs(actual - expected.total_price) <= 1e-12 * expected.total_price,
              `${provider}/${model.id}: ${actual}, calcPrice ${expected.total_price}`,
            );
            compared++;
          }
        }
        assert.ok(compared >= table.models.length, `only ${compared} prices compared`);
      });
    }
  });

  describe('over time', () => {
    // gemini-3.6-flash doubles its prices from 2027-01-01: $0.75 → $1.50 input, $3.75 → $7.50 output.
    const newYear = Date.UTC(2027, 0, 1);

    it('switches to a dated price when its start date passes', () => {
      let clock = newYear - 1000;
      const clocked = createPricer({}, () => clock);
      const call = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
      assertUsd(clocked.price('gemini', 'gemini-3.6-flash', call), 0.75 + 3.75);
      clock = newYear;
      assertUsd(clocked.price('gemini', 'gemini-3.6-flash', call), 1.5 + 7.5);
    });

    it('keeps an override across a dated price change', () => {
      let clock = newYear - 1000;
      const clocked = createPricer({ 'gemini/gemini-3.6-flash': { output: 1 } }, () => clock);
      const call = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
      assertUsd(clocked.price('gemini', 'gemini-3.6-flash', call), 0.75 + 1);
      clock = newYear + 1000;
      assertUsd(clocked.price('gemini', 'gemini-3.6-flash', call), 1.5 + 1);
    });

    it('prices by the time of day where the table does', () => {
      // deepseek-chat: $0.27 input, $1.10 output between 00:30 and 16:30 UTC, $0.135 and $0.55 otherwise.
      let clock = Date.UTC(2026, 10, 25, 12, 0, 0);
      const clocked = createPricer({}, () => clock);
      const call = usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
      assertUsd(clocked.price('deepseek', 'deepseek-chat', call), 0.27 + 1.1);
      clock = Date.UTC(2026, 10, 25, 20, 0, 0);
      assertUsd(clocked.price('deepseek', 'deepseek-chat', call), 0.135 + 0.55);
    });
  });

  it('returns null for counts that are not numbers, as calcPrice refuses them', () => {
    assert.equal(pricer.price('openai', 'gpt-4o', usage({ inputTokens: Number.NaN, outputTokens: 10 })), null);
    assert.equal(pricer.price('openai', 'gpt-4o', usage({ inputTokens: 10, outputTokens: Number.POSITIVE_INFINITY })), null);
  });
});
