import assert from 'node:assert/strict';
import { parseConfig } from '../../proxy/config/load-config';
import { createReliability, createRoutingState } from '../../proxy/pipeline/create-runtime';
import { anthropicErrorJson } from '../fakes/anthropic-replies';
import { TestProxy } from './harness';
import {
  answerAs,
  answerText,
  chat,
  closeFakes,
  decisionShape,
  messages,
  openAiError,
  resetFakes,
  routingEnv,
  startFakes,
  streamedText,
  targets,
  useFakes,
  within,
  type Fakes,
  type Sent,
} from './routing-providers';

/**
 * Routing through the real proxy: which rule and route a call takes, fallback and retries
 * when targets fail, circuit breaking, and config reloads. Every test checks the decision
 * record and the `x-switchyard-*` headers the client got.
 */

/** What the client learns from the headers of a served call. */
function assertServedBy(sent: Sent, target: string, attempts: number): void {
  const slash = target.indexOf('/');
  assert.equal(sent.headers.get('x-switchyard-provider'), target.slice(0, slash));
  assert.equal(sent.headers.get('x-switchyard-model'), target.slice(slash + 1));
  assert.equal(sent.headers.get('x-switchyard-attempts'), String(attempts));
  assert.equal(sent.headers.get('x-switchyard-request-id'), sent.record.id);
  assert.equal(sent.record.provider, target.slice(0, slash));
  assert.equal(sent.record.model, target.slice(slash + 1));
}

/** The text of an answer in the client's format. */
function answerOf(sent: Sent): string {
  if (sent.json?.object === 'chat.completion') return sent.json.choices[0].message.content;
  if (sent.json?.type === 'message') return sent.json.content[0].text;
  throw new Error(`not an answer: ${sent.text}`);
}

const longPrompt = 'Summarise the following notes about the migration plan. '.repeat(400);
const weatherTool = { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
const fastRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 5 };

