import assert from 'node:assert/strict';
import { parseConfig } from '../../proxy/config/load-config';
import { createReliability, createRoutingState } from '../../proxy/pipeline/create-runtime';
import { splitArmFor } from '../../proxy/routing/candidate-order';
import { TestProxy } from './harness';
import {
  answerAs,
  answerText,
  chat,
  closeFakes,
  cutStream,
  decisionShape,
  messages,
  openAiError,
  resetFakes,
  routingEnv,
  seededRandom,
  sleep,
  startFakes,
  streamedText,
  targets,
  useFakes,
  within,
  type Fakes,
  type Sent,
} from './routing-providers';

/**
 * The strategies through the real proxy: race (hedging), split (weighted A/B, sticky per
 * conversation), cheapest, fastest; and what happens when a stream fails after its first byte.
 */

const fastRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 5 };

function providerOf(sent: Sent): string | null {
  return sent.headers.get('x-switchyard-provider');
}

describe('routing strategies: race', () => {
  let fakes: Fakes;
  let proxy: TestProxy;

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start((config) => {
      Object.assign(
        config,
        parseConfig({
          routes: {
            race: { strategy: 'race', targets: [targets.groq, targets.cerebras], hedgeMs: 30, retry: fastRetry },
            stampede: { strategy: 'race', targets: [targets.groq, targets.cerebras], hedgeMs: 0, retry: fastRetry },
            unhurried: { strategy: 'race', targets: [targets.groq, targets.cerebras], hedgeMs: 2000, retry: fastRetry },
            // A hedge delay no loaded machine's first answer reaches, so "answered before the hedge" holds.
            patient: { strategy: 'race', targets: [targets.groq, targets.cerebras], hedgeMs: 5000, retry: fastRetry },
          },
        }),
      );
      useFakes(config, fakes);
    }, routingEnv);
  });
  beforeEach(() => resetFakes(fakes));
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  it('the first target stalls: the hedge starts after hedgeMs, wins, and the stalled request is aborted', async () => {
    let groqArrived = 0;
    let cerebrasArrived = 0;
    // Stalled far longer than any loaded machine takes to start and answer the hedge.
    const stalled = answerAs('groq', { chunkDelayMs: 3000 });
    const quick = answerAs('cerebras');
    fakes.groq.reply((request) => {
      groqArrived = performance.now();
      return stalled(request);
    });
    fakes.cerebras.reply((request) => {
      cerebrasArrived = performance.now();
      return quick(request);
    });
    const sentAt = performance.now();
    const sent = await chat(proxy, 'race', { stream: true });
    assert.equal(sent.status, 200);
    assert.equal(streamedText(sent), answerText('cerebras'));
    assert.equal(providerOf(sent), 'cerebras');
    assert.equal(sent.headers.get('x-switchyard-model'), 'llama3.1-8b');
    assert.equal(sent.headers.get('x-switchyard-attempts'), '2');
    // Load can only delay an arrival, so the hedge's lower bound is measured from the client's
    // send (the first attempt starts after it); that the first target went first is in the decision.
    assert.ok(cerebrasArrived - sentAt >= 30, `the hedge reached its provider ${cerebrasArrived - sentAt} ms after the call was sent`);
    assert.ok(groqArrived > 0, 'the first target was asked');
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'race',
      strategy: 'race',
      candidates: [
        { target: targets.groq, outcome: 'tried', reason: 'first in race' },
        { target: targets.cerebras, outcome: 'tried', reason: 'hedge' },
      ],
      attempts: [
        { target: targets.cerebras, status: 200, outcome: 'won' },
        { target: targets.groq, status: null, outcome: 'cancelled', error: 'lost the race' },
      ],
      winner: targets.cerebras,
    });
    await within(fakes.groq.last.aborted, 5000, 'the losing upstream request was not aborted');
  });

  it('the first target answers before hedgeMs: only one upstream call is made', async function () {
    this.timeout(20_000);
    const started = performance.now();
    const sent = await chat(proxy, 'patient', { stream: true });
    assert.ok(performance.now() - started < 5000, 'the first answer took longer than the hedge delay: the machine is too loaded for this test');
    assert.equal(streamedText(sent), answerText('groq'));
    assert.equal(sent.headers.get('x-switchyard-attempts'), '1');
    // Past the hedge delay: the timer must have been cleared.
    await sleep(Math.max(0, 5100 - (performance.now() - started)));
    assert.deepEqual([fakes.groq.requests.length, fakes.cerebras.requests.length], [1, 0]);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'patient',
      strategy: 'race',
      candidates: [
        { target: targets.groq, outcome: 'tried', reason: 'first in race' },
        { target: targets.cerebras, outcome: 'unused', reason: 'hedge' },
      ],
      attempts: [{ target: targets.groq, status: 200, outcome: 'won' }],
      winner: targets.groq,
    });
  });

  it('the first target fails: the next starts at once, without waiting for the hedge', async () => {
    fakes.groq.reply(() => openAiError(500, 'Internal error'));
    const sent = await chat(proxy, 'unhurried');
    assert.equal(sent.status, 200);
    assert.equal(providerOf(sent), 'cerebras');
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ target, status, outcome }) => [target, status, outcome]),
      [
        [targets.groq, 500, 'failed'],
        [targets.cerebras, 200, 'won'],
      ],
    );
    // The failure started cerebras, not the two-second hedge timer.
    assert.ok(sent.record.latencyMs < 1000, `took ${sent.record.latencyMs} ms`);
  });

  it('when both racers answer at once, the loser is recorded cancelled exactly once', async () => {
    // Both open within the same moment: the loser may open before its cancellation runs.
    for (let round = 0; round < 10; round++) {
      const sent = await chat(proxy, 'stampede', { stream: true });
      const outcomes = sent.record.decision!.attempts.map(({ outcome }) => outcome).sort();
      assert.deepEqual(outcomes, ['cancelled', 'won'], `round ${round}`);
    }
  });

  it('hedgeMs 0 starts every target at once; the first to answer wins', async () => {
    // Slow enough that it is always still running when the winner cancels it, however loaded the machine.
    fakes.groq.reply(answerAs('groq', { afterMs: 3000 }));
    const sent = await chat(proxy, 'stampede', { stream: true });
    assert.equal(streamedText(sent), answerText('cerebras'));
    assert.deepEqual([fakes.groq.requests.length, fakes.cerebras.requests.length], [1, 1]);
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ target, outcome }) => [target, outcome]),
      [
        [targets.cerebras, 'won'],
        [targets.groq, 'cancelled'],
      ],
    );
    await within(fakes.groq.last.aborted, 5000, 'the losing upstream request was not aborted');
  });
});

