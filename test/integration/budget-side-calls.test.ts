import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy, controlToken } from './harness';
import type { BudgetConfig, SwitchyardConfig } from '../../proxy/config/config';
import type { RequestRecord } from '../../proxy/store/request-record';

/** Waits until `ready` holds; the judge and a race's loser finish off the request path. */
async function eventually(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let wait = 0; wait < 200 && !(await ready()); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(await ready(), `${what} in time`);
}

/** $1 per thousand tokens in and out, for every model here. */
const prices = { 'alpha/arm-a': { input: 1000, output: 1000 }, 'beta/arm-b': { input: 1000, output: 1000 }, 'anthropic/claude-haiku-4-5': { input: 1000, output: 1000 } };
const shortRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 };
const timeouts = { connectMs: 5000, idleMs: 5000 };

function budget(name: string, match: BudgetConfig['match'], limitUsd: number): BudgetConfig {
  return { name, match, limitUsd, period: 'day', action: 'block' };
}

/**
 * Calls Switchyard makes beside the served attempt spend money too: a split's shadow and judge
 * calls, and a race's losers. Each reserves against the budgets that match it and settles, and
 * a budget without room stops it before it goes out.
 */
describe('budgets on the calls beside the served one: shadow, judge, race losers', function () {
  this.timeout(20_000);
  let armA: FakeUpstream;
  let armB: FakeUpstream;
  let judge: FakeUpstream;
  const proxies: TestProxy[] = [];

  before(async () => {
    [armA, armB, judge] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
  });
  beforeEach(() => {
    for (const fake of [armA, armB, judge]) fake.requests.length = 0;
    armA.reply(() => ({ json: chatCompletionJson({ model: 'arm-a', text: 'Paris.', usage: { prompt: 10, completion: 2 } }) }));
    armB.reply(() => ({ json: chatCompletionJson({ model: 'arm-b', text: 'Lyon.', usage: { prompt: 10, completion: 2 } }) }));
    judge.reply(() => ({ json: anthropicMessageJson({ model: 'claude-haiku-4-5', text: '{"winner":"tie","reason":"Both fine."}', stopReason: 'end_turn', usage: { input: 200, output: 15 } }) }));
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });
  after(async () => {
    await Promise.all([armA.close(), armB.close(), judge.close()]);
  });

  async function start(budgets: BudgetConfig[], route: SwitchyardConfig['routes'][string]): Promise<TestProxy> {
    const proxy = await TestProxy.start((config) => {
      config.providers.alpha = { type: 'openai-compatible', baseUrl: armA.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.beta = { type: 'openai-compatible', baseUrl: armB.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.anthropic = { baseUrl: judge.url('') };
      config.prices = structuredClone(prices);
      config.routes.trial = route;
      config.budgets = budgets;
    });
    proxies.push(proxy);
    return proxy;
  }

  async function ask(proxy: TestProxy): Promise<void> {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'trial', max_tokens: 50, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    assert.equal(answer.choices[0]?.message.content, 'Paris.');
  }

  async function spent(proxy: TestProxy): Promise<Map<string, { spentUsd: number; reservedUsd: number }>> {
    const response = await fetch(`${proxy.url}/_switchyard/budgets`, { headers: { authorization: `Bearer ${controlToken}` } });
    const listed = (await response.json()) as { budgets: Array<{ name: string; spentUsd: number; reservedUsd: number }> };
    return new Map(listed.budgets.map((entry) => [entry.name, entry]));
  }

  const split = { strategy: 'split' as const, targets: ['alpha/arm-a', 'beta/arm-b'], weights: [1, 0], judge: { model: 'anthropic/claude-haiku-4-5', sample: 1 }, retry: shortRetry, timeouts };

  it('reserves and settles a split\'s shadow and judge calls against the budgets that match them', async () => {
    const proxy = await start([budget('everyone', {}, 100), budget('beta', { provider: 'beta' }, 100), budget('judge', { model: 'anthropic/claude-haiku-*' }, 100)], structuredClone(split));
    await ask(proxy);
    await proxy.record(3);
    const byPurpose = (purpose: string): RequestRecord => proxy.records.find((record) => (record.purpose ?? 'served') === purpose)!;
    const [served, shadow, verdict] = [byPurpose('served'), byPurpose('shadow'), byPurpose('judge')];
    for (const record of [shadow, verdict]) {
      assert.ok(record.budget !== undefined && record.budget.reservedUsd > 0, `the ${record.purpose} call reserved: ${JSON.stringify(record.budget)}`);
      assert.ok(Math.abs(record.budget.settledUsd - record.costUsd!) < 1e-9, `the ${record.purpose} call settled to its cost`);
    }
    assert.deepEqual(shadow.budget!.budgets.sort(), ['beta', 'everyone']);
    assert.deepEqual(verdict.budget!.budgets.sort(), ['everyone', 'judge']);
    const standing = await spent(proxy);
    const total = served.costUsd! + shadow.costUsd! + verdict.costUsd!;
    assert.ok(Math.abs(standing.get('everyone')!.spentUsd - total) < 1e-9, `everyone spent ${standing.get('everyone')!.spentUsd}, the three calls cost ${total}`);
    assert.ok(Math.abs(standing.get('beta')!.spentUsd - shadow.costUsd!) < 1e-9);
    assert.ok(Math.abs(standing.get('judge')!.spentUsd - verdict.costUsd!) < 1e-9);
  });

  it('does not make a shadow or judge call that a budget has no room for', async () => {
    const proxy = await start([budget('beta', { provider: 'beta' }, 0.000001), budget('judge', { model: 'anthropic/claude-haiku-*' }, 0.000001)], structuredClone(split));
    await ask(proxy);
    // The shadow call is refused; with no second answer the judge has nothing to compare.
    await proxy.record(2);
    const shadow = proxy.records.find((record) => record.purpose === 'shadow')!;
    assert.equal(shadow.status, 402);
    assert.equal(armB.requests.length, 0, 'the shadow arm was not called');
    assert.equal(judge.requests.length, 0, 'the judge was not called');
    const listed = await spent(proxy);
    assert.equal(listed.get('beta')!.spentUsd, 0);
  });

  it('refuses the judge call alone when only its budget is spent', async () => {
    const proxy = await start([budget('judge', { model: 'anthropic/claude-haiku-*' }, 0.000001)], structuredClone(split));
    await ask(proxy);
    await proxy.record(3);
    const verdict = proxy.records.find((record) => record.purpose === 'judge')!;
    assert.equal(verdict.status, 402);
    assert.equal(armB.requests.length, 1, 'the shadow call went out');
    assert.equal(judge.requests.length, 0, 'the judge was not called');
  });

  const race = { strategy: 'race' as const, targets: ['alpha/arm-a', 'beta/arm-b'], hedgeMs: 0, retry: shortRetry, timeouts };

  it('reserves a race loser and, cancelled after it went out, settles it to its worst case', async () => {
    armB.reply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { json: chatCompletionJson({ model: 'arm-b', text: 'Lyon.', usage: { prompt: 10, completion: 2 } }) };
    });
    const proxy = await start([budget('beta', { provider: 'beta' }, 100)], structuredClone(race));
    await ask(proxy);
    await eventually(() => armB.requests.length === 1, 'the loser went out');
    const served = await proxy.record(1);
    assert.equal(served!.provider, 'alpha');
    // The loser's reservation is in the served call's check, settled to the worst case.
    assert.deepEqual(served!.budget?.budgets, ['beta']);
    const reserved = served!.budget!.reservedUsd;
    assert.ok(reserved > 0);
    await eventually(async () => Math.abs((await spent(proxy)).get('beta')!.spentUsd - reserved) < 1e-9, `the loser's budget booked its worst case ($${reserved})`);
  });

  it('does not start a race loser that a budget has no room for', async () => {
    const proxy = await start([budget('beta', { provider: 'beta' }, 0.000001)], structuredClone(race));
    await ask(proxy);
    const served = await proxy.record(1);
    assert.equal(served!.provider, 'alpha');
    assert.equal(armB.requests.length, 0, 'the loser was refused before it went out');
  });
});