describe('routing: rules and routes', () => {
  let fakes: Fakes;
  let proxy: TestProxy;

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start((config) => {
      Object.assign(
        config,
        parseConfig({
          routes: {
            fast: { strategy: 'fallback', targets: [targets.cerebras], retry: fastRetry },
            smart: { strategy: 'fallback', targets: [targets.anthropic, targets.openai], retry: fastRetry },
          },
          rules: [
            { name: 'tools to groq', match: { model: 'claude-*', tools: true }, route: targets.groq },
            { name: 'short claude', match: { model: 'claude-*', tools: false, maxInputTokens: 2000 }, route: 'fast' },
            { match: { model: 'claude-*' }, route: 'smart' },
            { name: 'research team', match: { headers: { 'x-team': 'research-*' } }, route: 'smart' },
          ],
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

  it('a short claude call without tools takes the first rule that matches (rule 1, not the catch-all rule 2)', async () => {
    const sent = await messages(proxy, 'claude-haiku-4-5');
    assert.equal(sent.status, 200);
    assert.equal(answerOf(sent), answerText('cerebras'));
    assertServedBy(sent, targets.cerebras, 1);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'rule',
      rule: { index: 1, name: 'short claude' },
      route: 'fast',
      strategy: 'fallback',
      candidates: [{ target: targets.cerebras, outcome: 'tried', reason: 'first in order' }],
      attempts: [{ target: targets.cerebras, status: 200, outcome: 'won' }],
      winner: targets.cerebras,
    });
    assert.equal(fakes.cerebras.last.json.model, 'llama3.1-8b');
  });

  it('tools: true matches a call with tools; its route is a provider/model, called directly', async () => {
    const sent = await messages(proxy, 'claude-haiku-4-5', { tools: [weatherTool] });
    assert.equal(sent.status, 200);
    assert.equal(answerOf(sent), answerText('groq'));
    assertServedBy(sent, targets.groq, 1);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'rule',
      rule: { index: 0, name: 'tools to groq' },
      strategy: 'direct',
      candidates: [{ target: targets.groq, outcome: 'tried', reason: 'rule names it' }],
      attempts: [{ target: targets.groq, status: 200, outcome: 'won' }],
      winner: targets.groq,
    });
    assert.equal(fakes.groq.last.json.tools[0].function.name, 'get_weather');
  });

  it('maxInputTokens: a long prompt passes over rule 1 to the unnamed rule 2 and its route', async () => {
    const sent = await messages(proxy, 'claude-haiku-4-5', { messages: [{ role: 'user', content: longPrompt }] });
    assert.equal(sent.status, 200);
    assert.equal(answerOf(sent), answerText('anthropic'));
    assertServedBy(sent, targets.anthropic, 1);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'rule',
      rule: { index: 2 },
      route: 'smart',
      strategy: 'fallback',
      candidates: [
        { target: targets.anthropic, outcome: 'tried', reason: 'first in order' },
        { target: targets.openai, outcome: 'unused', reason: 'fallback' },
      ],
      attempts: [{ target: targets.anthropic, status: 200, outcome: 'won' }],
      winner: targets.anthropic,
    });
    // Passthrough with only the routed model changed.
    assert.equal(fakes.anthropic.last.json.model, 'claude-sonnet-4-6');
    assert.equal(fakes.anthropic.last.json.messages[0].content, longPrompt);
  });

  it('a header rule (glob value) routes a model no model rule matches', async () => {
    const sent = await chat(proxy, 'gpt-4o-mini', {}, { 'x-team': 'research-ml' });
    assert.equal(sent.status, 200);
    assert.equal(answerOf(sent), answerText('anthropic'));
    assertServedBy(sent, targets.anthropic, 1);
    const decision = sent.record.decision!;
    assert.deepEqual([decision.via, decision.rule, decision.route], ['rule', { index: 3, name: 'research team' }, 'smart']);
  });

  it('no rule matches (header value outside the glob): the model as addressed, decision via direct', async () => {
    const sent = await chat(proxy, 'gpt-4o-mini', {}, { 'x-team': 'sales' });
    assert.equal(sent.status, 200);
    assert.equal(answerOf(sent), answerText('openai'));
    assertServedBy(sent, 'openai/gpt-4o-mini', 1);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'direct',
      strategy: 'direct',
      candidates: [{ target: 'openai/gpt-4o-mini', outcome: 'tried', reason: 'as addressed' }],
      attempts: [{ target: 'openai/gpt-4o-mini', status: 200, outcome: 'won' }],
      winner: 'openai/gpt-4o-mini',
    });
  });

  it('x-switchyard-route picks a route ahead of every rule', async () => {
    // With tools this call would match rule 0.
    const sent = await messages(proxy, 'claude-haiku-4-5', { tools: [weatherTool] }, { 'x-switchyard-route': 'smart' });
    assert.equal(sent.status, 200);
    assertServedBy(sent, targets.anthropic, 1);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'header',
      route: 'smart',
      strategy: 'fallback',
      candidates: [
        { target: targets.anthropic, outcome: 'tried', reason: 'first in order' },
        { target: targets.openai, outcome: 'unused', reason: 'fallback' },
      ],
      attempts: [{ target: targets.anthropic, status: 200, outcome: 'won' }],
      winner: targets.anthropic,
    });
    assert.equal(fakes.groq.requests.length, 0);
  });

  it('x-switchyard-route may name a provider/model, called directly', async () => {
    const sent = await chat(proxy, 'gpt-4o-mini', {}, { 'x-switchyard-route': targets.groq });
    assertServedBy(sent, targets.groq, 1);
    assert.deepEqual(sent.record.decision!.candidates, [{ target: targets.groq, outcome: 'tried', reason: 'header names it' }]);
    assert.equal(sent.record.decision!.via, 'header');
  });

  it('x-switchyard-route naming no route is refused with a 400 that lists the routes', async () => {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-route': 'smrt' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { message: string; type: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /'smrt', which is not a route in the config \(routes: fast, smart\)/);
    assert.equal(fakes.openai.requests.length + fakes.anthropic.requests.length, 0);
  });

  it('a model named like a route takes that route', async () => {
    const sent = await chat(proxy, 'fast');
    assert.equal(sent.status, 200);
    assert.equal(answerOf(sent), answerText('cerebras'));
    assertServedBy(sent, targets.cerebras, 1);
    assert.equal(sent.record.requestedModel, 'fast');
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'fast',
      strategy: 'fallback',
      candidates: [{ target: targets.cerebras, outcome: 'tried', reason: 'first in order' }],
      attempts: [{ target: targets.cerebras, status: 200, outcome: 'won' }],
      winner: targets.cerebras,
    });
  });
});

