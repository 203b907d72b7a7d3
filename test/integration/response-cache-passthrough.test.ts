import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream, type FakeReply } from '../fakes/fake-upstream';
import { anthropicEvents, anthropicMessageJson, type AnthropicReplyOptions } from '../fakes/anthropic-replies';
import { responsesEvents, responsesJson } from '../fakes/openai-responses-replies';
import { geminiChunks, geminiResponseJson } from '../fakes/gemini-replies';
import { GoogleGenAI } from '@google/genai';
import { TestProxy } from './harness';

/**
 * A hit served to the client format the answer came in is the provider's answer as it sent it:
 * every field (logprobs, fingerprints, service tier, annotations), apart from a fresh response id
 * (and Switchyard's headers). Checked through the official SDKs.
 */

const openaiId = 'chatcmpl-CBsOaXxrMvWj3aeHrbUzbEi4LQhGf';
const created = 1_745_000_123;
const logprobs = {
  content: [
    { token: 'Bon', logprob: -0.0123, bytes: [66, 111, 110], top_logprobs: [{ token: 'Bon', logprob: -0.0123, bytes: [66, 111, 110] }, { token: 'Hello', logprob: -4.61, bytes: [72, 101, 108, 108, 111] }] },
    { token: 'jour', logprob: -0.0001, bytes: [106, 111, 117, 114], top_logprobs: [{ token: 'jour', logprob: -0.0001, bytes: [106, 111, 117, 114] }] },
  ],
  refusal: null,
};

/** A chat.completion with logprobs, as OpenAI documents it. */
const chatJson = {
  id: openaiId,
  object: 'chat.completion',
  created,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Bonjour', refusal: null, annotations: [] }, logprobs, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
  service_tier: 'default',
  system_fingerprint: 'fp_560af6e559',
};

/** The same answer streamed, a logprobs entry on each delta, and the usage chunk Switchyard asks for. */
function chatChunks(): string[] {
  const head = { id: openaiId, object: 'chat.completion.chunk', created, model: 'gpt-4o-mini-2024-07-18', service_tier: 'default', system_fingerprint: 'fp_560af6e559' };
  const chunk = (choice: object | undefined, usage: object | null = null): string => `data: ${JSON.stringify({ ...head, choices: choice === undefined ? [] : [choice], usage, obfuscation: 'a1B2' })}\n\n`;
  return [
    chunk({ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }),
    chunk({ index: 0, delta: { content: 'Bon' }, logprobs: { content: [logprobs.content[0]], refusal: null }, finish_reason: null }),
    chunk({ index: 0, delta: { content: 'jour' }, logprobs: { content: [logprobs.content[1]], refusal: null }, finish_reason: null }),
    chunk({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }),
    chunk(undefined, chatJson.usage),
    'data: [DONE]\n\n',
  ];
}

