import assert from 'node:assert/strict';
import { keyIdOf } from '../../proxy/core/principal';
import http from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy, assertNoKeys } from './harness';
import { useFake, weatherReply } from './fake-providers';
import { recordOf } from './routing-providers';

/** A raw request with full control of Host and other headers. */
function rawRequest(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('requests the proxy refuses, each in the client API’s own error shape', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.maxBodyBytes = 4096;
      config.aliases.fast = 'groq/llama-3.3-70b-versatile';
    });
    openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('malformed JSON: OpenAI 400 invalid_request_error', async () => {
    const response = await rawRequest(proxy.url, { path: '/v1/chat/completions', headers: { host: 'localhost', 'content-type': 'application/json' }, body: '{"model": "gpt-4o",' });
    assert.equal(response.status, 400);
    const body = JSON.parse(response.text);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /not valid JSON/);
    assert.doesNotMatch(response.text, /at .*\.ts:\d+/);
  });

  it('malformed JSON: Anthropic error envelope', async () => {
    const response = await rawRequest(proxy.url, { path: '/v1/messages', headers: { host: 'localhost', 'content-type': 'application/json' }, body: 'nope' });
    assert.equal(response.status, 400);
    const body = JSON.parse(response.text);
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
  });

  it('unknown model: the SDK raises NotFoundError naming how to address a model', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'mystery-model-9', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && /provider\/model/.test(error.message) && /aliases/.test(error.message),
    );
    await assert.rejects(
      anthropic.messages.create({ model: 'mystery-model-9', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => error instanceof Anthropic.NotFoundError && /mystery-model-9/.test(error.message),
    );
  });

  it('missing provider key: 401 naming the environment variable', async () => {
    const keyless = await TestProxy.start((config) => useFake(config, fake), {});
    try {
      const client = new OpenAI({ baseURL: `${keyless.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      // Translated (chat client → Anthropic), so the client's own credential cannot be used.
      await assert.rejects(
        client.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => error instanceof OpenAI.AuthenticationError && /ANTHROPIC_API_KEY/.test(error.message),
      );
    } finally {
      await keyless.close();
    }
  });

  it('without a provider key, a passthrough call carries the client credential to its own API', async () => {
    const keyless = await TestProxy.start((config) => useFake(config, fake), {});
    try {
      const client = new Anthropic({ baseURL: keyless.url, apiKey: 'sk-ant-client-own-credential', maxRetries: 0 });
      await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'sunny?' }] });
      // The Anthropic SDK 1.x sends its key as a Bearer token; it goes on exactly as sent.
      assert.equal(fake.last.headers.authorization, 'Bearer sk-ant-client-own-credential');
    } finally {
      await keyless.close();
    }
  });

  it('oversized body: 413 in the client format, naming maxBodyBytes', async () => {
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }),
      (error: unknown) => error instanceof Anthropic.APIError && error.status === 413 && /maxBodyBytes/.test(error.message),
    );
  });

  it('foreign Host (DNS rebinding) is refused; loopback names pass', async () => {
    const refused = await rawRequest(proxy.url, { method: 'GET', path: '/v1/models', headers: { host: 'evil.example.com' } });
    assert.equal(refused.status, 403);
    assert.match(JSON.parse(refused.text).error.message, /loopback/);
    for (const host of ['localhost:4141', '127.0.0.1', '[::1]:80']) {
      const allowed = await rawRequest(proxy.url, { method: 'GET', path: '/v1/models', headers: { host } });
      assert.equal(allowed.status, 200, host);
    }
  });

  it('browser origins are refused and no permissive CORS header is ever sent', async () => {
    const preflight = await rawRequest(proxy.url, { method: 'OPTIONS', path: '/v1/chat/completions', headers: { host: 'localhost', origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const simple = await rawRequest(proxy.url, { path: '/v1/chat/completions', headers: { host: 'localhost', origin: 'https://evil.example.com', 'content-type': 'text/plain' }, body: '{"model":"fast","messages":[]}' });
    assert.equal(simple.status, 403);
    const before = fake.requests.length;
    assert.equal(fake.requests.length, before, 'nothing reached the provider');
  });

  it('an unknown path gets a JSON 404 in the path’s format', async () => {
    const response = await rawRequest(proxy.url, { method: 'GET', path: '/v1/files', headers: { host: 'localhost' } });
    assert.equal(response.status, 404);
    assert.match(JSON.parse(response.text).error.message, /no endpoint GET \/v1\/files/);
  });

  it('HEAD / answers 200 (Claude Code probes it)', async () => {
    const response = await rawRequest(proxy.url, { method: 'HEAD', path: '/', headers: { host: 'localhost' } });
    assert.equal(response.status, 200);
  });

  it('errors from the provider never carry the provider key', async () => {
    fake.reply(() => ({ status: 401, json: { error: { message: `Incorrect API key provided: ${'gsk-test-groq-0000000000000004'}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } }));
    try {
      const response = await rawRequest(proxy.url, { path: '/v1/chat/completions', headers: { host: 'localhost', 'content-type': 'application/json' }, body: '{"model":"fast","messages":[{"role":"user","content":"hi"}]}' });
      assert.equal(response.status, 401);
      assertNoKeys(response.text);
      assert.match(response.text, /…0004/);
      const record = await recordOf(proxy, String(response.headers['x-switchyard-request-id']));
      assertNoKeys(JSON.stringify(record));
    } finally {
      fake.reply(weatherReply);
    }
  });

  describe('with a local access key', () => {
    let guarded: TestProxy;
    before(async () => {
      guarded = await TestProxy.start((config) => {
        useFake(config, fake);
        config.accessKeys = ['sy-local-key-123456'];
      });
    });
    after(() => guarded.close());

    it('refuses a client without the key, in its format', async () => {
      const client = new Anthropic({ baseURL: guarded.url, apiKey: 'wrong', maxRetries: 0 });
      await assert.rejects(
        client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => error instanceof Anthropic.AuthenticationError && /not a local key of this Switchyard/.test(error.message) && /accessKeys/.test(error.message),
      );
    });

    it('accepts the key as Bearer, x-api-key or x-goog-api-key, and records which key by its id, never the key', async () => {
      const client = new Anthropic({ baseURL: guarded.url, apiKey: 'sy-local-key-123456', maxRetries: 0 });
      await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'sunny?' }] });
      assert.equal(fake.last.headers['x-api-key'], 'sk-ant-test-0000000000000002', 'the provider got the stored key, not the local one');
      const record = await guarded.record(1);
      assert.equal(record.keyId, keyIdOf('sy-local-key-123456'));
      assert.match(record.keyId!, /^key_[0-9a-f]{16}$/);
      assert.equal(record.clientKey, undefined);
      assert.ok(!JSON.stringify(record).includes('123456'), 'no part of the key is recorded');
      const openaiClient = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'sy-local-key-123456', maxRetries: 0 });
      const models = await openaiClient.models.list();
      assert.ok(models.data.length > 0);
    });
  });
});
