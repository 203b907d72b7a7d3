import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy, controlToken } from './harness';
import type { Judgement } from '../../proxy/evaluation/split-judge';
import type { RequestRecord } from '../../proxy/store/request-record';
import { keyIdOf } from '../../proxy/core/principal';

/** Waits (briefly) until `ready` holds; the judge works off the request path. */
async function eventually(ready: () => boolean): Promise<void> {
  for (let wait = 0; wait < 150 && !ready(); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(ready(), 'the condition held in time');
}

const trialRoute = {
  strategy: 'split' as const,
  targets: ['alpha/arm-a', 'beta/arm-b'],
  weights: [1, 0],
  judge: { model: 'anthropic/claude-haiku-4-5', sample: 1 },
  retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 },
  timeouts: { connectMs: 5000, idleMs: 5000 },
};

describe('one pipeline for every upstream call', () => {
  let armA: FakeUpstream;
  let armB: FakeUpstream;
  let judge: FakeUpstream;

  before(async () => {
    [armA, armB, judge] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
  });
  beforeEach(() => {
    // Each test counts the requests its own calls made.
    for (const fake of [armA, armB, judge]) fake.requests.length = 0;
    armA.reply(() => ({ json: chatCompletionJson({ model: 'arm-a', text: 'Paris.', usage: { prompt: 10, completion: 2 } }) }));
    armB.reply(() => ({ json: chatCompletionJson({ model: 'arm-b', text: 'Lyon.', usage: { prompt: 10, completion: 2 } }) }));
    judge.reply(() => ({ json: anthropicMessageJson({ model: 'claude-haiku-4-5', text: '{"winner":"tie","reason":"Both fine."}', stopReason: 'end_turn', usage: { input: 200, output: 15 } }) }));
  });
  after(async () => {
    await Promise.all([armA.close(), armB.close(), judge.close()]);
  });

  function start(configure: (config: Parameters<Parameters<typeof TestProxy.start>[0] & object>[0]) => void = () => {}): Promise<TestProxy> {
    return TestProxy.start((config) => {
      config.providers.alpha = { type: 'openai-compatible', baseUrl: armA.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.beta = { type: 'openai-compatible', baseUrl: armB.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.anthropic = { baseUrl: judge.url('') };
      config.routes.trial = structuredClone(trialRoute);
      configure(config);
    });
  }

  async function askTrial(proxy: TestProxy): Promise<void> {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'trial', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    assert.equal(answer.choices[0]?.message.content, 'Paris.');
  }

  it('records the shadow and judge calls, marked and linked to the served call, and counts them in spend', async () => {
    const proxy = await start();
    try {
      const judgements: Judgement[] = [];
      proxy.runtime.events.on('judgement', (judgement) => judgements.push(judgement));
      await askTrial(proxy);
      await eventually(() => judgements.length === 1 && proxy.records.length === 3);
      const served = proxy.records.find((record) => record.purpose === undefined)!;
      const shadow = proxy.records.find((record) => record.purpose === 'shadow')!;
      const verdict = proxy.records.find((record) => record.purpose === 'judge')!;
      assert.equal(served.provider, 'alpha');
      assert.deepEqual([shadow.provider, shadow.model, shadow.parentId, shadow.status], ['beta', 'arm-b', served.id, 200]);
      assert.deepEqual([verdict.provider, verdict.model, verdict.parentId, verdict.status], ['anthropic', 'claude-haiku-4-5', served.id, 200]);
      assert.equal(verdict.inputTokens, 200);
      assert.ok(verdict.costUsd !== null && verdict.costUsd > 0, 'the judge call is priced');
      // The split tally counts the served call only, once.
      const splits = (await (await fetch(`${proxy.url}/_switchyard/splits`, { headers: { authorization: `Bearer ${controlToken}` } })).json()) as { routes: Array<{ route: string; arms: Array<{ target: string; requests: number }> }> };
      const arms = splits.routes.find((route) => route.route === 'trial')!.arms;
      assert.deepEqual(arms.map((arm) => [arm.target, arm.requests]), [['alpha/arm-a', 1], ['beta/arm-b', 0]], 'the shadow call is no served request of its arm');
      // Spend by model includes what judging cost.
      const stats = (await (await fetch(`${proxy.url}/_switchyard/stats?by=model`, { headers: { authorization: `Bearer ${controlToken}` } })).json()) as { rows: Array<{ key: string; requests: number; costUsd: number }> };
      const judgeRow = stats.rows.find((row) => row.key.includes('claude-haiku-4-5'));
      assert.ok(judgeRow !== undefined && judgeRow.requests === 1 && judgeRow.costUsd > 0, `stats list the judge call: ${JSON.stringify(stats.rows)}`);
    } finally {
      await proxy.close();
    }
  });

  it('a judged split whose other arm and judge model are disabled calls neither, and the log says why', async () => {
    const proxy = await start((config) => {
      config.disabledModels = ['beta/arm-b', 'anthropic/claude-haiku-4-5'];
    });
    try {
      await askTrial(proxy);
      await eventually(() => proxy.records.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(armB.requests.length, 0, 'the disabled arm was not shadow-called');
      assert.equal(judge.requests.length, 0, 'the disabled judge was not asked');
      const served = proxy.records.find((record) => record.purpose === undefined)!;
      const shadow = proxy.records.find((record) => record.purpose === 'shadow')!;
      assert.equal(shadow.parentId, served.id);
      assert.equal(shadow.status, 403);
      assert.match(shadow.error ?? '', /beta\/arm-b is disabled/);
      assert.equal(shadow.decision?.candidates[0]?.reason, 'disabled');
      assert.equal(proxy.records.length, 2, 'no judge call was made or recorded');
    } finally {
      await proxy.close();
    }
  });

  it('count-tokens calls leave records, counted upstream or locally', async () => {
    const proxy = await start();
    try {
      judge.reply(() => ({ json: { input_tokens: 42 } }));
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client', maxRetries: 0 });
      const counted = await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello there' }] });
      assert.equal(counted.input_tokens, 42);
      const estimated = await client.messages.countTokens({ model: 'alpha/arm-a', messages: [{ role: 'user', content: 'Hello there' }] });
      assert.ok(estimated.input_tokens > 0);
      await eventually(() => proxy.records.length === 2);
      const [upstream, local] = proxy.records as [RequestRecord, RequestRecord];
      assert.deepEqual([upstream.endpoint, upstream.provider, upstream.status, upstream.passthrough], ['/v1/messages/count_tokens', 'anthropic', 200, true]);
      assert.equal(judge.last.url, '/v1/messages/count_tokens');
      assert.deepEqual([local.endpoint, local.requestedModel, local.status, local.provider], ['/v1/messages/count_tokens', 'alpha/arm-a', 200, undefined]);
      assert.equal(armA.requests.length, 0, 'a local estimate calls no provider');
    } finally {
      await proxy.close();
    }
  });

  it('a malformed upstream event is an error naming Switchyard or the event, logged with a stack, and no breaker failure', async () => {
    const proxy = await start();
    try {
      const logged: string[] = [];
      proxy.runtime.events.on('log', (line) => logged.push(line.message));
      // message_start without its message: a decoder that trusts the cast would throw.
      judge.reply(() => ({ chunks: ['event: message_start\ndata: {"type":"message_start"}\n\n', 'event: message_stop\ndata: {"type":"message_stop"}\n\n'] }));
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
      for (let call = 0; call < 6; call++) {
        const stream = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-6', stream: true, messages: [{ role: 'user', content: 'hi' }] });
        await assert.rejects(
          (async () => {
            for await (const _chunk of stream);
          })(),
          (error: Error) => /Switchyard|message_start/.test(error.message),
        );
      }
      await eventually(() => proxy.records.length === 6);
      assert.equal(proxy.runtime.reliability.breakers.state('anthropic/claude-sonnet-4-6'), 'closed', 'six malformed streams did not open the circuit');
      assert.equal(judge.requests.length, 6);
      const record = proxy.records[0]!;
      assert.match(record.error ?? '', /Switchyard|message_start/);
      if (/Switchyard hit an internal error/.test(record.error ?? '')) assert.ok(logged.some((line) => /internal error/.test(line) && /\n\s+at /.test(line)), 'the stack is in the log');
    } finally {
      await proxy.close();
    }
  });

  it('two access keys ending in the same four characters are told apart by rules, records and stats', async () => {
    const first = 'sy-first-team-key-000-abcd';
    const second = 'sy-other-team-key-999-abcd';
    const proxy = await start((config) => {
      config.accessKeys = [first, second];
      config.rules = [{ match: { clientKey: keyIdOf(second) }, route: 'beta/arm-b' }];
    });
    try {
      for (const key of [first, second]) {
        const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: key, maxRetries: 0 });
        await client.chat.completions.create({ model: 'alpha/arm-a', messages: [{ role: 'user', content: 'hi' }] });
      }
      await eventually(() => proxy.records.length === 2);
      const [byFirst, bySecond] = proxy.records as [RequestRecord, RequestRecord];
      assert.deepEqual([byFirst.keyId, byFirst.keyLabel, byFirst.provider], [keyIdOf(first), 'config key 1', 'alpha']);
      assert.deepEqual([bySecond.keyId, bySecond.keyLabel, bySecond.provider], [keyIdOf(second), 'config key 2', 'beta'], 'the rule matched the second key only');
      const stats = (await (await fetch(`${proxy.url}/_switchyard/stats?by=clientKey`, { headers: { authorization: `Bearer ${controlToken}` } })).json()) as { rows: Array<{ key: string; requests: number }> };
      assert.deepEqual(stats.rows.map((row) => [row.key, row.requests]).sort(), [[keyIdOf(first), 1], [keyIdOf(second), 1]].sort());
    } finally {
      await proxy.close();
    }
  });
});
