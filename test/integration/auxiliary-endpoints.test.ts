import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { useFake } from './fake-providers';

describe('models, embeddings and count_tokens', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    fake = await FakeUpstream.start();
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.aliases.fast = 'groq/llama-3.3-70b-versatile';
      config.providers.local = { type: 'openai-compatible', baseUrl: fake.url('/v1'), models: ['nomic-embed-text'] };
    });
    openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('GET /v1/models lists aliases, declared models and providers with keys, in OpenAI’s shape', async () => {
    const ids = (await openai.models.list()).data.map((model) => model.id);
    assert.ok(ids.includes('fast'));
    assert.ok(ids.includes('local/nomic-embed-text'));
    assert.ok(ids.some((id) => id.startsWith('claude-')), 'Anthropic has a key in the test env');
    assert.ok(ids.includes('groq/llama-3.3-70b-versatile'));
    assert.ok(!ids.some((id) => id.startsWith('mistral/')), 'no Mistral key, so no Mistral models');
  });

  it('GET /v1/models answers in Anthropic’s shape for the Anthropic SDK', async () => {
    const page = await anthropic.models.list();
    assert.ok(page.data.some((model) => model.id === 'fast' && model.type === 'model'));
  });

  it('embeddings pass through to an OpenAI-compatible provider and are recorded', async () => {
    fake.reply(() => ({ json: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'nomic-embed-text', usage: { prompt_tokens: 4, total_tokens: 4 } } }));
    const result = await openai.embeddings.create({ model: 'local/nomic-embed-text', input: 'hello world', encoding_format: 'float' });
    assert.deepEqual(result.data[0]!.embedding, [0.1, 0.2]);
    assert.equal(fake.last.url, '/v1/embeddings');
    assert.equal(fake.last.json.model, 'nomic-embed-text');
    const record = await proxy.record(proxy.records.length || 1);
    assert.equal(record.inputTokens, 4);
  });

  it('embeddings for a Gemini model use batchEmbedContents and come back in OpenAI’s shape', async () => {
    fake.reply(() => ({ json: { embeddings: [{ values: [1, 2, 3] }, { values: [4, 5, 6] }] } }));
    const result = await openai.embeddings.create({ model: 'gemini/gemini-embedding-001', input: ['a', 'b'], encoding_format: 'float' });
    assert.equal(fake.last.url, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.deepEqual(fake.last.json.requests[1], { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] } });
    assert.deepEqual(result.data.map((item) => item.embedding), [[1, 2, 3], [4, 5, 6]]);
  });

  it('embeddings for an Anthropic model are refused clearly', async () => {
    await assert.rejects(
      openai.embeddings.create({ model: 'claude-sonnet-4-6', input: 'x' }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /no embeddings API/.test(error.message),
    );
  });

  it('count_tokens goes to Anthropic for Anthropic models', async () => {
    fake.reply(() => ({ json: { input_tokens: 42 } }));
    const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(counted.input_tokens, 42);
    assert.equal(fake.last.url, '/v1/messages/count_tokens');
  });

  it('count_tokens for a model routed elsewhere answers with a local estimate', async () => {
    const before = fake.requests.length;
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    const counted = await anthropic.messages.countTokens({ model: 'fast', messages: [{ role: 'user', content: text }] });
    assert.equal(fake.requests.length, before, 'no upstream call');
    assert.ok(counted.input_tokens > 300 && counted.input_tokens < 700, `estimate ${counted.input_tokens} for ~400 tokens`);
  });

  it('Gemini countTokens goes to Gemini for Gemini models and is estimated for others', async () => {
    const genai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: proxy.url } });
    fake.reply(() => ({ json: { totalTokens: 17 } }));
    const exact = await genai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'How many tokens is this?' });
    assert.equal(exact.totalTokens, 17);
    assert.equal(fake.last.url, '/v1beta/models/gemini-2.5-flash:countTokens');
    assert.equal(fake.last.headers['x-goog-api-key'], 'gemini-test-key-0000000000000003');
    const before = fake.requests.length;
    const estimated = await genai.models.countTokens({ model: 'fast', contents: 'The quick brown fox jumps over the lazy dog. '.repeat(40) });
    assert.equal(fake.requests.length, before);
    assert.ok(estimated.totalTokens! > 300 && estimated.totalTokens! < 700, `estimate ${estimated.totalTokens}`);
  });
});
