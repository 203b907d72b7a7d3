import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
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
      config.aliases['claude-opus-4-8'] = 'openai/o3';
      config.aliases['claude-fast'] = 'anthropic/claude-3-5-haiku-20241022';
      config.aliases['gpt-tools'] = 'gemini/gemini-2.5-flash';
      config.aliases['gpt-vision'] = 'anthropic/claude-sonnet-4-5';
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
    assert.deepEqual(record.decision?.candidates[0]?.outputClamped, { requested: 32_000, sent: 16_384, by: 'output limit' });
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

  /** English-like text of about `tokens` tokens at four characters a token (the fakes' count). */
  function prose(tokens: number): string {
    return 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil((tokens * 4) / 45));
  }

  it('clamps against the context window: a long conversation routed to o3 asks for what the window leaves, and is accepted', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    const before = proxy.records.length;
    // ~120,000 tokens of prompt + o3's 100,000 output limit > its 200,000 window: the real API refuses that.
    const message = await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 100_000, messages: [{ role: 'user', content: prose(120_000) }] });
    assert.equal(message.type, 'message');
    const sent = fake.last.json.max_output_tokens ?? fake.last.json.max_completion_tokens ?? fake.last.json.max_tokens;
    assert.ok(sent < 80_000 && sent > 40_000, `sent ${sent}`);
    const clamp = (await proxy.record(before + 1)).decision?.candidates[0]?.outputClamped;
    assert.equal(clamp?.by, 'context window');
    assert.equal(clamp?.requested, 100_000);
    assert.equal(clamp?.sent, sent);
    assert.ok(clamp!.estimatedInputTokens! > 120_000);
  });

  it('a prompt that alone fills the window gets a 400 in the client\'s format naming the fix, and the provider is not called', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    const calls = fake.requests.length;
    await assert.rejects(
      client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1000, messages: [{ role: 'user', content: prose(150_000) }] }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /context window of 128,000 tokens/.test(error.message) && /\/compact/.test(error.message),
    );
    assert.equal(fake.requests.length, calls);
  });

  it('passthrough that routing sent to another model is clamped too, its thinking budget kept below max_tokens', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    const before = proxy.records.length;
    // Claude Code's 32,000 with thinking, aliased to Haiku 3.5 (8,192 output): the real API would refuse both numbers.
    const message = await client.messages.create({ model: 'claude-fast', max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 10_000 }, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    assert.equal(message.type, 'message');
    assert.equal(fake.last.json.model, 'claude-3-5-haiku-20241022');
    assert.equal(fake.last.json.max_tokens, 8_192);
    assert.deepEqual(fake.last.json.thinking, { type: 'enabled', budget_tokens: 4_096 });
    const record = await proxy.record(before + 1);
    assert.equal(record.passthrough, true);
    assert.deepEqual(record.decision?.candidates[0]?.outputClamped, { requested: 32_000, sent: 8_192, by: 'output limit' });
  });

  it('passthrough to a model the client named itself is not touched: the provider answers for its own limits', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
    await assert.rejects(
      client.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 32_000, messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /max_tokens: 32000 > 8192/.test(error.message),
    );
    assert.equal(fake.last.json.max_tokens, 32_000);
  });

  it('a Gemini client\'s thinking budget and output, translated to Claude Opus 4.1 (32,000): max_tokens at the limit, the budget below it', async () => {
    const client = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: proxy.url, retryOptions: { attempts: 1 } } });
    const answer = await client.models.generateContent({
      model: 'anthropic/claude-opus-4-1',
      contents: 'What is the weather in Paris?',
      config: { maxOutputTokens: 60_000, thinkingConfig: { thinkingBudget: 32_000 } },
    });
    assert.ok(answer.candidates?.length);
    assert.equal(fake.last.json.max_tokens, 32_000);
    assert.equal(fake.last.json.thinking.type, 'enabled');
    assert.ok(fake.last.json.thinking.budget_tokens >= 1024 && fake.last.json.thinking.budget_tokens < 32_000);
  });

  it('more tools or images than the target\'s API takes: a 400 naming the limit and the fix, before anything is spent', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const calls = fake.requests.length;
    const tools = Array.from({ length: 130 }, (_, index) => ({ type: 'function' as const, function: { name: `tool_${index}`, parameters: { type: 'object', properties: {} } } }));
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-tools', tools, messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /130 tools; gemini\/gemini-2\.5-flash \(Gemini\) accepts at most 128/.test(error.message),
    );
    // A 1×1 PNG, 101 times: fine for OpenAI (500), too many for Anthropic (100).
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const images = Array.from({ length: 101 }, () => ({ type: 'image_url' as const, image_url: { url: `data:image/png;base64,${pixel}` } }));
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-vision', messages: [{ role: 'user', content: [{ type: 'text', text: 'Compare these.' }, ...images] }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /101 images; anthropic\/claude-sonnet-4-5 \(Anthropic Messages\) accepts at most 100/.test(error.message),
    );
    assert.equal(fake.requests.length, calls);
  });
});
