import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream } from '../fakes/fake-upstream';
import { anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy } from './harness';
import type { SwitchyardConfig } from '../../proxy/config/config';

const model = 'claude-sonnet-4-6';
const target = `anthropic/${model}`;
const route = { strategy: 'fallback' as const, targets: [target], retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetMs: 1000 }, timeouts: { connectMs: 5000, idleMs: 5000 } };

/**
 * Expiry and eviction through the whole pipeline, on the proxy's own clock: an entry is served
 * until its ttlSeconds (top level, route or rule, the most specific winning) and never after; past
 * maxMegabytes the least recently used entry goes first.
 */
describe('the response cache, expiry and eviction', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let now: number;
  let answerText: string;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: anthropicMessageJson({ model, text: answerText, usage: { input: 10, output: 10 } }) }));
  });
  after(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await proxy?.close();
  });

  async function start(configure: (config: SwitchyardConfig) => void): Promise<Anthropic> {
    fake.requests.length = 0;
    now = 1_900_000_000_000;
    answerText = 'Bonjour';
    proxy = await TestProxy.start(
      (config) => {
        config.providers.anthropic = { baseUrl: fake.url('') };
        config.cache.enabled = true;
        configure(config);
      },
      undefined,
      { now: () => now },
    );
    return new Anthropic({ baseURL: proxy.url, apiKey: 'client', maxRetries: 0 });
  }

  /** Asks `question` of `asModel`; says whether the cache answered. */
  async function ask(client: Anthropic, asModel: string, question: string): Promise<'hit' | 'miss'> {
    const before = fake.requests.length;
    const result = await client.messages.create({ model: asModel, max_tokens: 100, messages: [{ role: 'user', content: question }] }).withResponse();
    const header = result.response.headers.get('x-switchyard-cache');
    assert.equal(fake.requests.length, header === 'hit' ? before : before + 1, `${question}: the upstream was called exactly on a miss`);
    // The fill stores once the response closed; size() writes what waits.
    await new Promise((resolve) => setTimeout(resolve, 30));
    await proxy.runtime.responseCache!.size();
    return header as 'hit' | 'miss';
  }

  it('expires an entry after the ttlSeconds of the top level, its route or its rule', async () => {
    const client = await start((config) => {
      config.cache.ttlSeconds = 60;
      config.routes.slow = { ...route, cache: { ttlSeconds: 600 } };
      config.rules = [{ match: { model: 'ruled' }, route: target, cache: { ttlSeconds: 6000 } }];
    });
    const asked: Array<[string, string]> = [
      [model, 'top level'],
      ['slow', 'route'],
      ['ruled', 'rule'],
    ];
    for (const [asModel, question] of asked) assert.equal(await ask(client, asModel, question), 'miss');
    now += 59_999;
    for (const [asModel, question] of asked) assert.equal(await ask(client, asModel, question), 'hit', `${question} within 60 s`);
    now += 1;
    assert.equal(await ask(client, model, 'top level'), 'miss', 'the top level entry expired at 60 s');
    assert.equal(await ask(client, 'slow', 'route'), 'hit');
    now += 540_000;
    assert.equal(await ask(client, 'slow', 'route'), 'miss', "the route's entry expired at 600 s");
    assert.equal(await ask(client, 'ruled', 'rule'), 'hit');
    now += 5_400_000;
    assert.equal(await ask(client, 'ruled', 'rule'), 'miss', "the rule's entry expired at 6000 s");
  });

  it('evicts the least recently used entry first once maxMegabytes is full', async () => {
    const client = await start((config) => (config.cache.maxMegabytes = 1));
    // Three answers of 400 KB: any two fit in 1 MiB, three do not.
    answerText = 'x'.repeat(400 * 1024);
    assert.equal(await ask(client, model, 'first'), 'miss');
    now += 1000;
    assert.equal(await ask(client, model, 'second'), 'miss');
    now += 1000;
    assert.equal(await ask(client, model, 'first'), 'hit', 'first is now used more recently than second');
    now += 1000;
    assert.equal(await ask(client, model, 'third'), 'miss');
    const { entries, bytes } = await proxy.runtime.responseCache!.size();
    assert.equal(entries, 2);
    assert.ok(bytes <= 1024 * 1024);
    now += 1000;
    assert.equal(await ask(client, model, 'first'), 'hit', 'the most recently used stayed');
    assert.equal(await ask(client, model, 'third'), 'hit', 'the newest stayed');
    assert.equal(await ask(client, model, 'second'), 'miss', 'the least recently used went');
  });
});