describe('routing strategies: split', () => {
  let fakes: Fakes;
  let proxy: TestProxy;
  const weights = [90, 10];

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start(
      (config) => {
        Object.assign(
          config,
          parseConfig({ routes: { trial: { strategy: 'split', targets: [targets.groq, targets.cerebras], weights, retry: fastRetry } } }),
        );
        useFakes(config, fakes);
      },
      routingEnv,
      // Seeded: the share below is reproducible, not a flaky sample.
      { random: seededRandom(20_250_901) },
    );
  });
  beforeEach(() => resetFakes(fakes));
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  it('weights [90, 10] over 400 calls: about 90% go to the first arm', async function () {
    // 400 real calls: seconds on a loaded machine; the proportion is what is checked.
    this.timeout(60_000);
    const served = { groq: 0, cerebras: 0 };
    let next = 0;
    // Eight at a time: quick, and the arms must not depend on calls being sequential.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 400) {
          next++;
          const sent = await chat(proxy, 'trial');
          assert.equal(sent.status, 200);
          served[providerOf(sent) as 'groq' | 'cerebras']++;
        }
      }),
    );
    assert.equal(served.groq + served.cerebras, 400);
    assert.ok(served.groq >= 336 && served.groq <= 384, `groq served ${served.groq} of 400`);
    assert.deepEqual([fakes.groq.requests.length, fakes.cerebras.requests.length], [served.groq, served.cerebras]);
  });

  it('the decision names the weight that chose the arm, and the other arm as its fallback', async () => {
    const sent = await chat(proxy, 'trial');
    const chosen = providerOf(sent) === 'groq' ? 0 : 1;
    const labels = [targets.groq, targets.cerebras];
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'trial',
      strategy: 'split',
      candidates: [
        { target: labels[chosen], outcome: 'tried', reason: `weight ${weights[chosen]}/100` },
        { target: labels[1 - chosen], outcome: 'unused', reason: `fallback (weight ${weights[1 - chosen]}/100)` },
      ],
      attempts: [{ target: labels[chosen], status: 200, outcome: 'won' }],
      winner: labels[chosen],
    });
  });

  it('x-switchyard-session keeps a conversation on one arm, the arm its key hashes to', async () => {
    const seen = new Set<string>();
    for (let conversation = 0; conversation < 30; conversation++) {
      const key = `conversation-${conversation}`;
      const expected = splitArmFor(key, weights, () => 0.5) === 0 ? 'groq' : 'cerebras';
      for (let turn = 0; turn < 3; turn++) {
        const sent = await chat(proxy, 'trial', {}, { 'x-switchyard-session': key });
        assert.equal(providerOf(sent), expected, `${key}, turn ${turn}`);
        assert.match(sent.record.decision!.candidates[0]!.reason, / \(sticky\)$/);
      }
      seen.add(expected);
    }
    // Thirty conversations at 90/10 do reach both arms (the hash is fixed, so this is too).
    assert.deepEqual([...seen].sort(), ['cerebras', 'groq']);
  });

  it('Anthropic metadata.user_id is sticky too', async () => {
    const userId = 'user_5f8c1e_account_0d2a_session_7a41c9e2';
    const expected = splitArmFor(userId, weights, () => 0.5) === 0 ? 'groq' : 'cerebras';
    for (let turn = 0; turn < 10; turn++) {
      const sent = await messages(proxy, 'trial', { metadata: { user_id: userId } });
      assert.equal(sent.status, 200);
      assert.equal(providerOf(sent), expected);
    }
  });

  it('the chosen arm failing falls back to the other arm', async () => {
    fakes.groq.reply(() => openAiError(503, 'Service unavailable'));
    fakes.cerebras.reply(() => openAiError(503, 'Service unavailable'));
    const key = 'conversation-failing';
    const first = splitArmFor(key, weights, () => 0.5) === 0 ? 'groq' : 'cerebras';
    const other = first === 'groq' ? 'cerebras' : 'groq';
    fakes[other].reply(answerAs(other));
    const sent = await chat(proxy, 'trial', {}, { 'x-switchyard-session': key });
    assert.equal(providerOf(sent), other);
    assert.equal(sent.headers.get('x-switchyard-attempts'), '2');
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ target, outcome }) => [target, outcome]),
      [
        [targets[first], 'failed'],
        [targets[other], 'won'],
      ],
    );
  });
});

