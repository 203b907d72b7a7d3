import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy, controlToken } from './harness';
import type { CallContent } from '../../proxy/audit/audit-observer';
import type { SwitchyardConfig } from '../../proxy/config/config';

// Issue 11: a split's shadow and judge calls send content to providers too: redacted by the
// served call's settings and kept in the content audit log like any call.

const clientEmail = 'jane.doe@acme-corp.io';
/** The shadow arm's answer holds an address of its own, which the judge's request carries. */
const shadowEmail = 'ops-desk@lyon-partners.fr';

async function eventually(ready: () => boolean): Promise<void> {
  for (let wait = 0; wait < 200 && !ready(); wait++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(ready(), 'the condition held in time');
}

describe("Switchyard's own calls (split shadow and judge) are redacted and audited (issue 11)", function () {
  this.timeout(20_000);
  let armA: FakeUpstream;
  let armB: FakeUpstream;
  let judge: FakeUpstream;
  let proxy: TestProxy | undefined;

  before(async () => {
    [armA, armB, judge] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
  });
  beforeEach(() => {
    for (const fake of [armA, armB, judge]) fake.requests.length = 0;
    armA.reply(() => ({ json: chatCompletionJson({ model: 'arm-a', text: 'Paris.', usage: { prompt: 10, completion: 2 } }) }));
    armB.reply(() => ({ json: chatCompletionJson({ model: 'arm-b', text: `Lyon. Write to ${shadowEmail}.`, usage: { prompt: 10, completion: 6 } }) }));
    judge.reply(() => ({ json: anthropicMessageJson({ model: 'claude-haiku-4-5', text: '{"winner":"tie","reason":"Both fine."}', stopReason: 'end_turn', usage: { input: 200, output: 15 } }) }));
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  after(async () => {
    await Promise.all([armA.close(), armB.close(), judge.close()]);
  });

  async function start(configure: (config: SwitchyardConfig) => void): Promise<TestProxy> {
    proxy = await TestProxy.start((config) => {
      config.providers.alpha = { type: 'openai-compatible', baseUrl: armA.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.beta = { type: 'openai-compatible', baseUrl: armB.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.anthropic = { baseUrl: judge.url('') };
      config.routes.trial = {
        strategy: 'split',
        targets: ['alpha/arm-a', 'beta/arm-b'],
        weights: [1, 0],
        judge: { model: 'anthropic/claude-haiku-4-5', sample: 1 },
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 },
        timeouts: { connectMs: 5000, idleMs: 5000 },
      };
      configure(config);
    });
    return proxy;
  }

  async function ask(running: TestProxy, model: string, question: string): Promise<void> {
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content: question }] });
    assert.equal(answer.choices[0]?.message.content, 'Paris.');
  }

  async function content(running: TestProxy, id: string): Promise<CallContent> {
    const response = await fetch(`${running.url}/_switchyard/requests/${id}/content`, { headers: { authorization: `Bearer ${controlToken}` } });
    assert.equal(response.status, 200, `content of ${id}`);
    return (await response.json()) as CallContent;
  }

  it('redact: neither the shadow nor the judge provider sees a value, the records count them, and both are audited as sent', async () => {
    const running = await start((config) => {
      config.redaction.mode = 'redact';
      config.audit.enabled = true;
    });
    await ask(running, 'trial', `Capital of France? Reply to ${clientEmail}.`);
    await eventually(() => running.records.length === 3 && judge.requests.length === 1);
    const upstream = [armA, armB, judge].map((fake) => fake.last.raw.toString('utf8'));
    for (const body of upstream) assert.ok(!body.includes(clientEmail), body);
    // The judge's request carries the shadow's answer: its address was found and replaced there.
    assert.ok(!upstream[2]!.includes(shadowEmail), `the judge saw the shadow's address: ${upstream[2]}`);
    assert.match(upstream[2]!, /<EMAIL_2>/);
    const shadow = running.records.find((record) => record.purpose === 'shadow')!;
    const verdict = running.records.find((record) => record.purpose === 'judge')!;
    assert.deepEqual(verdict.redactions, { email: 1 }, "the shadow answer's address; the client's came as a placeholder");
    await running.runtime.audit!.flush();
    const kept = await content(running, verdict.id);
    assert.deepEqual([kept.purpose, kept.parentId, kept.format, kept.endpoint, kept.target?.provider], ['judge', verdict.parentId, 'anthropic-messages', '/v1/messages', 'anthropic']);
    const keptText = JSON.stringify(kept.request);
    assert.ok(!keptText.includes(shadowEmail) && !keptText.includes(clientEmail) && keptText.includes('<EMAIL_2>'), 'the audit keeps the request as sent');
    assert.equal((kept.answer?.content[0] as { text: string }).text, '{"winner":"tie","reason":"Both fine."}');
    const keptShadow = await content(running, shadow.id);
    assert.deepEqual([keptShadow.purpose, keptShadow.format, keptShadow.endpoint], ['shadow', 'openai-chat', '/v1/chat/completions']);
    assert.ok(JSON.stringify(keptShadow.request).includes('<EMAIL_1>'));
    assert.match((keptShadow.answer?.content[0] as { text: string }).text, /Lyon/);
  });

  it("block: a judge request holding a value is refused and recorded, never sent; the served call's rule decides", async () => {
    const running = await start((config) => {
      // Off globally; the rule that routes the served call blocks, for everything done on its behalf.
      config.rules = [{ match: { model: 'judged' }, route: 'trial', redaction: { mode: 'block' } }];
      config.audit.enabled = true;
    });
    await ask(running, 'judged', 'Capital of France?');
    await eventually(() => running.records.length === 3);
    assert.equal(judge.requests.length, 0, 'the judge provider was not called');
    const verdict = running.records.find((record) => record.purpose === 'judge')!;
    assert.equal(verdict.status, 400);
    assert.equal(verdict.redactionBlocked, true);
    assert.match(verdict.error ?? '', /redaction blocked this request: the email detector found an email/);
    assert.ok(!(verdict.error ?? '').includes(shadowEmail));
    await running.runtime.audit!.flush();
    const kept = await content(running, verdict.id);
    assert.equal(kept.purpose, 'judge');
    assert.equal(kept.answer, undefined);
  });

  it('off: with no redaction in force, the shadow and judge calls are sent as they are, and audited all the same', async () => {
    const running = await start((config) => {
      config.audit.enabled = true;
    });
    await ask(running, 'trial', 'Capital of France?');
    await eventually(() => running.records.length === 3 && judge.requests.length === 1);
    assert.ok(judge.last.raw.toString('utf8').includes(shadowEmail));
    await running.runtime.audit!.flush();
    for (const record of running.records) assert.equal((await content(running, record.id)).requestId, record.id);
  });
});