const anthropicAnswer: AnthropicReplyOptions = {
  model: 'claude-sonnet-4-6',
  thinking: { text: 'Greet in French.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
  text: 'Bonjour',
  usage: { input: 30, output: 12 },
};

async function eventually(ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let wait = 0; wait < 150; wait++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('the condition did not hold in time');
}

/** The value with every occurrence of `id` replaced, to compare two answers apart from their ids. */
function withoutId<T>(value: T, id: string): T {
  return JSON.parse(JSON.stringify(value).split(id).join('<id>')) as T;
}

describe('the response cache, passthrough answers', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
  });
  after(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await proxy?.close();
  });

  async function start(reply: (request: { url: string; json?: { stream?: boolean } }) => FakeReply): Promise<void> {
    fake.requests.length = 0;
    fake.reply(reply);
    proxy = await TestProxy.start((config) => {
      config.providers.openai = { baseUrl: fake.url('/v1') };
      config.providers.anthropic = { baseUrl: fake.url('') };
      config.providers.gemini = { baseUrl: fake.url('/v1beta') };
      config.cache.enabled = true;
    });
  }

  async function stored(entries: number): Promise<void> {
    await eventually(async () => (await proxy.runtime.responseCache!.size()).entries >= entries);
  }

  it('replays an OpenAI Chat answer whole with its logprobs and every field, under a fresh id', async () => {
    await start((request) => (request.json?.stream === true ? { chunks: chatChunks() } : { json: chatJson }));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello in French.' }], logprobs: true, top_logprobs: 2 };
    const first = await openai.chat.completions.create(params).withResponse();
    await stored(1);
    const second = await openai.chat.completions.create(params).withResponse();
    assert.equal(second.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(first.data, chatJson, 'the miss is the provider answer as sent');
    assert.deepEqual(second.data.choices[0]!.logprobs, logprobs);
    assert.deepEqual(withoutId(second.data, second.data.id), withoutId(first.data, first.data.id), 'the hit is the same answer apart from its id');
    assert.notEqual(second.data.id, first.data.id);
    assert.match(second.data.id, /^chatcmpl-[A-Za-z0-9]{29}$/, 'shaped like the provider id');
  });

  it('replays an OpenAI Chat stream chunk for chunk, logprobs included, and without a usage chunk the client did not ask for', async () => {
    await start((request) => (request.json?.stream === true ? { chunks: chatChunks() } : { json: chatJson }));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello in French.' }], logprobs: true, stream: true as const };
    const collect = async (): Promise<OpenAI.Chat.ChatCompletionChunk[]> => {
      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const chunk of await openai.chat.completions.create(params)) chunks.push(chunk);
      return chunks;
    };
    const first = await collect();
    await stored(1);
    const second = await collect();
    assert.equal(fake.requests.length, 1);
    assert.equal(first.length, 4, 'role, two deltas, finish: no usage chunk');
    assert.deepEqual(withoutId(second, second[0]!.id), withoutId(first, first[0]!.id));
    assert.deepEqual(second[1]!.choices[0]!.logprobs, { content: [logprobs.content[0]], refusal: null });
    assert.notEqual(second[0]!.id, openaiId);
    assert.ok(second.every((chunk) => chunk.id === second[0]!.id), 'one id across the stream');
    // A client that asks for usage gets the usage chunk from the same entry.
    const withUsage: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await openai.chat.completions.create({ ...params, stream_options: { include_usage: true } })) withUsage.push(chunk);
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(withUsage.at(-1)?.usage, chatJson.usage);
  });

  it('keeps OpenAI Chat logprobs when an entry is replayed in the other stream mode', async () => {
    await start((request) => (request.json?.stream === true ? { chunks: chatChunks() } : { json: chatJson }));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const ask = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }], logprobs: true, top_logprobs: 2 });
    const streamed = async (content: string): Promise<{ text: string; tokens: unknown[]; hit: string | null }> => {
      const { data, response } = await openai.chat.completions.create({ ...ask(content), stream: true }).withResponse();
      let text = '';
      const tokens: unknown[] = [];
      for await (const chunk of data) {
        text += chunk.choices[0]?.delta.content ?? '';
        tokens.push(...(chunk.choices[0]?.logprobs?.content ?? []));
      }
      return { text, tokens, hit: response.headers.get('x-switchyard-cache') };
    };
    // Stored whole, asked streamed.
    await openai.chat.completions.create(ask('Say hello in French.'));
    await stored(1);
    const fromWhole = await streamed('Say hello in French.');
    assert.equal(fromWhole.hit, 'hit');
    assert.equal(fromWhole.text, 'Bonjour');
    assert.deepEqual(fromWhole.tokens, logprobs.content, 'every token\'s logprobs, in order');
    // Stored streamed, asked whole.
    await streamed('Say goodbye in French.');
    await stored(2);
    const fromStream = await openai.chat.completions.create(ask('Say goodbye in French.')).withResponse();
    assert.equal(fromStream.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(fromStream.data.choices[0]!.message.content, 'Bonjour');
    assert.deepEqual(fromStream.data.choices[0]!.logprobs, logprobs, 'the chunks\' entries joined');
    assert.equal(fake.requests.length, 2);
  });

  it('replays an Anthropic message whole and streamed as Anthropic sent it, with a fresh msg_ id', async () => {
    await start((request) => (request.json?.stream === true ? { chunks: anthropicEvents(anthropicAnswer) } : { json: anthropicMessageJson(anthropicAnswer) }));
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client', maxRetries: 0 });
    const params = { model: 'claude-sonnet-4-6', max_tokens: 1000, messages: [{ role: 'user' as const, content: 'Say hello in French.' }] };
    const first = await client.messages.create(params);
    await stored(1);
    const second = await client.messages.create(params);
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(withoutId(second, second.id), withoutId(first, first.id));
    assert.notEqual(second.id, first.id);
    assert.match(second.id, /^msg_[A-Za-z0-9]+$/);
    assert.equal(second.id.length, first.id.length);
    // The version header chooses the wire format, not the answer: another version is a hit too,
    // encoded by Switchyard rather than replayed as bytes the client's version did not ask for.
    const otherVersion = await client.messages.create(params, { headers: { 'anthropic-version': '2023-06-01' } }).withResponse();
    assert.equal(otherVersion.response.headers.get('x-switchyard-cache'), 'hit');
    assert.deepEqual(otherVersion.data.content, first.content);
    assert.equal(fake.requests.length, 1);

    const streamed = async (): Promise<{ events: unknown[]; id: string }> => {
      const events: unknown[] = [];
      const stream = client.messages.stream({ ...params, messages: [{ role: 'user', content: 'And streamed?' }] });
      stream.on('streamEvent', (event) => events.push(event));
      const message = await stream.finalMessage();
      return { events, id: message.id };
    };
    const firstStream = await streamed();
    await stored(2);
    const secondStream = await streamed();
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(withoutId(secondStream.events, secondStream.id), withoutId(firstStream.events, firstStream.id), 'the same events, in the same order');
    assert.notEqual(secondStream.id, firstStream.id);
  });

  it('replays a Responses answer with the provider id kept: previous_response_id must still find it', async () => {
    const options = { model: 'gpt-5', text: 'Bonjour', usage: { input: 12, output: 2 } };
    await start((request) => (request.json?.stream === true ? { chunks: responsesEvents(options) } : { json: responsesJson(options) }));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const first = await openai.responses.create({ model: 'gpt-5', input: 'Say hello in French.' });
    await stored(1);
    const second = await openai.responses.create({ model: 'gpt-5', input: 'Say hello in French.' }).withResponse();
    assert.equal(second.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(second.data, first);
  });

  it('keeps Responses logprobs when an entry is replayed in the other stream mode', async () => {
    const tokens = [
      { token: 'Bon', logprob: -0.0123, bytes: [66, 111, 110], top_logprobs: [{ token: 'Bon', logprob: -0.0123, bytes: [66, 111, 110] }] },
      { token: 'jour', logprob: -0.0001, bytes: [106, 111, 117, 114], top_logprobs: [{ token: 'jour', logprob: -0.0001, bytes: [106, 111, 117, 114] }] },
    ];
    const options = { model: 'gpt-5', text: 'Bonjour', usage: { input: 12, output: 2 } };
    const whole = (): object => {
      const body = responsesJson(options) as { output: Array<{ type: string; content?: Array<{ logprobs: unknown[] }> }> };
      body.output.find((item) => item.type === 'message')!.content![0]!.logprobs = tokens;
      return body;
    };
    // Each delta carries its tokens' entries; the done events and response.completed all of them.
    const events = (): string[] => {
      let delta = 0;
      return responsesEvents(options).map((event) => {
        if (event.startsWith('event: response.output_text.delta')) return event.replace('"logprobs":[]', `"logprobs":${JSON.stringify(tokens.slice(delta, (delta += 1)))}`);
        return event.startsWith('event: response.output_item.added') || event.startsWith('event: response.content_part.added') ? event : event.replaceAll('"logprobs":[]', `"logprobs":${JSON.stringify(tokens)}`);
      });
    };
    await start((request) => (request.json?.stream === true ? { chunks: events() } : { json: whole() }));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const ask = (input: string) => ({ model: 'gpt-5', input, include: ['message.output_text.logprobs' as const], top_logprobs: 1 });
    const textPart = (response: OpenAI.Responses.Response) => response.output.flatMap((item) => (item.type === 'message' ? item.content : [])).find((part) => part.type === 'output_text');
    const streamed = async (input: string) => {
      const stream = openai.responses.stream(ask(input));
      const deltas: unknown[] = [];
      stream.on('response.output_text.delta', (event) => deltas.push(...(event.logprobs ?? [])));
      const final = await stream.finalResponse();
      return { final, deltas };
    };
    // Stored whole, asked streamed.
    await openai.responses.create(ask('Say hello in French.'));
    await stored(1);
    const fromWhole = await streamed('Say hello in French.');
    assert.equal(fake.requests.length, 1);
    assert.equal(textPart(fromWhole.final)?.text, 'Bonjour');
    assert.deepEqual(textPart(fromWhole.final)?.logprobs, tokens, 'the completed response has every token');
    assert.deepEqual(fromWhole.deltas, tokens, 'the deltas carry every token once');
    // Stored streamed, asked whole.
    await streamed('Say goodbye in French.');
    await stored(2);
    const fromStream = await openai.responses.create(ask('Say goodbye in French.')).withResponse();
    assert.equal(fromStream.response.headers.get('x-switchyard-cache'), 'hit');
    assert.deepEqual(textPart(fromStream.data)?.logprobs, tokens);
    assert.equal(fake.requests.length, 2);
  });

  it('keeps Gemini logprobs when an entry is replayed in the other stream mode', async () => {
    const chosen = [
      { token: 'Bon', tokenId: 101, logProbability: -0.25 },
      { token: 'jour', tokenId: 102, logProbability: -0.75 },
    ];
    const top = chosen.map((token) => ({ candidates: [token] }));
    const options = { model: 'gemini-2.5-flash', text: 'Bonjour', usage: { prompt: 5, candidates: 2 } };
    const whole = (): object => {
      const body = geminiResponseJson(options) as { candidates: Array<Record<string, unknown>> };
      Object.assign(body.candidates[0]!, { logprobsResult: { topCandidates: top, chosenCandidates: chosen }, avgLogprobs: -0.5 });
      return body;
    };
    // Each chunk with text carries its own tokens' entries and average, as Gemini streams them.
    const chunks = (): string[] => {
      let next = 0;
      return geminiChunks(options).map((chunk) => {
        const body = JSON.parse(chunk.slice('data: '.length)) as { candidates: Array<{ content: { parts: Array<{ text?: string }> } } & Record<string, unknown>> };
        const candidate = body.candidates[0]!;
        if (!candidate.content.parts.some((part) => part.text) || next >= chosen.length) return chunk;
        const token = chosen[next]!;
        Object.assign(candidate, { logprobsResult: { topCandidates: [top[next]], chosenCandidates: [token] }, avgLogprobs: token.logProbability });
        next += 1;
        return `data: ${JSON.stringify(body)}\r\n\r\n`;
      });
    };
    await start((request) => (request.url.includes(':streamGenerateContent') ? { chunks: chunks() } : { json: whole() }));
    const genai = new GoogleGenAI({ apiKey: 'client', httpOptions: { baseUrl: proxy.url, retryOptions: { attempts: 1 } } });
    const ask = (text: string) => ({ model: 'gemini-2.5-flash', contents: text, config: { responseLogprobs: true, logprobs: 1 } });
    const streamed = async (text: string) => {
      const results: Array<{ chosen: unknown[]; top: unknown[] }> = [];
      let answer = '';
      for await (const chunk of await genai.models.generateContentStream(ask(text))) {
        answer += chunk.text ?? '';
        const result = chunk.candidates?.[0]?.logprobsResult;
        if (result !== undefined) results.push({ chosen: result.chosenCandidates ?? [], top: result.topCandidates ?? [] });
      }
      return { answer, chosen: results.flatMap((result) => result.chosen), top: results.flatMap((result) => result.top) };
    };
    // Stored whole, asked streamed.
    await genai.models.generateContent(ask('Say hello in French.'));
    await stored(1);
    const fromWhole = await streamed('Say hello in French.');
    assert.equal(fake.requests.length, 1);
    assert.equal(fromWhole.answer, 'Bonjour');
    assert.deepEqual(fromWhole.chosen, chosen, 'every chosen token, once');
    assert.deepEqual(fromWhole.top, top);
    // Stored streamed, asked whole: the chunks' entries joined, the average over every token.
    await streamed('Say goodbye in French.');
    await stored(2);
    const fromStream = await genai.models.generateContent(ask('Say goodbye in French.'));
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(fromStream.candidates?.[0]?.logprobsResult, { topCandidates: top, chosenCandidates: chosen });
    assert.equal(fromStream.candidates?.[0]?.avgLogprobs, -0.5);
  });
});