describe('routing strategies: cheapest and fastest', () => {
  let fakes: Fakes;
  let proxy: TestProxy;
  /** The router's random draw: 0.5 never explores (below 0.1 does). */
  let draw = 0.5;
  const routes = {
    cheap: { strategy: 'cheapest', targets: [targets.openai, targets.groq], retry: fastRetry },
    quick: { strategy: 'fastest', targets: [targets.groq, targets.cerebras], retry: fastRetry },
  };

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start(
      (config) => {
        Object.assign(config, parseConfig({ routes }));
        useFakes(config, fakes);
      },
      routingEnv,
      { random: () => draw },
    );
  });
  beforeEach(() => {
    resetFakes(fakes);
    // Latencies measured by one test (cheapest calls to groq too) must not rank the next one's targets.
    Object.assign(proxy.runtime.reliability, createReliability(Date.now, () => draw));
  });
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  it('cheapest: groq’s llama is cheaper than gpt-5, so groq serves', async () => {
    const sent = await chat(proxy, 'cheap');
    assert.equal(sent.status, 200);
    assert.equal(providerOf(sent), 'groq');
    const [first, second] = sent.record.decision!.candidates;
    assert.equal(first!.target, targets.groq);
    assert.equal(first!.outcome, 'tried');
    assert.match(first!.reason, /^cheapest \(est\. \$\d\.\d\de-?\d+|^cheapest \(est\. \$0\.\d+\)$/);
    assert.equal(second!.target, targets.openai);
    assert.equal(second!.outcome, 'unused');
    assert.match(second!.reason, /^dearer \(est\. \$/);
    assert.equal(fakes.openai.requests.length, 0);
  });

  it('cheapest: the dearer target serves when the cheaper one fails', async () => {
    fakes.groq.reply(() => openAiError(500, 'Internal error'));
    const sent = await chat(proxy, 'cheap');
    assert.equal(providerOf(sent), 'openai');
    assert.equal(sent.headers.get('x-switchyard-model'), 'gpt-5');
    assert.equal(sent.headers.get('x-switchyard-attempts'), '2');
  });

  it('cheapest follows price overrides of a reloaded config', async () => {
    const config = parseConfig({ routes, prices: { [targets.openai]: { input: 0, output: 0 } } });
    useFakes(config, fakes);
    const before = proxy.runtime.routing;
    proxy.runtime.replaceRouting(createRoutingState(config, routingEnv));
    try {
      const sent = await chat(proxy, 'cheap');
      assert.equal(providerOf(sent), 'openai');
      assert.equal(sent.record.decision!.candidates[0]!.reason, 'cheapest (est. $0)');
    } finally {
      proxy.runtime.replaceRouting(before);
    }
  });

  it('fastest: after warm-up calls, the target with the lower time to first token serves', async () => {
    // Far apart: a loaded machine can hold one 2 ms answer for tens of milliseconds.
    fakes.groq.reply(answerAs('groq', { afterMs: 250 }));
    fakes.cerebras.reply(answerAs('cerebras', { afterMs: 2 }));
    // Unmeasured targets go first so they get measured: groq (configured first), then cerebras.
    const warmUp = [await chat(proxy, 'quick', { stream: true }), await chat(proxy, 'quick', { stream: true })];
    assert.deepEqual(warmUp.map(providerOf), ['groq', 'cerebras']);
    assert.deepEqual(
      warmUp[0]!.record.decision!.candidates.map(({ target, reason }) => [target, reason]),
      [
        [targets.groq, 'unmeasured'],
        [targets.cerebras, 'unmeasured'],
      ],
    );
    for (let call = 0; call < 5; call++) {
      const sent = await chat(proxy, 'quick', { stream: true });
      assert.equal(providerOf(sent), 'cerebras');
      const [first, second] = sent.record.decision!.candidates;
      assert.match(first!.reason, /^faster \(p50 \d+ ms\)$/);
      assert.equal(first!.target, targets.cerebras);
      assert.match(second!.reason, /^slower \(p50 \d+ ms\)$/);
      assert.equal(second!.outcome, 'unused');
    }
    assert.equal(fakes.groq.requests.length, 1);

    // Now and then the slower one is tried again, in case it has recovered.
    draw = 0.05;
    try {
      const sent = await chat(proxy, 'quick', { stream: true });
      assert.equal(providerOf(sent), 'groq');
      assert.match(sent.record.decision!.candidates[0]!.reason, /^exploring \(p50 \d+ ms\)$/);
    } finally {
      draw = 0.5;
    }
  });
});

