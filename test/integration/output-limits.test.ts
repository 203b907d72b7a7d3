import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';

/**
 * A Claude Code call routed to a cheaper model is accepted by that model's real limits: the
 * fakes refuse what the real APIs refuse (documented-limits.ts), and a translated call asks
 * for at most the target's output limit, saying so in its decision.
 */
describe('output limits on translated calls', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.aliases['claude-sonnet-4-6'] = 'openai/gpt-4o-mini';
      config.aliases['claude-haiku-4-6'] = 'groq/llama-3.3-70b-versatile';
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('the fakes refuse an output limit the real API refuses', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    // Passthrough: the client's own value reaches the fake as sent, and is refused like OpenAI would.
    await assert.rejects(
      client.chat.completions.create({ model: 'openai/gpt-4o-mini', max_tokens: 32_000, messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /at most 16384 completion tokens/.test(error.message),
    );
  });

  it('Claude Code (max_tokens 32000) routed to gpt-4o-mini: asks for 16384, answered, the clamp in the decision', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    const before = proxy.records.length;
    const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 32_000, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    assert.equal(message.type, 'message');
    assert.equal(fake.last.json.max_output_tokens ?? fake.last.json.max_completion_tokens ?? fake.last.json.max_tokens, 16_384);
    const record = await proxy.record(before + 1);
    assert.equal(record.status, 200);
    assert.deepEqual(record.decision?.candidates[0]?.outputClamped, { requested: 32_000, sent: 16_384 });
  });

  it('the Vercel AI SDK’s 64000 routed to llama-3.3-70b on Groq (32768), streamed', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    const stream = client.messages.stream({ model: 'claude-haiku-4-6', max_tokens: 64_000, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    const message = await stream.finalMessage();
    assert.equal(message.type, 'message');
    assert.equal(fake.last.json.max_tokens ?? fake.last.json.max_completion_tokens, 32_768);
  });

  it('a Chat client asking gemini-2.5-flash for 100000 tokens gets it clamped to 65536', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 100_000, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    assert.ok(completion.choices.length > 0);
    assert.equal(fake.last.json.generationConfig.maxOutputTokens, 65_536);
  });

  it('a value within the limit, or for a model the catalog does not know, goes as the client sent it', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1000, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    assert.equal(fake.last.json.max_output_tokens ?? fake.last.json.max_completion_tokens ?? fake.last.json.max_tokens, 1000);
  });
});
