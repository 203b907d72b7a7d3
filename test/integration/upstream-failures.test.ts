import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import { FakeUpstream, type FakeReply } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson, openAiErrorJson } from '../fakes/openai-chat-replies';
import { anthropicErrorJson, anthropicEvents } from '../fakes/anthropic-replies';
import { TestProxy, assertNoKeys } from './harness';
import { SseParser } from '../../proxy/sse/sse-parser';
import { UsageTap } from '../../proxy/passthrough/usage-tap';
import { providerModels, useFake } from './fake-providers';

/**
 * What a client sees when the provider fails: error statuses, a stream cut midway, a client
 * that gives up, a provider that cannot be reached. Each client must get the failure in its
 * own API's shape (so its SDK raises its own error class), and the record must say what
 * happened.
 */

const groqRateLimit =
  'Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01hq` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5800, Requested 420. Please try again in 2.2s.';
const cutMessage = (provider: string) => `${provider} closed the stream before it was complete.`;
const closedByClient = 'The client closed the connection before the response was complete.';

/** Resolves with `promise`, or fails the test after `milliseconds` saying what did not happen. */
async function within<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${milliseconds} ms`)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `action` and returns what it threw, failing the test if it threw nothing. */
async function thrown(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error, got none');
}

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The first `count` events of a stream, then a cut. FakeUpstream corks each write until the
 * next tick, so a chunk written in the same tick as the cut never leaves it: the trailing
 * empty chunk (after its delay) lets every real one go out first.
 */
function cutAfter(events: string[], count: number): FakeReply {
  return { chunks: [...events.slice(0, count), ''], delayMs: 1, cut: true };
}

const weatherText = 'It is 21 °C and sunny in Paris — a fine day for a walk.';
const chatEvents = chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: weatherText, usage: { prompt: 30, completion: 15 } });
const anthropicStream = anthropicEvents({ model: 'claude-sonnet-4-5', text: weatherText });
/** The text pieces the fakes send: each splits the text in four by code point. */
const textPieces = (() => {
  const characters = Array.from(weatherText);
  const size = Math.ceil(characters.length / 4);
  return [0, 1, 2, 3].map((index) => characters.slice(index * size, (index + 1) * size).join(''));
})();
const firstTwoPieces = textPieces[0]! + textPieces[1]!;

describe('upstream failures through the proxy', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let deadPort: number;
  let recordsBefore = 0;
  /** The record of the one proxy call each test makes (counted before it, since it may land before we ask). */
  const recordOfThisTest = () => within(proxy.record(recordsBefore + 1), 2000, 'no record was written');

  const openai = () => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  const anthropic = () => new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
  const gemini = () => new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: proxy.url, retryOptions: { attempts: 1 } } });
  const question = 'What is the weather in Paris?';

  before(async () => {
    fake = await FakeUpstream.start();
    deadPort = await closedPort();
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      // Loopback providers need no key; nothing listens on their port.
      config.providers.deadchat = { type: 'openai-compatible', baseUrl: `http://127.0.0.1:${deadPort}/v1` };
      config.providers.deadclaude = { type: 'anthropic', baseUrl: `http://127.0.0.1:${deadPort}` };
    });
  });
  beforeEach(() => {
    recordsBefore = proxy.records.length;
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  describe('error statuses from the provider', () => {
    const rateLimited = (): FakeReply => ({
      status: 429,
      headers: { 'retry-after': '3' },
      json: openAiErrorJson(groqRateLimit, 'tokens', 'rate_limit_exceeded'),
    });

    it('429, passthrough OpenAI Chat → groq: openai.RateLimitError with groq’s message and Retry-After', async () => {
      fake.reply(rateLimited);
      const error = await thrown(() => openai().chat.completions.create({ model: providerModels['openai-chat'], messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof OpenAI.RateLimitError, `got ${String(error)}`);
      assert.equal(error.status, 429);
      assert.equal(error.message, `429 ${groqRateLimit}`);
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.equal(error.headers?.get('retry-after'), '3');
      const record = await recordOfThisTest();
      assert.equal(record.status, 429);
      assert.equal(record.passthrough, true);
      assert.equal(record.error, `groq: ${groqRateLimit}`);
    });

    it('429, translated Anthropic stream → groq: Anthropic.RateLimitError with groq’s message and Retry-After', async () => {
      fake.reply(rateLimited);
      const error = await thrown(() =>
        anthropic().messages.stream({ model: providerModels['openai-chat'], max_tokens: 256, messages: [{ role: 'user', content: question }] }).finalMessage(),
      );
      assert.ok(error instanceof Anthropic.RateLimitError, `got ${String(error)}`);
      assert.equal(error.status, 429);
      assert.deepEqual(error.error, { type: 'error', error: { type: 'rate_limit_error', message: `groq: ${groqRateLimit}` } });
      assert.equal(error.headers?.get('retry-after'), '3');
      const record = await recordOfThisTest();
      assert.equal(record.status, 429);
      assert.equal(record.passthrough, false);
      assert.equal(record.stream, true);
      assert.equal(record.error, `groq: ${groqRateLimit}`);
    });

    it('429, translated Gemini → groq: ApiError 429 RESOURCE_EXHAUSTED with a RetryInfo delay', async () => {
      fake.reply(rateLimited);
      const error = await thrown(() => gemini().models.generateContent({ model: providerModels['openai-chat'], contents: question }));
      assert.ok(error instanceof ApiError, `got ${String(error)}`);
      assert.equal(error.status, 429);
      assert.deepEqual(JSON.parse(error.message), {
        error: {
          code: 429,
          message: `groq: ${groqRateLimit}`,
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }],
        },
      });
      const record = await recordOfThisTest();
      assert.equal(record.status, 429);
    });

    it('500, passthrough Anthropic → anthropic: Anthropic.InternalServerError with Anthropic’s body as sent', async () => {
      const body = anthropicErrorJson('api_error', 'Internal server error');
      fake.reply(() => ({ status: 500, json: body }));
      const error = await thrown(() => anthropic().messages.create({ model: providerModels.anthropic, max_tokens: 256, messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof Anthropic.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 500);
      assert.deepEqual(error.error, body);
      const record = await recordOfThisTest();
      assert.equal(record.status, 500);
      assert.equal(record.error, 'anthropic: Internal server error');
    });

    it('500, translated OpenAI Chat stream → anthropic: openai.InternalServerError naming anthropic', async () => {
      fake.reply(() => ({ status: 500, json: anthropicErrorJson('api_error', 'Internal server error') }));
      const error = await thrown(() =>
        openai().chat.completions.create({ model: providerModels.anthropic, stream: true, messages: [{ role: 'user', content: question }] }),
      );
      assert.ok(error instanceof OpenAI.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 500);
      assert.equal(error.message, '500 anthropic: Internal server error');
      assert.equal(error.type, 'server_error');
      const record = await recordOfThisTest();
      assert.equal(record.status, 500);
      assert.equal(record.error, 'anthropic: Internal server error');
    });

    it('529 overloaded, passthrough Anthropic stream → anthropic: APIError 529 overloaded_error', async () => {
      fake.reply(() => ({ status: 529, json: anthropicErrorJson('overloaded_error', 'Overloaded') }));
      const error = await thrown(() =>
        anthropic().messages.stream({ model: providerModels.anthropic, max_tokens: 256, messages: [{ role: 'user', content: question }] }).finalMessage(),
      );
      assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
      assert.equal(error.status, 529);
      assert.equal(error.type, 'overloaded_error');
      const record = await recordOfThisTest();
      assert.equal(record.status, 529);
      assert.equal(record.error, 'anthropic: Overloaded');
    });

    it('529 overloaded, translated Gemini → anthropic: ApiError 503 UNAVAILABLE', async () => {
      fake.reply(() => ({ status: 529, json: anthropicErrorJson('overloaded_error', 'Overloaded') }));
      const error = await thrown(() => gemini().models.generateContent({ model: providerModels.anthropic, contents: question }));
      assert.ok(error instanceof ApiError, `got ${String(error)}`);
      assert.equal(error.status, 503);
      assert.deepEqual(JSON.parse(error.message), { error: { code: 503, message: 'anthropic: Overloaded', status: 'UNAVAILABLE' } });
    });
  });

  describe('the provider cuts the connection midway', () => {
    it('passthrough OpenAI Chat stream: everything before the cut, then an error chunk the SDK throws', async () => {
      fake.reply(() => cutAfter(chatEvents, 3));
      const stream = await openai().chat.completions.create({ model: providerModels['openai-chat'], stream: true, messages: [{ role: 'user', content: question }] });
      let text = '';
      const error = await thrown(async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      });
      assert.equal(text, firstTwoPieces);
      assert.ok(error instanceof OpenAI.APIError, `got ${String(error)}`);
      assert.equal(error.message, cutMessage('groq'));
      assert.equal(error.type, 'server_error');
      const record = await recordOfThisTest();
      assert.equal(record.status, 200);
      assert.equal(record.error, cutMessage('groq'));
    });

    it('passthrough Anthropic stream: the bytes before the cut as sent, then `event: error`', async () => {
      fake.reply(() => cutAfter(anthropicStream, 5));
      const response = await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: providerModels.anthropic, max_tokens: 256, stream: true, messages: [{ role: 'user', content: question }] }),
      });
      const errorEvent = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: cutMessage('anthropic') } })}\n\n`;
      assert.equal(await response.text(), anthropicStream.slice(0, 5).join('') + errorEvent);
      const record = await recordOfThisTest();
      assert.equal(record.status, 200);
      assert.equal(record.error, cutMessage('anthropic'));
    });

    it('passthrough Anthropic stream through the SDK: Anthropic.APIError of type api_error', async () => {
      fake.reply(() => cutAfter(anthropicStream, 5));
      const stream = anthropic().messages.stream({ model: providerModels.anthropic, max_tokens: 256, messages: [{ role: 'user', content: question }] });
      const error = await thrown(() => stream.finalMessage());
      assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
      assert.equal(error.type, 'api_error');
      assert.deepEqual(error.error, { type: 'error', error: { type: 'api_error', message: cutMessage('anthropic') } });
      assert.equal(stream.currentMessage?.content.map((block) => (block.type === 'text' ? block.text : '')).join(''), firstTwoPieces);
    });

    it('translated Anthropic stream → groq: the text before the cut, then Anthropic.APIError', async () => {
      fake.reply(() => cutAfter(chatEvents, 3));
      const stream = anthropic().messages.stream({ model: providerModels['openai-chat'], max_tokens: 256, messages: [{ role: 'user', content: question }] });
      let text = '';
      stream.on('text', (delta) => (text += delta));
      const error = await thrown(() => stream.finalMessage());
      assert.equal(text, firstTwoPieces);
      assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
      assert.equal(error.type, 'api_error');
      assert.deepEqual(error.error, { type: 'error', error: { type: 'api_error', message: cutMessage('groq') } });
      const record = await recordOfThisTest();
      assert.equal(record.status, 200);
      assert.equal(record.passthrough, false);
      assert.equal(record.error, cutMessage('groq'));
    });

    it('translated OpenAI Chat stream → anthropic: the text before the cut, then openai.APIError', async () => {
      fake.reply(() => cutAfter(anthropicStream, 5));
      const stream = await openai().chat.completions.create({ model: providerModels.anthropic, stream: true, messages: [{ role: 'user', content: question }] });
      let text = '';
      const error = await thrown(async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      });
      assert.equal(text, firstTwoPieces);
      assert.ok(error instanceof OpenAI.APIError, `got ${String(error)}`);
      assert.equal(error.message, cutMessage('anthropic'));
      const record = await recordOfThisTest();
      assert.equal(record.error, cutMessage('anthropic'));
    });

    it('translated Gemini stream → groq: ApiError from the error event', async () => {
      fake.reply(() => cutAfter(chatEvents, 3));
      const stream = await gemini().models.generateContentStream({ model: providerModels['openai-chat'], contents: question });
      let text = '';
      const error = await thrown(async () => {
        for await (const response of stream) text += response.text ?? '';
      });
      assert.equal(text, firstTwoPieces);
      assert.ok(error instanceof ApiError, `got ${String(error)}`);
      assert.ok(error.message.includes(cutMessage('groq')), error.message);
    });

    const halfJson = (json: unknown): FakeReply => {
      const text = JSON.stringify(json);
      return { headers: { 'content-type': 'application/json' }, chunks: [text.slice(0, text.length >> 1), ''], delayMs: 1, cut: true };
    };
    const cutAnswer = (provider: string) => `${provider} closed the connection before its answer was complete.`;

    it('passthrough OpenAI Chat, not streaming: a 502 in OpenAI’s shape, not a broken body', async () => {
      fake.reply(() => halfJson(chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: weatherText })));
      const error = await thrown(() => openai().chat.completions.create({ model: providerModels['openai-chat'], messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof OpenAI.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.equal(error.message, `502 ${cutAnswer('groq')}`);
      const record = await recordOfThisTest();
      assert.equal(record.status, 502);
      assert.equal(record.error, cutAnswer('groq'));
    });

    it('translated Anthropic → groq, not streaming: Anthropic.APIError 502 naming groq', async () => {
      fake.reply(() => halfJson(chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: weatherText })));
      const error = await thrown(() => anthropic().messages.create({ model: providerModels['openai-chat'], max_tokens: 256, messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof Anthropic.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.deepEqual(error.error, { type: 'error', error: { type: 'api_error', message: cutAnswer('groq') } });
      const record = await recordOfThisTest();
      assert.equal(record.status, 502);
      assert.equal(record.error, cutAnswer('groq'));
    });

    it('translated Anthropic stream → groq answering a cut JSON body: an error event, not an empty stream', async () => {
      fake.reply(() => halfJson(chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: weatherText })));
      const error = await thrown(() =>
        anthropic().messages.stream({ model: providerModels['openai-chat'], max_tokens: 256, messages: [{ role: 'user', content: question }] }).finalMessage(),
      );
      assert.ok(error instanceof Anthropic.APIError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.deepEqual(error.error, { type: 'error', error: { type: 'api_error', message: cutAnswer('groq') } });
    });

    it('translated, a 200 whose body is not JSON: a 502 naming the provider', async () => {
      fake.reply(() => ({ headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' }));
      const error = await thrown(() => openai().chat.completions.create({ model: providerModels.anthropic, messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof OpenAI.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.equal(error.message, '502 anthropic answered with a body that is not JSON.');
    });
  });

  describe('a client that gives up aborts the upstream request', () => {
    const hangAfter = (events: string[], count: number): FakeReply => ({ chunks: events.slice(0, count), delayMs: 1, hang: true });

    it('passthrough OpenAI Chat stream, fetch aborted after the first event', async () => {
      fake.reply(() => hangAfter(chatEvents, 2));
      const controller = new AbortController();
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: providerModels['openai-chat'], stream: true, messages: [{ role: 'user', content: question }] }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      const first = await reader.read();
      assert.ok(Buffer.from(first.value!).toString('utf8').startsWith(chatEvents[0]!.slice(0, 40)));
      controller.abort();
      await within(fake.last.aborted, 1000, 'the upstream request was not aborted');
      const record = await recordOfThisTest();
      assert.equal(record.status, 200);
      assert.equal(record.error, closedByClient);
    });

    it('translated Anthropic stream → groq, aborted through the SDK’s signal', async () => {
      fake.reply(() => hangAfter(chatEvents, 2));
      const controller = new AbortController();
      const stream = await anthropic().messages.create(
        { model: providerModels['openai-chat'], max_tokens: 256, stream: true, messages: [{ role: 'user', content: question }] },
        { signal: controller.signal },
      );
      const types: string[] = [];
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'content_block_delta') controller.abort();
      }
      assert.deepEqual(types, ['message_start', 'content_block_start', 'content_block_delta']);
      await within(fake.last.aborted, 1000, 'the upstream request was not aborted');
      const record = await recordOfThisTest();
      assert.equal(record.status, 200);
      assert.equal(record.error, closedByClient);
    });

    it('translated Gemini stream → anthropic, aborted with abortSignal', async () => {
      fake.reply(() => hangAfter(anthropicStream, 5));
      const controller = new AbortController();
      const stream = await gemini().models.generateContentStream({ model: providerModels.anthropic, contents: question, config: { abortSignal: controller.signal } });
      const texts: Array<string | undefined> = [];
      const error = await thrown(async () => {
        for await (const response of stream) {
          texts.push(response.text);
          controller.abort();
        }
      });
      // The SDK may still hand over what it had read before the abort; the first is the first piece.
      assert.equal(texts[0], textPieces[0]);
      assert.equal((error as Error).name, 'AbortError');
      await within(fake.last.aborted, 1000, 'the upstream request was not aborted');
      const record = await recordOfThisTest();
      assert.equal(record.error, closedByClient);
    });

    describe('a failure inside Switchyard while relaying aborts the upstream request too', () => {
      // Switchyard's own decoders do not throw on any input the tests know; a bug would. The
      // parser and the usage tap are made to throw on a marker the fake's stream carries. The
      // client must get an error event and the upstream be let go (the relay aborts it; before
      // that it was released some 100–300 ms later by undici, not by anything of Switchyard's).
      const marker = 'RELAYBUG';
      const markedChat = chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: `${marker} ${weatherText}`, usage: { prompt: 30, completion: 15 } });
      let restore: (() => void) | undefined;
      afterEach(() => restore?.());
      const throwOnMarker = <Owner extends object>(prototype: Owner, method: keyof Owner & string): void => {
        const original = prototype[method] as (chunk: Buffer) => unknown;
        (prototype as Record<string, unknown>)[method] = function (this: unknown, chunk: Buffer) {
          if (chunk.includes(marker)) throw new Error('a relay bug');
          return original.call(this, chunk);
        };
        restore = () => ((prototype as Record<string, unknown>)[method] = original);
      };

      for (const [where, count] of [
        ['in the first chunk', 2],
        ['in a later chunk', 3],
      ] as const) {
        it(`translated Anthropic stream → groq, ${where}`, async () => {
          // The marked text is the second event's; a later chunk needs an unmarked one first.
          const events = count === 2 ? markedChat : [chatEvents[0]!, chatEvents[1]!, markedChat[1]!];
          fake.reply(() => ({ chunks: events.slice(0, count), delayMs: 5, hang: true }));
          throwOnMarker(SseParser.prototype, 'push');
          const response = await fetch(`${proxy.url}/v1/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' },
            body: JSON.stringify({ model: providerModels['openai-chat'], max_tokens: 256, stream: true, messages: [{ role: 'user', content: question }] }),
          });
          const text = await within(response.text(), 2000, 'the client\'s stream did not end');
          assert.match(text, /event: error/);
          assert.match(text, /internal error/);
          await within(fake.last.aborted, 1000, 'the upstream request was not aborted');
        });
      }

      it('passthrough OpenAI Chat stream, in the first chunk', async () => {
        fake.reply(() => ({ chunks: markedChat.slice(0, 2), delayMs: 5, hang: true }));
        throwOnMarker(UsageTap.prototype, 'push');
        const response = await fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: providerModels['openai-chat'], stream: true, messages: [{ role: 'user', content: question }] }),
        });
        const text = await within(response.text(), 2000, 'the client\'s stream did not end');
        assert.match(text, /internal error/);
        await within(fake.last.aborted, 1000, 'the upstream request was not aborted');
      });
    });

    it('before the provider answered: the upstream request is aborted and the record says 499', async () => {
      let answer: (reply: FakeReply) => void = () => {};
      fake.reply(() => new Promise<FakeReply>((resolve) => (answer = resolve)));
      const controller = new AbortController();
      const pending = openai().chat.completions.create({ model: providerModels['openai-chat'], messages: [{ role: 'user', content: question }] }, { signal: controller.signal });
      const rejected = thrown(() => pending);
      const requestsBefore = fake.requests.length;
      await within(
        (async () => {
          while (fake.requests.length === requestsBefore) await new Promise((resolve) => setTimeout(resolve, 2));
        })(),
        1000,
        'the request did not reach the provider',
      );
      controller.abort();
      assert.ok((await rejected) instanceof OpenAI.APIUserAbortError);
      await within(fake.last.aborted, 1000, 'the upstream request was not aborted');
      answer({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: weatherText }) });
      const record = await recordOfThisTest();
      assert.equal(record.status, 499);
      assert.equal(record.error, closedByClient);
    });
  });

  describe('a provider that cannot be reached', () => {
    const unreachable = (provider: string) =>
      `Could not reach ${provider} at http://127.0.0.1:${deadPort} (ECONNREFUSED). Check the provider's baseUrl in the config and your network.`;

    it('passthrough OpenAI Chat: a 502 in OpenAI’s shape naming the provider', async () => {
      const error = await thrown(() => openai().chat.completions.create({ model: 'deadchat/llama-3.3-70b', messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof OpenAI.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.equal(error.message, `502 ${unreachable('deadchat')}`);
      assert.equal(error.type, 'server_error');
      const record = await recordOfThisTest();
      assert.equal(record.status, 502);
      assert.equal(record.error, unreachable('deadchat'));
      assertNoKeys(JSON.stringify(record));
    });

    it('passthrough Anthropic stream: a 502 api_error, no stack trace', async () => {
      const error = await thrown(() =>
        anthropic().messages.stream({ model: 'deadclaude/claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: question }] }).finalMessage(),
      );
      assert.ok(error instanceof Anthropic.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.deepEqual(error.error, { type: 'error', error: { type: 'api_error', message: unreachable('deadclaude') } });
    });

    it('translated Anthropic → an unreachable OpenAI-compatible provider: a 502 api_error', async () => {
      const error = await thrown(() => anthropic().messages.create({ model: 'deadchat/llama-3.3-70b', max_tokens: 256, messages: [{ role: 'user', content: question }] }));
      assert.ok(error instanceof Anthropic.InternalServerError, `got ${String(error)}`);
      assert.equal(error.status, 502);
      assert.deepEqual(error.error, { type: 'error', error: { type: 'api_error', message: unreachable('deadchat') } });
      const record = await recordOfThisTest();
      assert.equal(record.status, 502);
    });

    it('translated Gemini: an ApiError naming the provider', async () => {
      const error = await thrown(() => gemini().models.generateContent({ model: 'deadchat/llama-3.3-70b', contents: question }));
      assert.ok(error instanceof ApiError, `got ${String(error)}`);
      // An unreachable provider is UNAVAILABLE in Google's error model, with the gateway's 502.
      assert.equal(error.status, 502);
      assert.deepEqual(JSON.parse(error.message), { error: { code: 502, message: unreachable('deadchat'), status: 'UNAVAILABLE' } });
    });
  });
});
