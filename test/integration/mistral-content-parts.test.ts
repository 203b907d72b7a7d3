import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream, type FakeReply } from '../fakes/fake-upstream';
import { TestProxy, testKeys } from './harness';

/**
 * Mistral's reasoning models answer with `content` as a list of parts — a `thinking` part, then
 * text — where every other Chat provider sends a string (docs.mistral.ai, "Reasoning"). Every
 * client in front of Mistral gets the reply: translated, the thinking as each API's reasoning;
 * passed through, the bytes as Mistral sent them, with usage and cost read.
 */

const fixtures = path.join(__dirname, '../fixtures');
const streamText = readFileSync(path.join(fixtures, 'openai-compatible/mistral-reasoning.chunks.txt'), 'utf8');
const wholeText = readFileSync(path.join(fixtures, 'openai-chat/response-mistral-reasoning.json'), 'utf8');
/** The stream as the fake writes it: one event a write, as Mistral's server sends them. */
const streamChunks = streamText.split(/(?<=\n\n)/);

const model = 'mistral/magistral-medium-2509';
const streamedThinking = 'Okay, the user asks which is larger: 9.11 or 9.8. Compare the tenths:\n1 < 8, so 9.8 is larger — “9.80” vs “9.11”. Done.';
const wholeThinking = 'Okay, the user asks which is larger: 9.11 or 9.8. Compare the tenths:\n1 < 8, so 9.8 is larger.';
const answer = '**9.8** is larger: 0.80 > 0.11.';
const question = 'Which is larger, 9.11 or 9.8?';

function mistralReply(request: { json?: { stream?: boolean } }): FakeReply {
  return request.json?.stream === true
    ? { headers: { 'content-type': 'text/event-stream' }, chunks: streamChunks }
    : { headers: { 'content-type': 'application/json' }, body: wholeText };
}

/** A fake Mistral answering as above, and a proxy pointed at it (its response cache on when asked). */
async function startMistral(cache = false): Promise<{ fake: FakeUpstream; proxy: TestProxy }> {
  const fake = await FakeUpstream.start();
  fake.reply(mistralReply);
  const proxy = await TestProxy.start(
    (config) => {
      config.providers.mistral = { baseUrl: fake.url('/v1') };
      if (cache) config.cache.enabled = true;
    },
    { ...testKeys, MISTRAL_API_KEY: 'mistral-test-key-0000000000000005' },
  );
  return { fake, proxy };
}

describe('Mistral replies whose content is a list of parts', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    ({ fake, proxy } = await startMistral());
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  let calls = 0;

  /** The record of the call just made, once written, with its usage and a cost the price table knows. */
  async function lastRecordIsPriced(passthrough = false): Promise<void> {
    const record = await proxy.record(++calls);
    assert.equal(record.provider, 'mistral');
    assert.equal(record.passthrough, passthrough);
    assert.equal(record.finishReason, 'stop');
    assert.equal(record.status, 200);
    assert.equal(record.inputTokens, 41);
    assert.equal(record.outputTokens, 86);
    assert.ok(typeof record.costUsd === 'number' && record.costUsd > 0, `cost ${record.costUsd}`);
  }

  it('an Anthropic client gets a thinking block, then the text, streamed and whole', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client', maxRetries: 0 });
    const params = { model, max_tokens: 1000, messages: [{ role: 'user' as const, content: question }] };

    const streamed = await client.messages.stream(params).finalMessage();
    assert.deepEqual(
      streamed.content.map((block) => (block.type === 'thinking' ? ['thinking', block.thinking] : block.type === 'text' ? ['text', block.text] : [block.type])),
      [
        ['thinking', streamedThinking],
        ['text', answer],
      ],
    );
    assert.equal(streamed.stop_reason, 'end_turn');
    assert.deepEqual([streamed.usage.input_tokens, streamed.usage.output_tokens], [41, 86]);
    await lastRecordIsPriced();

    const whole = await client.messages.create(params);
    assert.deepEqual(
      whole.content.map((block) => (block.type === 'thinking' ? ['thinking', block.thinking] : block.type === 'text' ? ['text', block.text] : [block.type])),
      [
        ['thinking', wholeThinking],
        ['text', answer],
      ],
    );
    await lastRecordIsPriced();
  });

  it('a Responses client gets a reasoning item, then the output text, streamed and whole', async () => {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const whole = await openai.responses.create({ model, input: question });
    const reasoning = whole.output.find((item) => item.type === 'reasoning');
    assert.deepEqual(reasoning?.type === 'reasoning' ? reasoning.summary : undefined, [{ type: 'summary_text', text: wholeThinking }]);
    assert.equal(whole.output_text, answer);
    await lastRecordIsPriced();

    let text = '';
    let thinking = '';
    for await (const event of await openai.responses.create({ model, input: question, stream: true })) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.reasoning_summary_text.delta') thinking += event.delta;
    }
    assert.equal(text, answer);
    assert.equal(thinking, streamedThinking);
    await lastRecordIsPriced();
  });

  it('a Gemini client gets a thought part, then the text', async () => {
    const response = await fetch(`${proxy.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: question }] }] }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { candidates: Array<{ content: { parts: Array<{ text: string; thought?: boolean }> } }>; usageMetadata: { promptTokenCount: number } };
    assert.deepEqual(body.candidates[0]!.content.parts, [
      { text: wholeThinking, thought: true },
      { text: answer },
    ]);
    assert.equal(body.usageMetadata.promptTokenCount, 41);
    await lastRecordIsPriced();
  });

  it('a Chat client passed through gets Mistral\'s bytes as sent, its usage and cost read, streamed and whole', async () => {
    const ask = (stream: boolean) =>
      fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer client' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: question }] }),
      });
    const streamed = await ask(true);
    assert.equal(streamed.status, 200);
    assert.equal(await streamed.text(), streamText);
    await lastRecordIsPriced(true);

    const whole = await ask(false);
    assert.equal(whole.status, 200);
    assert.equal(await whole.text(), wholeText);
    await lastRecordIsPriced(true);
  });
});

describe('Mistral replies whose content is a list of parts, from the response cache', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    ({ fake, proxy } = await startMistral(true));
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('a streamed answer stored as Mistral sent it is decoded for a Chat client that asks for it whole', async () => {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const params = { model, messages: [{ role: 'user' as const, content: question }] };
    for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) void chunk;
    for (let wait = 0; wait < 150 && (await proxy.runtime.responseCache!.size()).entries < 1; wait++) await new Promise((resolve) => setTimeout(resolve, 20));

    const { data, response } = await openai.chat.completions.create(params).withResponse();
    assert.equal(response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(fake.requests.length, 1);
    const message = data.choices[0]!.message as OpenAI.Chat.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(message.content, answer);
    assert.equal(message.reasoning_content, streamedThinking);
    assert.deepEqual([data.usage?.prompt_tokens, data.usage?.completion_tokens], [41, 86]);
  });
});
