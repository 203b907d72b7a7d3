import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { parseConfig } from '../../proxy/config/load-config';
import { FakeUpstream, type FakeReply } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy } from './harness';
import { useFake } from './fake-providers';

/** Answers each request with the next reply of the script, the last one for good. */
function script(fake: FakeUpstream, replies: FakeReply[]): void {
  let index = 0;
  fake.reply(() => replies[Math.min(index++, replies.length - 1)]!);
}

const ok: FakeReply = { json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'fine', usage: { prompt: 5, completion: 2 } }) };
const rateLimited = (retryAfter: string): FakeReply => ({ status: 429, headers: { 'retry-after': retryAfter }, json: { error: { message: 'Rate limit reached', type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' } } });
const overloaded: FakeReply = { status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };

describe('a model addressed directly gets the retry policy every call gets', function () {
  this.timeout(20_000);
  let fake: FakeUpstream;

  before(async () => {
    fake = await FakeUpstream.start();
  });
  after(() => fake.close());

  it('a 429 with Retry-After: 1, then 200: the client gets the 200, after at least a second', async () => {
    const proxy = await TestProxy.start((config) => useFake(config, fake));
    try {
      script(fake, [rateLimited('1'), ok]);
      const before = fake.requests.length;
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const started = Date.now();
      const completion = await client.chat.completions.create({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(Date.now() - started >= 1000, `answered after ${Date.now() - started} ms`);
      assert.equal(completion.choices[0]?.message.content, 'fine');
      assert.equal(fake.requests.length - before, 2);
      const record = await proxy.record(1);
      assert.equal(record.status, 200);
      assert.deepEqual(record.decision?.attempts.map((attempt) => [attempt.status, attempt.outcome]), [[429, 'failed'], [200, 'won']]);
      assert.equal(record.decision?.attempts[0]?.retryDelayMs, 1000);
    } finally {
      await proxy.close();
    }
  });

  it('"retry": {"attempts": 1} turns it off: the provider’s 429 goes to the client as is', async () => {
    const proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.retry = parseConfig({ retry: { attempts: 1 } }).retry;
    });
    try {
      script(fake, [rateLimited('1'), ok]);
      const before = fake.requests.length;
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      await assert.rejects(client.chat.completions.create({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => error instanceof OpenAI.RateLimitError);
      assert.equal(fake.requests.length - before, 1);
    } finally {
      await proxy.close();
    }
  });

  it('a Retry-After beyond maxDelayMs is not waited for: the client hears the provider and when to come back', async () => {
    const proxy = await TestProxy.start((config) => useFake(config, fake));
    try {
      script(fake, [rateLimited('120'), ok]);
      const before = fake.requests.length;
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      await assert.rejects(client.chat.completions.create({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => error instanceof OpenAI.RateLimitError && error.headers.get('retry-after') === '120');
      assert.equal(fake.requests.length - before, 1);
    } finally {
      await proxy.close();
    }
  });

  it('a single-provider user is never refused by Switchyard’s breaker: after many 529s the provider’s own answer comes through', async () => {
    const proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.retry = { ...config.retry, baseDelayMs: 0 };
    });
    try {
      script(fake, [overloaded]);
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
      const ask = () => client.messages.create({ model: 'anthropic/claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
      // Five calls of two attempts each: far past the breaker's threshold of five failures.
      for (let call = 0; call < 5; call++) await assert.rejects(ask(), (error: unknown) => error instanceof Anthropic.APIError && error.status === 529);
      assert.equal(proxy.runtime.reliability.breakers.state('anthropic/claude-sonnet-4-6'), 'open');
      script(fake, [{ json: anthropicMessageJson({ model: 'claude-sonnet-4-6', text: 'back', usage: { input: 5, output: 2 } }) }]);
      const message = await ask();
      assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'back');
    } finally {
      await proxy.close();
    }
  });
});
