import assert from 'node:assert/strict';
import type http from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FakeUpstream, type FakeReply } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicEvents } from '../fakes/anthropic-replies';
import { geminiChunks } from '../fakes/gemini-replies';
import { TestProxy } from './harness';
import { providerModels, useFake } from './fake-providers';

/**
 * Streaming honesty: every upstream chunk reaches the client as it arrives (never buffered),
 * byte for byte on the passthrough path and as the client format's full event sequence when
 * translated, whatever the chunk boundaries (mid-event, mid-UTF-8 character, mid-CRLF).
 */

/** Text with 2-, 3- and 4-byte UTF-8 characters and a ZWJ emoji sequence. */
const awkwardText = 'Café ✓ naïve — déjà vu 🎉 by 👩‍💻, 21 °C ✓';
const usage = { prompt: 41, completion: 17 };

/** One SSE event as the client read it, with the time its last byte arrived. */
interface ReceivedEvent {
  at: number;
  text: string;
}

/** Reads a streamed body with fetch's reader, timing each complete event (blank-line framed, LF or CRLF). */
async function readEvents(response: Response): Promise<{ events: ReceivedEvent[]; bytes: Buffer }> {
  assert.ok(response.body, 'the response has no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events: ReceivedEvent[] = [];
  const bytes: Buffer[] = [];
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = performance.now();
    bytes.push(Buffer.from(value));
    pending += decoder.decode(value, { stream: true });
    for (;;) {
      const boundary = /\r?\n\r?\n/.exec(pending);
      if (!boundary) break;
      events.push({ at, text: pending.slice(0, boundary.index) });
      pending = pending.slice(boundary.index + boundary[0].length);
    }
  }
  assert.equal(pending, '', 'the stream ended inside an event');
  return { events, bytes: Buffer.concat(bytes) };
}

/**
 * The times at which the fake upstream wrote each chunk of each response, in request order.
 * FakeUpstream keeps its server private; the listener added here only wraps `write` to note
 * the time, before the fake's own handler (which first reads the body) writes anything.
 */
function recordSendTimes(fake: FakeUpstream): number[][] {
  const sends: number[][] = [];
  const server = fake['server'] as http.Server;
  server.prependListener('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    const times: number[] = [];
    sends.push(times);
    const write = response.write.bind(response) as (chunk: unknown) => boolean;
    response.write = ((chunk: unknown) => {
      times.push(performance.now());
      return write(chunk);
    }) as typeof response.write;
  });
  return sends;
}

/** The event type (`event:` line) or, without one, the JSON of the `data:` line. */
function eventName(event: ReceivedEvent): string {
  const named = /^event: (.+)$/m.exec(event.text);
  if (named) return named[1]!;
  const data = /^data: (.*)$/m.exec(event.text)?.[1] ?? '';
  if (data === '[DONE]') return '[DONE]';
  const chunk = JSON.parse(data) as { choices?: Array<{ delta?: Record<string, unknown>; finish_reason?: string | null }> };
  const choice = chunk.choices?.[0];
  if (!choice) return 'usage';
  if (choice.finish_reason) return `finish:${choice.finish_reason}`;
  return `delta:${Object.keys(choice.delta ?? {}).join(',')}`;
}

/**
 * Splits SSE text into Buffers cut inside every multi-byte character (after its lead
 * byte), between every CR and LF, and inside every `data:` prefix, so no chunk boundary
 * is a kind one.
 */
function splitAwkwardly(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const cuts = new Set<number>();
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (byte >= 0xc0) cuts.add(index + 1);
    if (byte === 0x0d) cuts.add(index + 1);
    if (byte === 0x64 && bytes.subarray(index, index + 5).toString('latin1') === 'data:') cuts.add(index + 2);
  }
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

function post(proxy: TestProxy, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
    signal,
  });
}