describe('routing: fallback and retries', () => {
  let fakes: Fakes;
  let proxy: TestProxy;

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start(
      (config) => {
        Object.assign(
          config,
          parseConfig({
            routes: {
              smart: { strategy: 'fallback', targets: [targets.groq, targets.cerebras], retry: fastRetry },
              claude: { strategy: 'fallback', targets: [targets.anthropic, targets.groq], retry: fastRetry },
              patient: { strategy: 'fallback', targets: [targets.groq, targets.cerebras], retry: { attempts: 3, baseDelayMs: 4, maxDelayMs: 8 } },
              brisk: { strategy: 'fallback', targets: [targets.groq, targets.cerebras], retry: fastRetry, timeouts: { connectMs: 1000, firstTokenMs: 250 } },
            },
          }),
        );
        useFakes(config, fakes);
      },
      routingEnv,
      // Backoff draws the middle of its range: delays are exactly half the ceiling.
      { random: () => 0.5 },
    );
  });
  beforeEach(() => {
    resetFakes(fakes);
    // Each test starts with closed circuits: earlier failures must not skip targets here.
    Object.assign(proxy.runtime.reliability, createReliability(Date.now, () => 0.5));
  });
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  for (const status of [500, 503, 429]) {
    it(`groq answers ${status}: cerebras serves, and the record lists both attempts in order`, async () => {
      fakes.groq.reply(() => openAiError(status, 'Something went wrong upstream.'));
      const sent = await chat(proxy, 'smart');
      assert.equal(sent.status, 200);
      assert.equal(answerOf(sent), answerText('cerebras'));
      assertServedBy(sent, targets.cerebras, 2);
      assert.deepEqual(decisionShape(sent.record.decision), {
        via: 'model',
        route: 'smart',
        strategy: 'fallback',
        candidates: [
          { target: targets.groq, outcome: 'tried', reason: 'first in order' },
          { target: targets.cerebras, outcome: 'tried', reason: 'fallback' },
        ],
        attempts: [
          { target: targets.groq, status, outcome: 'failed', error: 'groq: Something went wrong upstream.' },
          { target: targets.cerebras, status: 200, outcome: 'won' },
        ],
        winner: targets.cerebras,
      });
      assert.equal(sent.record.status, 200);
      assert.equal(sent.record.error, undefined);
      assert.deepEqual([fakes.groq.requests.length, fakes.cerebras.requests.length], [1, 1]);
    });
  }

  it('anthropic answers 529 overloaded to an Anthropic client: groq serves it, translated', async () => {
    fakes.anthropic.reply(() => ({ status: 529, json: anthropicErrorJson('overloaded_error', 'Overloaded') }));
    const sent = await messages(proxy, 'claude', { stream: true });
    assert.equal(sent.status, 200);
    assert.equal(streamedText(sent), answerText('groq'));
    assert.ok(sent.text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'), sent.text);
    assertServedBy(sent, targets.groq, 2);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'claude',
      strategy: 'fallback',
      candidates: [
        { target: targets.anthropic, outcome: 'tried', reason: 'first in order' },
        { target: targets.groq, outcome: 'tried', reason: 'fallback' },
      ],
      attempts: [
        { target: targets.anthropic, status: 529, outcome: 'failed', error: 'anthropic: Overloaded' },
        { target: targets.groq, status: 200, outcome: 'won' },
      ],
      winner: targets.groq,
    });
    assert.equal(sent.record.passthrough, false);
  });

  it('a 400 does not fall back: an OpenAI client gets groq’s 400 as groq sent it', async () => {
    const body = { error: { message: "'messages' must contain at least one user message", type: 'invalid_request_error', param: 'messages', code: null } };
    fakes.groq.reply(() => ({ status: 400, json: body }));
    const sent = await chat(proxy, 'smart');
    assert.equal(sent.status, 400);
    assert.deepEqual(sent.json, body);
    assert.equal(sent.headers.get('x-switchyard-attempts'), '1');
    assert.equal(sent.headers.get('x-switchyard-request-id'), sent.record.id);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'smart',
      strategy: 'fallback',
      candidates: [
        { target: targets.groq, outcome: 'tried', reason: 'first in order' },
        { target: targets.cerebras, outcome: 'unused', reason: 'fallback' },
      ],
      attempts: [{ target: targets.groq, status: 400, outcome: 'failed', error: "groq: 'messages' must contain at least one user message" }],
    });
    assert.equal(sent.record.status, 400);
    assert.equal(fakes.cerebras.requests.length, 0);
  });

  it('a 400 does not fall back: an Anthropic client gets it as an Anthropic invalid_request_error', async () => {
    fakes.groq.reply(() => openAiError(400, "'max_tokens' must be less than or equal to 32768"));
    const sent = await messages(proxy, 'smart');
    assert.equal(sent.status, 400);
    assert.deepEqual(sent.json, { type: 'error', error: { type: 'invalid_request_error', message: "groq: 'max_tokens' must be less than or equal to 32768" } });
    assert.equal(sent.headers.get('x-switchyard-attempts'), '1');
    assert.equal(sent.headers.get('x-switchyard-request-id'), sent.record.id);
    assert.equal(sent.record.decision!.attempts.length, 1);
    assert.equal(sent.record.decision!.winner, undefined);
    assert.equal(fakes.cerebras.requests.length, 0);
  });

  it('retries the same target with backoff (attempts: 3), then falls back', async () => {
    fakes.groq.reply(() => openAiError(500, 'Internal error'));
    const sent = await chat(proxy, 'patient');
    assert.equal(sent.status, 200);
    assertServedBy(sent, targets.cerebras, 4);
    const failure = { target: targets.groq, status: 500, outcome: 'failed', error: 'groq: Internal error' };
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'patient',
      strategy: 'fallback',
      candidates: [
        { target: targets.groq, outcome: 'tried', reason: 'first in order' },
        { target: targets.cerebras, outcome: 'tried', reason: 'fallback' },
      ],
      // Full jitter drawn at 0.5: half of 4 ms, then half of 8 ms; no wait after the last try.
      attempts: [{ ...failure, retryDelayMs: 2 }, { ...failure, retryDelayMs: 4 }, failure, { target: targets.cerebras, status: 200, outcome: 'won' }],
      winner: targets.cerebras,
    });
    assert.deepEqual([fakes.groq.requests.length, fakes.cerebras.requests.length], [3, 1]);
  });

  it('a retry that succeeds keeps the call on the same target', async () => {
    let calls = 0;
    const served = answerAs('groq');
    fakes.groq.reply((request) => (++calls === 1 ? openAiError(503, 'Service unavailable') : served(request)));
    const sent = await chat(proxy, 'patient');
    assert.equal(answerOf(sent), answerText('groq'));
    assertServedBy(sent, targets.groq, 2);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'patient',
      strategy: 'fallback',
      candidates: [
        { target: targets.groq, outcome: 'tried', reason: 'first in order' },
        { target: targets.cerebras, outcome: 'unused', reason: 'fallback' },
      ],
      attempts: [
        { target: targets.groq, status: 503, outcome: 'failed', error: 'groq: Service unavailable', retryDelayMs: 2 },
        { target: targets.groq, status: 200, outcome: 'won' },
      ],
      winner: targets.groq,
    });
  });

  it('429 with Retry-After inside maxDelayMs: waits exactly that long and retries', async () => {
    let calls = 0;
    const served = answerAs('groq');
    fakes.groq.reply((request) => (++calls === 1 ? openAiError(429, 'Rate limit reached.', { 'retry-after': '0' }) : served(request)));
    const sent = await chat(proxy, 'patient');
    assertServedBy(sent, targets.groq, 2);
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ status, outcome, retryDelayMs }) => ({ status, outcome, retryDelayMs })),
      [
        { status: 429, outcome: 'failed', retryDelayMs: 0 },
        { status: 200, outcome: 'won', retryDelayMs: undefined },
      ],
    );
  });

  it('429 with Retry-After beyond maxDelayMs: no retry of that target, the next one serves at once', async () => {
    fakes.groq.reply(() => openAiError(429, 'Rate limit reached. Please try again in 20s.', { 'retry-after': '20' }));
    const started = Date.now();
    const sent = await chat(proxy, 'patient');
    assert.ok(Date.now() - started < 1000, 'the proxy waited for the Retry-After');
    assertServedBy(sent, targets.cerebras, 2);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'patient',
      strategy: 'fallback',
      candidates: [
        { target: targets.groq, outcome: 'tried', reason: 'first in order' },
        { target: targets.cerebras, outcome: 'tried', reason: 'fallback' },
      ],
      attempts: [
        { target: targets.groq, status: 429, outcome: 'failed', error: 'groq: Rate limit reached. Please try again in 20s.' },
        { target: targets.cerebras, status: 200, outcome: 'won' },
      ],
      winner: targets.cerebras,
    });
    assert.equal(fakes.groq.requests.length, 1);
  });

  // Built when the fake replies: an HTTP date made when the file loaded may be past by the time
  // this test runs on a loaded machine.
  const waitHints: Array<[string, () => Record<string, string>]> = [
    ['retry-after-ms (OpenAI)', () => ({ 'retry-after-ms': '20000' })],
    ['an HTTP-date Retry-After', () => ({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() })],
    ['an exhausted OpenAI-style token limit', () => ({ 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-reset-requests': '0.6s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' })],
  ];
  for (const [name, headers] of waitHints) {
    it(`429 whose wait is given by ${name} beyond maxDelayMs: no retry of that target`, async () => {
      fakes.groq.reply(() => openAiError(429, 'Rate limit reached.', headers()));
      const sent = await chat(proxy, 'patient');
      assertServedBy(sent, targets.cerebras, 2);
      assert.deepEqual(
        sent.record.decision!.attempts.map(({ target, status, retryDelayMs }) => [target, status, retryDelayMs]),
        [
          [targets.groq, 429, undefined],
          [targets.cerebras, 200, undefined],
        ],
      );
    });
  }

  it('429 without Retry-After: backoff retries of the same target', async () => {
    fakes.groq.reply(() => openAiError(429, 'Rate limit reached.'));
    const sent = await chat(proxy, 'patient');
    assertServedBy(sent, targets.cerebras, 4);
    assert.deepEqual(
      sent.record.decision!.attempts.map(({ target, status, retryDelayMs }) => [target, status, retryDelayMs]),
      [
        [targets.groq, 429, 2],
        [targets.groq, 429, 4],
        [targets.groq, 429, undefined],
        [targets.cerebras, 200, undefined],
      ],
    );
  });

  it('no first token within firstTokenMs: the stalled attempt is aborted and the next target serves', async () => {
    // The window leaves room for the serving target's first token on a loaded machine (50 ms
    // flaked at load 10: cerebras missed it too); the stalled one is far past it.
    fakes.groq.reply(answerAs('groq', { chunkDelayMs: 3000 }));
    const sent = await chat(proxy, 'brisk', { stream: true });
    assert.equal(sent.status, 200);
    assert.equal(streamedText(sent), answerText('cerebras'));
    assertServedBy(sent, targets.cerebras, 2);
    assert.deepEqual(sent.record.decision!.attempts.map(({ target, status, outcome, error }) => ({ target, status, outcome, error })), [
      { target: targets.groq, status: null, outcome: 'failed', error: 'groq sent no first token within 250 ms.' },
      { target: targets.cerebras, status: 200, outcome: 'won', error: undefined },
    ]);
    await within(fakes.groq.last.aborted, 1000, 'the stalled upstream request was not aborted');
  });

  it('every target fails: the client gets the last failure in its own format, with no winner', async () => {
    fakes.groq.reply(() => openAiError(500, 'Internal error'));
    fakes.cerebras.reply(() => openAiError(503, 'We are experiencing high traffic right now.'));
    const sent = await messages(proxy, 'smart');
    assert.equal(sent.status, 503);
    assert.deepEqual(sent.json, { type: 'error', error: { type: 'overloaded_error', message: 'cerebras: We are experiencing high traffic right now.' } });
    assert.equal(sent.headers.get('x-switchyard-attempts'), '2');
    assert.equal(sent.headers.get('x-switchyard-request-id'), sent.record.id);
    const decision = sent.record.decision!;
    assert.deepEqual(decision.attempts.map(({ target, status, outcome }) => [target, status, outcome]), [
      [targets.groq, 500, 'failed'],
      [targets.cerebras, 503, 'failed'],
    ]);
    assert.equal(decision.winner, undefined);
    assert.equal(sent.record.error, 'cerebras: We are experiencing high traffic right now.');
  });
});

describe('routing: circuit breaker', () => {
  let fakes: Fakes;
  let proxy: TestProxy;
  /** The router's clock: moved by hand to end a cooldown. */
  let clock = 1_000_000;

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start((config) => {
      Object.assign(
        config,
        parseConfig({
          routes: {
            smart: { strategy: 'fallback', targets: [targets.groq, targets.cerebras], retry: fastRetry },
            lonely: { strategy: 'fallback', targets: [targets.groq], retry: fastRetry },
          },
        }),
      );
      useFakes(config, fakes);
    }, routingEnv);
  });
  beforeEach(() => {
    resetFakes(fakes);
    Object.assign(proxy.runtime.reliability, createReliability(() => clock, Math.random));
  });
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  /** Five calls in which groq fails with a retryable 500: its circuit opens. */
  async function openGroqCircuit(): Promise<void> {
    fakes.groq.reply(() => openAiError(500, 'Internal error'));
    for (let index = 0; index < 5; index++) {
      const sent = await chat(proxy, 'smart');
      assertServedBy(sent, targets.cerebras, 2);
    }
    assert.equal(fakes.groq.requests.length, 5);
    assert.equal(proxy.runtime.reliability.breakers.state(targets.groq), 'open');
  }

  it('after 5 consecutive failures the target is skipped: no request reaches it', async () => {
    await openGroqCircuit();
    const sent = await chat(proxy, 'smart');
    assertServedBy(sent, targets.cerebras, 1);
    assert.deepEqual(decisionShape(sent.record.decision), {
      via: 'model',
      route: 'smart',
      strategy: 'fallback',
      candidates: [
        { target: targets.groq, outcome: 'skipped', reason: 'open circuit' },
        { target: targets.cerebras, outcome: 'tried', reason: 'fallback' },
      ],
      attempts: [{ target: targets.cerebras, status: 200, outcome: 'won' }],
      winner: targets.cerebras,
    });
    assert.equal(fakes.groq.requests.length, 5);
  });

  it('after the cooldown one probe goes through; its success closes the circuit', async () => {
    await openGroqCircuit();
    clock += 29_999;
    assert.equal((await chat(proxy, 'smart')).record.decision!.candidates[0]!.outcome, 'skipped');
    clock += 1;
    fakes.groq.reply(answerAs('groq'));
    const probe = await chat(proxy, 'smart');
    assertServedBy(probe, targets.groq, 1);
    assert.deepEqual(probe.record.decision!.candidates[0], { target: targets.groq, outcome: 'tried', reason: 'first in order' });
    assert.equal(proxy.runtime.reliability.breakers.state(targets.groq), 'closed');
    const after = await chat(proxy, 'smart');
    assertServedBy(after, targets.groq, 1);
    assert.equal(fakes.groq.requests.length, 7);
  });

  it('a failed probe opens the circuit again for twice as long', async () => {
    await openGroqCircuit();
    clock += 30_000;
    const probe = await chat(proxy, 'smart');
    assertServedBy(probe, targets.cerebras, 2);
    assert.equal(fakes.groq.requests.length, 6);
    clock += 30_000;
    assert.equal((await chat(proxy, 'smart')).record.decision!.candidates[0]!.reason, 'open circuit');
    clock += 30_000;
    fakes.groq.reply(answerAs('groq'));
    assertServedBy(await chat(proxy, 'smart'), targets.groq, 1);
    assert.equal(fakes.groq.requests.length, 7);
  });

  it('400s are the request’s fault: they never open the circuit', async () => {
    fakes.groq.reply(() => openAiError(400, 'Invalid request'));
    for (let index = 0; index < 7; index++) assert.equal((await chat(proxy, 'smart')).status, 400);
    assert.equal(fakes.groq.requests.length, 7);
    assert.equal(proxy.runtime.reliability.breakers.state(targets.groq), 'closed');
  });

  it('a route whose every target is open answers 503 naming why, in the client’s format', async () => {
    await openGroqCircuit();
    const sent = await messages(proxy, 'lonely');
    assert.equal(sent.status, 503);
    assert.equal(sent.json.type, 'error');
    assert.equal(sent.json.error.type, 'overloaded_error');
    assert.match(sent.json.error.message, /No target of this route could be tried \(groq\/llama-3\.3-70b-versatile: open circuit\)/);
    assert.equal(sent.headers.get('x-switchyard-attempts'), '0');
    assert.deepEqual(sent.record.decision!.candidates, [{ target: targets.groq, outcome: 'skipped', reason: 'open circuit' }]);
    assert.equal(fakes.groq.requests.length, 5);
  });
});

