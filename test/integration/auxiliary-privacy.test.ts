import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy, controlToken } from './harness';
import { useFake } from './fake-providers';
import type { CallContent } from '../../proxy/audit/audit-observer';

// Issue 11: embeddings and count-tokens bodies reach providers too: redacted (or blocked) and audited.

const email = 'jane.doe@acme-corp.io';
const awsKey = 'AKIAIOSFODNN7EXAMPLE';
const text = `Customer ${email} pasted ${awsKey} into the ticket.`;
const embeddingReply = { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'nomic-embed-text', usage: { prompt_tokens: 4, total_tokens: 4 } };

describe('redaction and audit of embeddings and count-tokens (issue 11)', function () {
  this.timeout(20_000);
  let fake: FakeUpstream;
  let proxy: TestProxy | undefined;

  before(async () => {
    fake = await FakeUpstream.start();
  });
  after(() => fake.close());
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function start(mode: 'redact' | 'block'): Promise<TestProxy> {
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.providers.local = { type: 'openai-compatible', baseUrl: fake.url('/v1'), models: ['nomic-embed-text'] };
      config.redaction.mode = mode;
      config.audit.enabled = true;
    });
    return proxy;
  }

  const clean = (body: string): void => assert.ok(!body.includes(email) && !body.includes(awsKey), `a value reached the provider: ${body}`);

  async function kept(running: TestProxy, id: string): Promise<string> {
    await running.runtime.audit!.flush();
    const response = await fetch(`${running.url}/_switchyard/requests/${id}/content`, { headers: { authorization: `Bearer ${controlToken}` } });
    assert.equal(response.status, 200);
    const content = (await response.json()) as CallContent;
    assert.equal(content.requestId, id);
    return JSON.stringify(content.request);
  }

  it('embeddings (OpenAI and Gemini targets): every input is redacted before it is sent, counted and audited as sent', async () => {
    const running = await start('redact');
    const openai = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'client', maxRetries: 0 });
    fake.reply(() => ({ json: embeddingReply }));
    await openai.embeddings.create({ model: 'local/nomic-embed-text', input: [text, 'plain words'], encoding_format: 'float' });
    assert.equal(fake.last.url, '/v1/embeddings');
    clean(fake.last.raw.toString('utf8'));
    assert.deepEqual(fake.last.json.input, ['Customer <EMAIL_1> pasted <AWS_KEY_1> into the ticket.', 'plain words']);
    const record = await running.record(1);
    assert.deepEqual(record.redactions, { secrets: 1, email: 1 });
    const audited = await kept(running, record.id);
    clean(audited);
    assert.ok(audited.includes('<EMAIL_1>'));

    fake.reply(() => ({ json: { embeddings: [{ values: [1, 2, 3] }] } }));
    await openai.embeddings.create({ model: 'gemini/gemini-embedding-001', input: text, encoding_format: 'float' });
    assert.equal(fake.last.url, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    clean(fake.last.raw.toString('utf8'));
    assert.equal(fake.last.json.requests[0].content.parts[0].text, 'Customer <EMAIL_1> pasted <AWS_KEY_1> into the ticket.');
  });

  it('count-tokens (Anthropic and Gemini): the body counted upstream is redacted, and audited', async () => {
    const running = await start('redact');
    fake.reply(() => ({ json: { input_tokens: 21 } }));
    const anthropic = new Anthropic({ baseURL: running.url, apiKey: 'client', maxRetries: 0 });
    const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-6', system: `Escalate to ${email}.`, messages: [{ role: 'user', content: text }] });
    assert.equal(counted.input_tokens, 21);
    assert.equal(fake.last.url, '/v1/messages/count_tokens');
    clean(fake.last.raw.toString('utf8'));
    const record = await running.record(1);
    assert.deepEqual(record.redactions, { secrets: 1, email: 2 });
    clean(await kept(running, record.id));

    fake.reply(() => ({ json: { totalTokens: 17 } }));
    const genai = new GoogleGenAI({ apiKey: 'client', httpOptions: { baseUrl: running.url } });
    await genai.models.countTokens({ model: 'gemini-2.5-flash', contents: text });
    assert.equal(fake.last.url, '/v1beta/models/gemini-2.5-flash:countTokens');
    clean(fake.last.raw.toString('utf8'));
    clean(await kept(running, (await running.record(2)).id));
  });

  it('block: embeddings and count-tokens holding a value are refused in the client format, nothing sent, the refusal recorded', async () => {
    const running = await start('block');
    const before = fake.requests.length;
    const openai = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'client', maxRetries: 0 });
    await assert.rejects(openai.embeddings.create({ model: 'local/nomic-embed-text', input: text }), (error: unknown) => error instanceof OpenAI.BadRequestError && /the email detector found an email in input \(2 findings in all\)/.test(error.message));
    const anthropic = new Anthropic({ baseURL: running.url, apiKey: 'client', maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: text }] }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /redaction blocked this request: the email detector found an email in messages\[0\]\.content/.test(error.message),
    );
    assert.equal(fake.requests.length, before, 'nothing reached the provider');
    for (const record of [await running.record(1), await running.record(2)]) {
      assert.equal(record.status, 400);
      assert.equal(record.redactionBlocked, true);
    }
  });
});
