import assert from 'node:assert/strict';
import { createPricer } from '../../../proxy/cost/pricer';
import type { Usage } from '../../../proxy/core/usage';
import {
  hashToUnit,
  orderCandidates,
  splitArmFor,
  targetPricer,
  type CandidateOrderContext,
} from '../../../proxy/routing/candidate-order';
import { LatencyTracker } from '../../../proxy/routing/latency-tracker';

/** A random source that plays back the given draws and fails the test when it runs out. */
function scriptedRandom(draws: number[]): () => number {
  let index = 0;
  return () => {
    assert.ok(index < draws.length, 'random() drawn more often than scripted');
    return draws[index++]!;
  };
}

/** A seeded uniform generator (mulberry32), so draw counts are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function context(fields: Partial<CandidateOrderContext>): CandidateOrderContext {
  return {
    random: scriptedRandom([]),
    latency: new LatencyTracker(),
    priceOf: () => {
      throw new Error('priceOf is not expected here');
    },
    estimatedInputTokens: 0,
    ...fields,
  };
}

const targets = ['anthropic/claude-sonnet-4-6', 'openai/gpt-5', 'groq/llama-3.3-70b-versatile'];

describe('orderCandidates', () => {
  it('fallback keeps the configured order', () => {
    assert.deepEqual(orderCandidates('fallback', targets, context({})), [
      { target: 'anthropic/claude-sonnet-4-6', reason: 'first in order' },
      { target: 'openai/gpt-5', reason: 'fallback' },
      { target: 'groq/llama-3.3-70b-versatile', reason: 'fallback' },
    ]);
  });

  it('race keeps the configured order, the rest as hedges', () => {
    assert.deepEqual(orderCandidates('race', targets.slice(0, 2), context({})), [
      { target: 'anthropic/claude-sonnet-4-6', reason: 'first in race' },
      { target: 'openai/gpt-5', reason: 'hedge' },
    ]);
  });

  it('orders no targets as none', () => {
    for (const strategy of ['fallback', 'race', 'fastest', 'split'] as const) {
      assert.deepEqual(orderCandidates(strategy, [], context({})), [], strategy);
    }
    assert.deepEqual(orderCandidates('cheapest', [], context({ priceOf: () => 1 })), []);
  });

  describe('cheapest', () => {
    // Dated prices are chosen by the clock; a fixed one keeps the expected order stable.
    const priceOf = targetPricer(createPricer({}, () => Date.parse('2026-01-01T00:00:00Z')));

    it('orders by the estimated cost with real prices, unknown prices last', () => {
      const ordered = orderCandidates(
        'cheapest',
        ['custom/house-model', 'openai/gpt-5', 'groq/llama-3.3-70b-versatile'],
        context({ priceOf, estimatedInputTokens: 2000 }),
      );
      // 2000 input and 1000 output tokens: Groq $0.59/$0.79, gpt-5 $1.25/$10 per million.
      assert.deepEqual(ordered, [
        { target: 'groq/llama-3.3-70b-versatile', reason: 'cheapest (est. $0.00197)' },
        { target: 'openai/gpt-5', reason: 'dearer (est. $0.0125)' },
        { target: 'custom/house-model', reason: 'no price' },
      ]);
    });

    it('prices the request with its input estimate and output limit', () => {
      const seen: Array<{ target: string; usage: Usage }> = [];
      const recording = (target: string, usage: Usage) => {
        seen.push({ target, usage });
        return target === 'a/1' ? 2 : 1;
      };
      const ordered = orderCandidates(
        'cheapest',
        ['a/1', 'b/1'],
        context({ priceOf: recording, estimatedInputTokens: 1234, maxOutputTokens: 64 }),
      );
      assert.deepEqual(ordered.map((candidate) => candidate.target), ['b/1', 'a/1']);
      const usage = { inputTokens: 1234, outputTokens: 64, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
      assert.deepEqual(seen, [
        { target: 'a/1', usage },
        { target: 'b/1', usage },
      ]);
    });

    it('expects 1000 output tokens when the request sets no limit, so output prices weigh in', () => {
      // Input-cheap but output-dear against the opposite: the output estimate decides.
      const priceOf = (target: string, usage: Usage) =>
        target === 'input-cheap/1'
          ? (usage.inputTokens * 0.1 + usage.outputTokens * 20) / 1e6
          : (usage.inputTokens * 1 + usage.outputTokens * 2) / 1e6;
      const order = (maxOutputTokens?: number) =>
        orderCandidates('cheapest', ['input-cheap/1', 'output-cheap/1'], context({ priceOf, estimatedInputTokens: 10_000, maxOutputTokens }))
          .map((candidate) => candidate.target);
      assert.deepEqual(order(), ['output-cheap/1', 'input-cheap/1']);
      assert.deepEqual(order(10), ['input-cheap/1', 'output-cheap/1']);
    });

    it('keeps the configured order between equal prices and calls free ones cheapest', () => {
      const ordered = orderCandidates('cheapest', ['ollama/llama3', 'lmstudio/qwen', 'openai/gpt-5'], context({ priceOf, estimatedInputTokens: 10 }));
      assert.deepEqual(ordered.map((candidate) => candidate.reason), ['cheapest (est. $0)', 'cheapest (est. $0)', 'dearer (est. $0.0100)']);
      assert.deepEqual(ordered.map((candidate) => candidate.target), ['ollama/llama3', 'lmstudio/qwen', 'openai/gpt-5']);
    });

    it('treats a target without a provider as unpriced', () => {
      assert.equal(priceOf('gpt-5', { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }), null);
    });
  });

  it('fastest ranks by observed latency and shows the estimate', () => {
    const latency = new LatencyTracker();
    latency.record('openai/gpt-5', 1800);
    latency.record('groq/llama-3.3-70b-versatile', 240.4);
    assert.deepEqual(orderCandidates('fastest', targets, context({ latency, random: scriptedRandom([]) })), [
      { target: 'anthropic/claude-sonnet-4-6', reason: 'unmeasured' },
      { target: 'groq/llama-3.3-70b-versatile', reason: 'faster (p50 240 ms)' },
      { target: 'openai/gpt-5', reason: 'slower (p50 1800 ms)' },
    ]);
    latency.record('anthropic/claude-sonnet-4-6', 900);
    assert.deepEqual(orderCandidates('fastest', targets, context({ latency, random: scriptedRandom([0.01, 0.9]) })), [
      { target: 'openai/gpt-5', reason: 'exploring (p50 1800 ms)' },
      { target: 'groq/llama-3.3-70b-versatile', reason: 'faster (p50 240 ms)' },
      { target: 'anthropic/claude-sonnet-4-6', reason: 'slower (p50 900 ms)' },
    ]);
  });

  describe('split', () => {
    const arms = ['openai/gpt-5-mini', 'groq/llama-3.3-70b-versatile'];

    it('puts the drawn arm first and the others after it as fallbacks', () => {
      assert.deepEqual(orderCandidates('split', arms, context({ weights: [90, 10], random: scriptedRandom([0.95]) })), [
        { target: 'groq/llama-3.3-70b-versatile', reason: 'weight 10/100' },
        { target: 'openai/gpt-5-mini', reason: 'fallback (weight 90/100)' },
      ]);
      assert.deepEqual(orderCandidates('split', arms, context({ weights: [90, 10], random: scriptedRandom([0.89]) })), [
        { target: 'openai/gpt-5-mini', reason: 'weight 90/100' },
        { target: 'groq/llama-3.3-70b-versatile', reason: 'fallback (weight 10/100)' },
      ]);
    });

    it('splits 90/10 over 10,000 draws within 1.5 points', () => {
      const random = seededRandom(2026);
      let first = 0;
      for (let draw = 0; draw < 10_000; draw++) {
        if (orderCandidates('split', arms, context({ weights: [90, 10], random }))[0]!.target === arms[0]) first++;
      }
      assert.ok(Math.abs(first / 10_000 - 0.9) <= 0.015, `first arm took ${first / 100}%`);
    });

    it('sends every turn of a conversation to the same arm without drawing', () => {
      const none = scriptedRandom([]);
      const firstTurn = orderCandidates('split', arms, context({ weights: [50, 50], stickyKey: 'conversation-7f3a', random: none }));
      assert.equal(firstTurn[0]!.reason, 'weight 50/100 (sticky)');
      for (let turn = 0; turn < 20; turn++) {
        const later = orderCandidates('split', arms, context({ weights: [50, 50], stickyKey: 'conversation-7f3a', random: none }));
        assert.equal(later[0]!.target, firstTurn[0]!.target);
      }
    });

    it('splits sticky conversations by the weights too', () => {
      let first = 0;
      for (let index = 0; index < 10_000; index++) {
        if (splitArmFor(`conversation-${index}`, [90, 10], scriptedRandom([])) === 0) first++;
      }
      assert.ok(Math.abs(first / 10_000 - 0.9) <= 0.015, `first arm took ${first / 100}%`);
    });

    it('weighs arms equally when the route gives no weights', () => {
      assert.deepEqual(
        orderCandidates('split', ['a/1', 'b/1', 'c/1'], context({ random: scriptedRandom([0.5]) })).map((candidate) => candidate.reason),
        ['weight 1/3', 'fallback (weight 1/3)', 'fallback (weight 1/3)'],
      );
    });
  });
});

describe('splitArmFor', () => {
  it('walks the cumulative weights', () => {
    const weights = [1, 2, 7];
    assert.equal(splitArmFor(undefined, weights, () => 0), 0);
    assert.equal(splitArmFor(undefined, weights, () => 0.0999), 0);
    assert.equal(splitArmFor(undefined, weights, () => 0.1), 1);
    assert.equal(splitArmFor(undefined, weights, () => 0.2999), 1);
    assert.equal(splitArmFor(undefined, weights, () => 0.3), 2);
    assert.equal(splitArmFor(undefined, weights, () => 0.999999), 2);
  });

  it('never picks an arm of weight 0, nor one with a weight that is not a number', () => {
    for (const draw of [0, 0.3, 0.6, 0.999999]) {
      const arm = splitArmFor(undefined, [0, 5, -3, Number.NaN, 5, 0], () => draw);
      assert.ok(arm === 1 || arm === 4, `draw ${draw} picked ${arm}`);
    }
  });

  it('picks uniformly when no weight is positive', () => {
    assert.equal(splitArmFor(undefined, [0, 0, 0], () => 0.5), 1);
    assert.equal(splitArmFor(undefined, [0, 0, 0], () => 0.999999), 2);
  });

  it('splits 90/10 over 10,000 draws within 1.5 points', () => {
    const random = seededRandom(7);
    const counts = [0, 0];
    for (let draw = 0; draw < 10_000; draw++) counts[splitArmFor(undefined, [90, 10], random)]!++;
    assert.ok(Math.abs(counts[0]! / 10_000 - 0.9) <= 0.015, `counts ${counts.join('/')}`);
  });

  it('is sticky by key and ignores random when a key is given', () => {
    const arm = splitArmFor('thread-42', [50, 50], scriptedRandom([]));
    for (let repeat = 0; repeat < 10; repeat++) assert.equal(splitArmFor('thread-42', [50, 50], scriptedRandom([])), arm);
  });
});

describe('hashToUnit', () => {
  /** MurmurHash3's 32-bit finaliser, written out here to check the hash against FNV's own vectors. */
  function finalise(hash: number): number {
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
    return (hash >>> 0) / 2 ** 32;
  }

  it('is the 32-bit FNV-1a hash, finalised, as a number in [0, 1)', () => {
    // FNV-1a test vectors; a change here would move every sticky conversation to another arm.
    assert.equal(hashToUnit(''), finalise(0x811c9dc5));
    assert.equal(hashToUnit('a'), finalise(0xe40c292c));
    assert.equal(hashToUnit('foobar'), finalise(0xbf9cf968));
    assert.equal(hashToUnit(''), 0.6689221884589642);
    assert.notEqual(hashToUnit('conversation-1'), hashToUnit('conversation-2'));
    for (const key of ['b', 'thread-42', 'ü', '日本']) {
      const value = hashToUnit(key);
      assert.ok(value >= 0 && value < 1, `${key}: ${value}`);
    }
  });
});
