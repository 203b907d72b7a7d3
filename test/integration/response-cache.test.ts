import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FakeUpstream, type FakeReply } from '../fakes/fake-upstream';
import { anthropicEvents, anthropicMessageJson, anthropicErrorJson, type AnthropicReplyOptions } from '../fakes/anthropic-replies';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestProxy } from './harness';
import { openDatabase } from '../../proxy/store/sqlite/open-database';
import { inboundCodecs } from '../../proxy/codecs/registry';
import type { SwitchyardConfig } from '../../proxy/config/config';

const model = 'claude-sonnet-4-6';
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const question = 'What is the weather in Paris?';
const answer: AnthropicReplyOptions = {
  model,
  thinking: { text: 'The user wants the weather; call the tool.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
  text: 'Let me look that up.',
  toolUses: [{ id: 'toolu_01A09q90qw90lq917835lq9', name: 'weather', input: { city: 'Paris' } }],
  usage: { input: 400, output: 120 },
};

/** Answers like Anthropic: SSE events for a stream request, one message otherwise. */
function anthropicReply(options: AnthropicReplyOptions): (request: { json?: { stream?: boolean } }) => FakeReply {
  return (request) => (request.json?.stream === true ? { chunks: anthropicEvents(options) } : { json: anthropicMessageJson(options) });
}

async function eventually(ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let wait = 0; wait < 150; wait++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('the condition did not hold in time');
}

describe('the response cache', () => {
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

  async function start(configure: (config: SwitchyardConfig) => void = (config) => (config.cache.enabled = true)): Promise<TestProxy> {
    fake.requests.length = 0;
    fake.reply(anthropicReply(answer));
    proxy = await TestProxy.start((config) => {
      config.providers.anthropic = { baseUrl: fake.url('') };
      configure(config);
    });
    return proxy;
  }

  /** Waits until the nth answer has been stored (the fill writes after the response closed). */
  async function stored(entries: number): Promise<void> {
    await eventually(async () => (await proxy.runtime.responseCache!.size()).entries >= entries);
  }

  /** A proxy with the cache on and Anthropic at the fake, on the data folder given (restarts, two proxies). */
  function startCachingOn(dataDir: string): Promise<TestProxy> {
    return TestProxy.start(
      (config) => {
        config.providers.anthropic = { baseUrl: fake.url('') };
        config.cache.enabled = true;
      },
      undefined,
      undefined,
      { dataDir },
    );
  }

  function anthropicClient(): Anthropic {
    return new Anthropic({ baseURL: proxy.url, apiKey: 'client', maxRetries: 0 });
  }
  const anthropicParams = (): Anthropic.MessageCreateParamsNonStreaming => ({
    model,
    max_tokens: 1000,
    system: 'Be brief.',
    messages: [{ role: 'user', content: question }],
    tools: [{ name: 'weather', description: 'Look up weather', input_schema: schema as Anthropic.Tool.InputSchema }],
  });

  it('answers a second identical call without the upstream, with the same content, at $0 and saving the first cost', async () => {
    await start();
    const client = anthropicClient();
    const first = await client.messages.create(anthropicParams()).withResponse();
    assert.equal(first.response.headers.get('x-switchyard-cache'), 'miss');
    await stored(1);
    const second = await client.messages.create(anthropicParams()).withResponse();
    assert.equal(second.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(second.data.content, first.data.content);
    assert.equal(second.data.stop_reason, 'tool_use');
    assert.deepEqual(second.data.usage.output_tokens, first.data.usage.output_tokens);
    const [missRecord, hitRecord] = [await proxy.record(1), await proxy.record(2)];
    assert.equal(missRecord.cache, 'miss');
    assert.ok((missRecord.costUsd ?? 0) > 0);
    assert.equal(hitRecord.cache, 'hit');
    assert.equal(hitRecord.costUsd, 0);
    assert.equal(hitRecord.savedUsd, missRecord.costUsd);
    await proxy.store.flush();
    const [today] = await proxy.store.aggregate('day', {});
    assert.equal(today?.cacheHits, 1);
    assert.equal(today?.cacheMisses, 1);
    assert.equal(today?.cacheHitRate, 0.5);
    assert.equal(today?.savedUsd, missRecord.costUsd);
  });

  it('replays a non-streamed answer as a real stream and a streamed one as JSON, thinking signatures intact', async () => {
    await start();
    const client = anthropicClient();
    const whole = await client.messages.create(anthropicParams());
    await stored(1);
    const events: string[] = [];
    const stream = client.messages.stream(anthropicParams());
    stream.on('streamEvent', (event) => events.push(event.type));
    const streamed = await stream.finalMessage();
    assert.equal(fake.requests.length, 1);
    assert.deepEqual(streamed.content, whole.content);
    assert.ok(events.filter((type) => type === 'content_block_delta').length >= 3, `several delta events: ${events.join(' ')}`);
    // And back: a new question asked streamed first, then whole.
    const other = { ...anthropicParams(), messages: [{ role: 'user' as const, content: 'And in Lyon?' }] };
    const firstStreamed = await client.messages.stream(other).finalMessage();
    await stored(2);
    const thenWhole = await client.messages.create(other);
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(thenWhole.content, firstStreamed.content);
    const thinking = thenWhole.content.find((block) => block.type === 'thinking');
    assert.equal(thinking?.type === 'thinking' ? thinking.signature : undefined, answer.thinking!.signature);
  });

  it('answers OpenAI Chat, Responses and Gemini clients from the entry an Anthropic client created, tool calls and reasoning intact', async () => {
    await start();
    await anthropicClient().messages.create(anthropicParams());
    await stored(1);
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const chat = await openai.chat.completions.create({
      model,
      max_tokens: 1000,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Look up weather', parameters: schema } }],
    });
    const call = chat.choices[0]!.message.tool_calls?.[0];
    assert.equal(call?.type === 'function' ? call.function.name : undefined, 'weather');
    assert.deepEqual(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}'), { city: 'Paris' });
    assert.equal(chat.choices[0]!.finish_reason, 'tool_calls');

    const chunks = await openai.chat.completions.create({
      model,
      max_tokens: 1000,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Look up weather', parameters: schema } }],
      stream: true,
    });
    let streamedArguments = '';
    let chunkCount = 0;
    for await (const chunk of chunks) {
      chunkCount++;
      streamedArguments += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    }
    assert.deepEqual(JSON.parse(streamedArguments), { city: 'Paris' });
    assert.ok(chunkCount > 3);

    const responses = await openai.responses.create({
      model,
      instructions: 'Be brief.',
      max_output_tokens: 1000,
      input: question,
      tools: [{ type: 'function', name: 'weather', description: 'Look up weather', parameters: schema, strict: null }],
    });
    const functionCall = responses.output.find((item) => item.type === 'function_call');
    assert.equal(functionCall?.type === 'function_call' ? functionCall.arguments : undefined, '{"city":"Paris"}');
    assert.ok(responses.output.some((item) => item.type === 'reasoning'), 'the reasoning item is replayed');

    const genai = new GoogleGenAI({ apiKey: 'client', httpOptions: { baseUrl: proxy.url } });
    const gemini = await genai.models.generateContent({
      model,
      contents: [{ role: 'user', parts: [{ text: question }] }],
      config: { systemInstruction: 'Be brief.', maxOutputTokens: 1000, tools: [{ functionDeclarations: [{ name: 'weather', description: 'Look up weather', parametersJsonSchema: schema }] }] },
    });
    assert.deepEqual(gemini.functionCalls?.[0]?.args, { city: 'Paris' });
    assert.equal(fake.requests.length, 1, 'every client was answered from the one entry');
    await eventually(() => proxy.records.length === 5);
    assert.deepEqual(proxy.records.map((record) => record.cache), ['miss', 'hit', 'hit', 'hit', 'hit']);
  });

  it('keys one client format by its bytes without decoding it; a second format on the target is answered from the first one\'s entries, both ways', async () => {
    await start();
    const codec = inboundCodecs['anthropic-messages'];
    const decode = codec.decodeRequest;
    let decoded = 0;
    codec.decodeRequest = (body) => {
      decoded += 1;
      return decode(body);
    };
    try {
      const client = anthropicClient();
      // One client format: the same question whole then streamed is one entry, and nothing is decoded.
      const first = await client.messages.create(anthropicParams());
      await stored(1);
      const streamed = await client.messages.stream(anthropicParams()).finalMessage();
      assert.deepEqual(streamed.content, first.content);
      assert.equal(fake.requests.length, 1);
      assert.equal(decoded, 0, 'an Anthropic passthrough call on a target with only Anthropic entries is never decoded');

      // OpenAI SDK first, then the Anthropic SDK, same target: one entry.
      const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
      const other = 'And in Lyon?';
      const chat = await openai.chat.completions.create({
        model,
        max_tokens: 1000,
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: other }],
        tools: [{ type: 'function', function: { name: 'weather', description: 'Look up weather', parameters: schema } }],
      });
      assert.equal(chat.choices[0]!.finish_reason, 'tool_calls');
      await stored(2);
      const fromOpenai = await client.messages.create({ ...anthropicParams(), messages: [{ role: 'user', content: other }] }).withResponse();
      assert.equal(fromOpenai.response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(fromOpenai.data.stop_reason, 'tool_use');
      assert.equal(fake.requests.length, 2);

      // And the Anthropic entry stored before OpenAI came (under its bytes key only) answers OpenAI too.
      const fromAnthropic = await openai.chat.completions
        .create({
          model,
          max_tokens: 1000,
          messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }],
          tools: [{ type: 'function', function: { name: 'weather', description: 'Look up weather', parameters: schema } }],
        })
        .withResponse();
      assert.equal(fromAnthropic.response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(fake.requests.length, 2);
    } finally {
      codec.decodeRequest = decode;
    }
  });

  it('misses on a changed temperature, system prompt, tool, anthropic-beta, provider extra or case', async () => {
    await start();
    const client = anthropicClient();
    await client.messages.create(anthropicParams());
    await stored(1);
    const variants: Array<[string, Anthropic.MessageCreateParamsNonStreaming, Record<string, string>?]> = [
      ['temperature', { ...anthropicParams(), temperature: 0.2 } as Anthropic.MessageCreateParamsNonStreaming],
      ['system', { ...anthropicParams(), system: 'Be brief!' }],
      ['tool', { ...anthropicParams(), tools: [{ name: 'weather', description: 'Look up the weather', input_schema: schema as Anthropic.Tool.InputSchema }] }],
      ['case', { ...anthropicParams(), messages: [{ role: 'user', content: question.toLowerCase() }] }],
      ['beta', anthropicParams(), { 'anthropic-beta': 'interleaved-thinking-2025-05-14' }],
      // A field Switchyard has no canonical name for travels as a provider extra, and is keyed.
      ['provider extra', { ...anthropicParams(), service_tier: 'standard_only' }],
    ];
    for (const [name, params, headers] of variants) {
      const before = fake.requests.length;
      const result = await client.messages.create(params, { headers }).withResponse();
      assert.equal(result.response.headers.get('x-switchyard-cache'), 'miss', name);
      assert.equal(fake.requests.length, before + 1, name);
    }
  });

  it('obeys x-switchyard-cache: off, refresh and only', async () => {
    await start();
    const client = anthropicClient();
    const only = await client.messages.create(anthropicParams(), { headers: { 'x-switchyard-cache': 'only' } }).catch((error: unknown) => error);
    assert.ok(only instanceof Anthropic.APIError);
    assert.equal(only.status, 504);
    assert.equal(fake.requests.length, 0);
    const off = await client.messages.create(anthropicParams(), { headers: { 'x-switchyard-cache': 'off' } }).withResponse();
    assert.equal(off.response.headers.get('x-switchyard-cache'), 'off');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await proxy.runtime.responseCache!.size()).entries, 0, 'off stores nothing');
    await client.messages.create(anthropicParams(), { headers: { 'x-switchyard-cache': 'refresh' } });
    await stored(1);
    await client.messages.create(anthropicParams(), { headers: { 'x-switchyard-cache': 'refresh' } });
    assert.equal(fake.requests.length, 3, 'refresh always fetches');
    const hit = await client.messages.create(anthropicParams(), { headers: { 'x-switchyard-cache': 'only' } }).withResponse();
    assert.equal(hit.response.headers.get('x-switchyard-cache'), 'hit');
    assert.equal(fake.requests.length, 3);
  });

  it('keeps an answer asked for once in memory, writes it on its second use or at a graceful stop, and a restart serves both', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-cache-restart-'));
    const rows = (): number => {
      const { database, lock } = openDatabase(dataDir);
      try {
        return Number(database.get('SELECT COUNT(*) AS entries FROM response_cache')?.entries);
      } finally {
        database.close();
        lock.release();
      }
    };
    try {
      fake.requests.length = 0;
      fake.reply(anthropicReply(answer));
      const startOn = async () => (proxy = await startCachingOn(dataDir));
      await startOn();
      const ask = (text: string) => anthropicClient().messages.create({ ...anthropicParams(), messages: [{ role: 'user', content: text }] }).withResponse();
      assert.equal((await ask('asked twice')).response.headers.get('x-switchyard-cache'), 'miss');
      assert.equal((await ask('asked once')).response.headers.get('x-switchyard-cache'), 'miss');
      await stored(2);
      assert.equal(rows(), 0, 'answers asked for once are not written');
      assert.equal((await ask('asked twice')).response.headers.get('x-switchyard-cache'), 'hit', 'served from memory');
      await proxy.runtime.responseCache!.size();
      assert.equal(rows(), 1, 'the second use wrote it');
      await proxy.close();
      assert.equal(rows(), 2, 'the stop wrote the other');
      await startOn();
      assert.equal((await ask('asked once')).response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal((await ask('asked twice')).response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(fake.requests.length, 2);
    } finally {
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('never lets the fingerprint turn a hit into a miss: the same questions with neutral fields moved, changed or gone, streamed or not, from another format, after a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-cache-fingerprint-'));
    let seed = 0x5eed;
    const random = (): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const questions = Array.from({ length: 30 }, (_, at) => `Question ${at}: ${['weather', 'Weather', 'déjà vu', 'a "quoted" word', '😀'][at % 5]}?`);
    /** An Anthropic body of the question: the keyed members in order, the neutral ones anywhere (model always). */
    const body = (text: string): { text: string; stream: boolean } => {
      const stream = random() < 0.5;
      const members = ['"max_tokens":1000', '"system":"Be brief."', `"messages":[{"role":"user","content":${JSON.stringify(text)}}]`];
      const neutral = [`"model":"${model}"`, ...(stream || random() < 0.3 ? [`"stream":${stream}`] : []), ...(random() < 0.5 ? [`"metadata":{"user_id":"user-${Math.floor(random() * 100)}"}`] : [])];
      for (const member of neutral) members.splice(Math.floor(random() * (members.length + 1)), 0, member);
      return { text: `{${members.join(',')}}`, stream };
    };
    const ask = async (text: string): Promise<string | null> => {
      const { text: payload, stream } = body(text);
      const response = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'client', 'anthropic-version': '2023-06-01' }, body: payload });
      const read = await response.text();
      assert.equal(response.status, 200, read);
      if (stream) assert.match(read, /event: message_stop/);
      return response.headers.get('x-switchyard-cache');
    };
    try {
      fake.requests.length = 0;
      fake.reply(anthropicReply(answer));
      proxy = await startCachingOn(dataDir);
      for (const text of questions) assert.equal(await ask(text), 'miss', text);
      await stored(questions.length);
      for (let round = 0; round < 3; round++) for (const text of questions) assert.equal(await ask(text), 'hit', `${text} (round ${round})`);
      assert.equal(fake.requests.length, questions.length, 'every repeat answered from the cache');
      // Another client format: an OpenAI Chat client's question is the same entry.
      const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
      for (const text of questions.slice(0, 5)) {
        const chat = await openai.chat.completions.create({ model, max_tokens: 1000, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: text }] }).withResponse();
        assert.equal(chat.response.headers.get('x-switchyard-cache'), 'hit', text);
      }
      await proxy.close();
      proxy = await startCachingOn(dataDir);
      for (const text of questions) assert.equal(await ask(text), 'hit', `${text} after a restart`);
      assert.equal(fake.requests.length, questions.length);
    } finally {
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('writes every answer while a second proxy shares the data folder, so the other one answers from it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-cache-shared-'));
    // The second proxy is another process: its registration is a holder of a live process id
    // (this test's parent), as node-sqlite3-wasm's lock registry records one.
    const holders = path.join(dataDir, 'switchyard.db.holders');
    let there: TestProxy | undefined;
    try {
      fake.requests.length = 0;
      fake.reply(anthropicReply(answer));
      const startOn = () => startCachingOn(dataDir);
      proxy = await startOn();
      there = await startOn();
      writeFileSync(path.join(holders, `${process.ppid}-other-proxy`), '');
      const ask = (at: TestProxy) => new Anthropic({ baseURL: at.url, apiKey: 'client', maxRetries: 0 }).messages.create(anthropicParams()).withResponse();
      assert.equal((await ask(proxy)).response.headers.get('x-switchyard-cache'), 'miss');
      await stored(1);
      // Written with the next batch; the other proxy looks for other writers' entries once a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await ask(there)).response.headers.get('x-switchyard-cache'), 'hit');
      assert.equal(fake.requests.length, 1);
    } finally {
      await there?.close();
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stores nothing for an error answer, a cut stream or a call the client left', async () => {
    await start();
    const client = anthropicClient();
    fake.reply(() => ({ status: 400, json: anthropicErrorJson('invalid_request_error', 'bad') }));
    await client.messages.create(anthropicParams()).catch(() => undefined);
    const events = anthropicEvents(answer);
    fake.reply(() => ({ chunks: events.slice(0, 5), cut: true }));
    await client.messages.stream(anthropicParams()).finalMessage().catch(() => undefined);
    fake.reply(() => ({ chunks: events.slice(0, 5), hang: true }));
    const abort = new AbortController();
    const left = client.messages.stream(anthropicParams(), { signal: abort.signal });
    left.on('streamEvent', () => abort.abort());
    await left.finalMessage().catch(() => undefined);
    await eventually(() => proxy.records.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await proxy.runtime.responseCache!.size()).entries, 0);
  });

  it('keeps entries per access key unless shared, and is off per route', async () => {
    await start((config) => {
      config.cache.enabled = true;
      config.accessKeys = ['sy-key-one-000000000001', 'sy-key-two-000000000002'];
      config.routes.fresh = { strategy: 'fallback', targets: [`anthropic/${model}`], retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetMs: 1000 }, timeouts: { connectMs: 5000, idleMs: 5000 }, cache: { enabled: false } };
    });
    const one = new Anthropic({ baseURL: proxy.url, apiKey: 'sy-key-one-000000000001', maxRetries: 0 });
    const two = new Anthropic({ baseURL: proxy.url, apiKey: 'sy-key-two-000000000002', maxRetries: 0 });
    await one.messages.create(anthropicParams());
    await stored(1);
    const other = await two.messages.create(anthropicParams()).withResponse();
    assert.equal(other.response.headers.get('x-switchyard-cache'), 'miss');
    const fresh = await one.messages.create({ ...anthropicParams(), model: 'fresh' }).withResponse();
    assert.equal(fresh.response.headers.get('x-switchyard-cache'), 'off');
    assert.equal(fake.requests.length, 3);
  });

  it('runs nothing of the cache when it is off', async () => {
    await start(() => {});
    const result = await anthropicClient().messages.create(anthropicParams()).withResponse();
    assert.equal(result.response.headers.get('x-switchyard-cache'), null);
    assert.equal((await proxy.record(1)).cache, undefined);
  });

  it('is cleared over the control API', async () => {
    await start();
    await anthropicClient().messages.create(anthropicParams());
    await stored(1);
    const response = await fetch(`${proxy.url}/_switchyard/cache/clear`, { method: 'POST', headers: { authorization: 'Bearer control-token-for-tests' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { cleared: 1 });
    assert.equal((await proxy.runtime.responseCache!.size()).entries, 0);
  });
});