describe('routing: config reload', () => {
  let fakes: Fakes;
  let proxy: TestProxy;
  const configWith = (smartTargets: string[]) => {
    const config = parseConfig({ routes: { smart: { strategy: 'fallback', targets: smartTargets, retry: fastRetry } } });
    useFakes(config, fakes);
    return config;
  };

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start((config) => Object.assign(config, configWith([targets.groq])), routingEnv);
  });
  beforeEach(() => resetFakes(fakes));
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  it('a new routing state takes effect on the next request', async () => {
    assertServedBy(await chat(proxy, 'smart'), targets.groq, 1);
    proxy.runtime.replaceRouting(createRoutingState(configWith([targets.cerebras, targets.groq]), routingEnv));
    const sent = await chat(proxy, 'smart');
    assertServedBy(sent, targets.cerebras, 1);
    assert.deepEqual(sent.record.decision!.candidates.map((candidate) => candidate.target), [targets.cerebras, targets.groq]);
    assert.deepEqual([fakes.groq.requests.length, fakes.cerebras.requests.length], [1, 1]);
  });

  it('what the router learnt outlives a reload: an open circuit stays open', async () => {
    proxy.runtime.replaceRouting(createRoutingState(configWith([targets.groq, targets.cerebras]), routingEnv));
    fakes.groq.reply(() => openAiError(502, 'Bad gateway'));
    for (let index = 0; index < 5; index++) await chat(proxy, 'smart');
    proxy.runtime.replaceRouting(createRoutingState(configWith([targets.groq, targets.cerebras]), routingEnv));
    const sent = await chat(proxy, 'smart');
    assert.deepEqual(sent.record.decision!.candidates[0], { target: targets.groq, outcome: 'skipped', reason: 'open circuit' });
    assert.equal(fakes.groq.requests.length, 5);
  });
});