const anthropicRequest = (model: string) => ({ model, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Say something.' }] });
const chatRequest = (model: string) => ({ model, stream: true, messages: [{ role: 'user', content: 'Say something.' }] });

describe('streaming through the proxy', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let sendTimes: number[][];
  let recordsBefore = 0;
  /** The record of the one proxy call each test makes (counted before it, since it may land before we ask). */
  const recordOfThisTest = () => proxy.record(recordsBefore + 1);

  before(async () => {
    fake = await FakeUpstream.start();
    sendTimes = recordSendTimes(fake);
    proxy = await TestProxy.start((config) => useFake(config, fake));
  });
  beforeEach(() => {
    recordsBefore = proxy.records.length;
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  describe('each upstream chunk reaches the client before the next is sent', () => {
    const delayMs = 15;

    /**
     * Sends `chunks` with `delayMs` before each, and checks against the fake's own send
     * times (not wall-clock budgets) that the client held the first event before the fake
     * sent its last chunk, and most events before the last chunk left: a buffering proxy
     * delivers nothing until then.
     */
    async function streamTimed(path: string, body: unknown, chunks: string[]): Promise<{ events: ReceivedEvent[]; bytes: Buffer }> {
      fake.reply(() => ({ chunks, delayMs }));
      const response = await post(proxy, path, body);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const received = await readEvents(response);
      const sent = sendTimes[sendTimes.length - 1]!;
      assert.equal(sent.length, chunks.length);
      const lastSent = sent[sent.length - 1]!;
      const first = received.events[0]!;
      assert.ok(first.at < lastSent, `the first event arrived ${(first.at - lastSent).toFixed(1)} ms after the upstream's last chunk was sent`);
      const early = received.events.filter((event) => event.at < lastSent).length;
      assert.ok(early >= Math.floor(received.events.length / 2), `only ${early} of ${received.events.length} events arrived before the last chunk was sent`);
      return received;
    }

    it('passthrough Anthropic: exactly the events sent, byte for byte', async () => {
      const chunks = anthropicEvents({ model: 'claude-sonnet-4-5', text: 'The quick brown fox jumps over the lazy dog.' });
      const { events, bytes } = await streamTimed('/v1/messages', anthropicRequest(providerModels.anthropic), chunks);
      assert.equal(events.length, chunks.length);
      assert.equal(chunks.length, 10);
      assert.equal(bytes.toString('utf8'), chunks.join(''));
      const record = await recordOfThisTest();
      assert.equal(record.passthrough, true);
      assert.equal(record.status, 200);
    });

    it('passthrough OpenAI Chat (groq): exactly the events sent, byte for byte', async () => {
      const chunks = chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: 'The quick brown fox jumps over the lazy dog.', usage });
      // The client asks for usage itself, so nothing needs hiding: the bytes pass untouched.
      const request = { ...chatRequest(providerModels['openai-chat']), stream_options: { include_usage: true } };
      const { events, bytes } = await streamTimed('/v1/chat/completions', request, chunks);
      assert.equal(events.length, chunks.length);
      assert.equal(chunks.length, 8);
      assert.equal(bytes.toString('utf8'), chunks.join(''));
    });

    it('translated Anthropic client → groq: the Messages API full event sequence', async () => {
      const chunks = chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: 'The quick brown fox jumps over the lazy dog.', usage });
      const { events } = await streamTimed('/v1/messages', anthropicRequest(providerModels['openai-chat']), chunks);
      assert.deepEqual(events.map(eventName), [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      const record = await recordOfThisTest();
      assert.equal(record.passthrough, false);
      assert.equal(record.inputTokens, usage.prompt);
      assert.equal(record.outputTokens, usage.completion);
    });

    it('translated OpenAI Chat client → anthropic: the Chat Completions full chunk sequence', async () => {
      const chunks = anthropicEvents({ model: 'claude-sonnet-4-5', text: 'The quick brown fox jumps over the lazy dog.' });
      const { events } = await streamTimed('/v1/chat/completions', chatRequest(providerModels.anthropic), chunks);
      // No usage chunk: the client did not ask for one with stream_options.include_usage.
      assert.deepEqual(events.map(eventName), [
        'delta:role,content',
        'delta:content',
        'delta:content',
        'delta:content',
        'delta:content',
        'finish:stop',
        '[DONE]',
      ]);
    });
  });

  describe('chunks split inside events, CRLFs and multi-byte characters', () => {
    const delayMs = 1;

    it('passthrough Anthropic: the bytes arrive identical and usage is still read', async () => {
      const text = anthropicEvents({ model: 'claude-sonnet-4-5', text: awkwardText, usage: { input: 30, output: 12, cacheRead: 8 } }).join('');
      const chunks = splitAwkwardly(text);
      assert.ok(chunks.length > 20, `only ${chunks.length} chunks`);
      fake.reply(() => ({ chunks, delayMs }));
      const response = await post(proxy, '/v1/messages', anthropicRequest(providerModels.anthropic));
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.ok(bytes.equals(Buffer.from(text, 'utf8')), 'the bytes changed on the way');
      const record = await recordOfThisTest();
      assert.equal(record.inputTokens, 38);
      assert.equal(record.cacheReadTokens, 8);
      assert.equal(record.outputTokens, 12);
    });

    it('passthrough Gemini (CRLF framing): the bytes arrive identical and usage is still read', async () => {
      const text = geminiChunks({ model: 'gemini-2.5-flash', text: awkwardText, usage: { prompt: 33, candidates: 14 } }).join('');
      const chunks = splitAwkwardly(text);
      fake.reply(() => ({ chunks, delayMs }));
      const response = await post(proxy, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', {
        contents: [{ role: 'user', parts: [{ text: 'Say something.' }] }],
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.ok(bytes.equals(Buffer.from(text, 'utf8')), 'the bytes changed on the way');
      const record = await recordOfThisTest();
      assert.equal(record.passthrough, true);
      assert.equal(record.inputTokens, 33);
      assert.equal(record.outputTokens, 14);
    });

    it('translated groq → Anthropic SDK: the text arrives intact', async () => {
      const chunks = splitAwkwardly(chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: awkwardText, usage }).join(''));
      fake.reply(() => ({ chunks, delayMs }));
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
      const message = await client.messages
        .stream({ model: providerModels['openai-chat'], max_tokens: 256, messages: [{ role: 'user', content: 'Say something.' }] })
        .finalMessage();
      assert.deepEqual(message.content, [{ type: 'text', text: awkwardText }]);
      assert.equal(message.usage.output_tokens, usage.completion);
    });

    it('translated Gemini (CRLF) → OpenAI SDK: the text arrives intact', async () => {
      const chunks = splitAwkwardly(geminiChunks({ model: 'gemini-2.5-flash', text: awkwardText, usage: { prompt: 33, candidates: 14 } }).join(''));
      fake.reply(() => ({ chunks, delayMs }));
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: providerModels.gemini,
        stream: true,
        messages: [{ role: 'user', content: 'Say something.' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, awkwardText);
    });

    it('translated anthropic → Gemini SDK: the text arrives intact', async () => {
      const chunks = splitAwkwardly(anthropicEvents({ model: 'claude-sonnet-4-5', text: awkwardText }).join(''));
      fake.reply(() => ({ chunks, delayMs }));
      const client = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: proxy.url, retryOptions: { attempts: 1 } } });
      const stream = await client.models.generateContentStream({ model: providerModels.anthropic, contents: 'Say something.' });
      let text = '';
      for await (const response of stream) text += response.text ?? '';
      assert.equal(text, awkwardText);
    });
  });

  describe('a whole JSON answer to a streaming translated request', () => {
    // Some OpenAI-compatible servers (older vLLM and llama.cpp builds, some gateways) ignore
    // `stream: true` and answer with one chat.completion body.
    const jsonReply = (): FakeReply => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: awkwardText, usage }) });

    it('Anthropic SDK still gets a valid stream with text and usage', async () => {
      fake.reply(jsonReply);
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
      const stream = client.messages.stream({ model: providerModels['openai-chat'], max_tokens: 256, messages: [{ role: 'user', content: 'Say something.' }] });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      const message = await stream.finalMessage();
      assert.deepEqual(types, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      assert.deepEqual(message.content, [{ type: 'text', text: awkwardText }]);
      assert.equal(message.stop_reason, 'end_turn');
      assert.equal(message.usage.input_tokens, usage.prompt);
      assert.equal(message.usage.output_tokens, usage.completion);
      assert.equal(fake.last.json.stream, true);
      const record = await recordOfThisTest();
      assert.equal(record.stream, true);
      assert.equal(record.outputTokens, usage.completion);
    });

    it('Gemini SDK still gets a valid stream with text and usage', async () => {
      fake.reply(jsonReply);
      const client = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: proxy.url, retryOptions: { attempts: 1 } } });
      const stream = await client.models.generateContentStream({ model: providerModels['openai-chat'], contents: 'Say something.' });
      let text = '';
      let finishReason: string | undefined;
      let promptTokens: number | undefined;
      for await (const response of stream) {
        text += response.text ?? '';
        finishReason = response.candidates?.[0]?.finishReason ?? finishReason;
        promptTokens = response.usageMetadata?.promptTokenCount ?? promptTokens;
      }
      assert.equal(text, awkwardText);
      assert.equal(finishReason, 'STOP');
      assert.equal(promptTokens, usage.prompt);
    });
  });

  describe('usage on passthrough OpenAI Chat streams', () => {
    const reply = (): FakeReply => ({ chunks: chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage }) });

    it('asks the provider for usage when the client did not, and records it', async () => {
      fake.reply(reply);
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: providerModels['openai-chat'],
        stream: true,
        messages: [{ role: 'user', content: 'Say something.' }],
      });
      let text = '';
      const usageChunks: Array<OpenAI.CompletionUsage | null | undefined> = [];
      let chunkCount = 0;
      for await (const chunk of stream) {
        chunkCount++;
        if (chunk.choices.length === 0) usageChunks.push(chunk.usage);
        // Every chunk the client sees has a choice: code reading choices[0] without `?.` is safe.
        text += chunk.choices[0]!.delta.content ?? '';
      }
      assert.equal(text, 'Hello there.');
      assert.equal(chunkCount, 6);
      assert.equal(usageChunks.length, 0, 'the usage chunk Switchyard asked for is not shown to a client that did not');
      assert.deepEqual(fake.last.json.stream_options, { include_usage: true });
      assert.equal(fake.last.json.model, 'llama-3.3-70b-versatile');
      const record = await recordOfThisTest();
      assert.equal(record.passthrough, true);
      assert.equal(record.inputTokens, usage.prompt);
      assert.equal(record.outputTokens, usage.completion);
    });

    it("the SDK's stream helper accepts the extra usage chunk", async () => {
      fake.reply(reply);
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const completion = await client.chat.completions
        .stream({ model: providerModels['openai-chat'], messages: [{ role: 'user', content: 'Say something.' }] })
        .finalChatCompletion();
      assert.equal(completion.choices[0]!.message.content, 'Hello there.');
      assert.equal(completion.choices[0]!.finish_reason, 'stop');
      assert.deepEqual(fake.last.json.stream_options, { include_usage: true });
    });

    it('turns include_usage false into true and keeps the rest of the body', async () => {
      fake.reply(reply);
      const body = { ...chatRequest(providerModels['openai-chat']), temperature: 0.25, stream_options: { include_usage: false } };
      const response = await post(proxy, '/v1/chat/completions', body);
      await response.text();
      assert.deepEqual(fake.last.json, { ...body, model: 'llama-3.3-70b-versatile', stream_options: { include_usage: true } });
      const record = await recordOfThisTest();
      assert.equal(record.inputTokens, usage.prompt);
    });

    it('leaves a body that already asks for usage as sent, but for the routed model name', async () => {
      fake.reply(reply);
      const text = `{"model":"${providerModels['openai-chat']}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say something."}]}`;
      const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      await response.text();
      assert.equal(fake.last.raw.toString('utf8'), text.replace(providerModels['openai-chat'], 'llama-3.3-70b-versatile'));
    });
  });
});