describe('routing: a stream that fails after its first byte', () => {
  let fakes: Fakes;
  let proxy: TestProxy;

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start((config) => {
      Object.assign(
        config,
        parseConfig({ routes: { smart: { strategy: 'fallback', targets: [targets.groq, targets.cerebras], retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } } } }),
      );
      useFakes(config, fakes);
    }, routingEnv);
  });
  beforeEach(() => resetFakes(fakes));
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  const cutMessage = 'groq closed the stream before it was complete.';

  it('passthrough OpenAI Chat: the chunks before the cut, then an error chunk; no fallback', async () => {
    fakes.groq.reply((request) => cutStream('groq', request, 3));
    const sent = await chat(proxy, 'smart', { stream: true });
    assert.equal(sent.status, 200);
    assert.equal(sent.headers.get('x-switchyard-attempts'), '1');
    assert.equal(providerOf(sent), 'groq');
    const events = sent.text.split('\n\n').filter((event) => event !== '');
    assert.equal(events.length, 4, sent.text);
    const error = JSON.parse(events[3]!.slice('data: '.length));
    assert.equal(error.error.message, cutMessage);
    assert.equal(streamedText(sent), 'Hello fr');
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ target, outcome }) => [target, outcome]),
      [[targets.groq, 'won']],
    );
    assert.equal(sent.record.error, cutMessage);
    assert.equal(fakes.cerebras.requests.length, 0);
  });

  it('translated Anthropic: the events before the cut, then `event: error`; no fallback', async () => {
    fakes.groq.reply((request) => cutStream('groq', request, 3));
    const sent = await messages(proxy, 'smart', { stream: true });
    assert.equal(sent.status, 200);
    assert.equal(sent.headers.get('x-switchyard-attempts'), '1');
    assert.ok(
      sent.text.endsWith(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: cutMessage } })}\n\n`),
      sent.text,
    );
    assert.equal(streamedText(sent), 'Hello fr');
    assert.equal(sent.record.decision!.attempts.length, 1);
    assert.equal(sent.record.decision!.winner, targets.groq);
    assert.equal(fakes.cerebras.requests.length, 0);
  });

  it('a stream that ends before its first byte still falls back', async () => {
    fakes.groq.reply(() => ({ chunks: [''], delayMs: 1, cut: true }));
    const sent = await chat(proxy, 'smart', { stream: true });
    assert.equal(streamedText(sent), answerText('cerebras'));
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ target, status, outcome }) => [target, status, outcome]),
      [
        [targets.groq, null, 'failed'],
        [targets.groq, null, 'failed'],
        [targets.cerebras, 200, 'won'],
      ],
    );
  });
});
