import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import type { ProviderInfo, ProvidersResponse, ProviderTestResult } from '../../proxy/control/protocol';
import { control, EventStream } from './control-client';
import { assertNoKeys, testKeys, TestProxy } from './harness';

/**
 * Provider keys and the client key over the control API: set in memory, winning over the
 * environment, surviving config reloads, never echoed beyond their last four characters; and
 * the key test against fake providers.
 */

const setKey = 'sk-set-over-control-api-7f3e';
const chatBody = (model: string) => ({ model, messages: [{ role: 'user', content: 'ping' }] });

async function chat(proxy: TestProxy, model: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(chatBody(model)) });
  return { status: response.status, json: await response.json() };
}

function providerOf(body: ProvidersResponse, id: string): ProviderInfo {
  const found = body.providers.find((provider) => provider.id === id);
  assert.ok(found, `no provider ${id}`);
  return found;
}

describe('control API: provider keys', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    proxy = await TestProxy.start(
      (config) => {
        config.providers.openai = { baseUrl: fake.url('/v1') };
        config.providers.cerebras = { baseUrl: fake.url('/v1') };
        config.providers.anthropic = { baseUrl: fake.url('') };
        config.providers.gemini = { baseUrl: fake.url('/v1beta') };
        config.providers.nowhere = { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' };
        config.providers.local = { type: 'openai-compatible', baseUrl: fake.url('/v1') };
      },
      { ...testKeys },
      {},
      { probeTimeoutMs: 300 },
    );
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.reply(() => ({ json: chatCompletionJson({ model: 'served', text: 'pong', usage: { prompt: 3, completion: 1 } }) }));
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('needs the control token', async () => {
    assert.equal((await control(proxy, 'GET', '/providers', undefined, {})).status, 401);
    const wrong = await control(proxy, 'PUT', '/providers/openai/key', { apiKey: setKey }, { authorization: 'Bearer not-the-token' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.type, 'authentication_error');
    assert.equal(providerOf((await control(proxy, 'GET', '/providers')).json, 'openai').keySource, 'environment');
  });

  it('lists presets and config providers with where their key comes from, showing only its last four characters', async () => {
    const answer = await control(proxy, 'GET', '/providers');
    assert.equal(answer.status, 200);
    assertNoKeys(answer.text);
    const body = answer.json as ProvidersResponse;
    assert.deepEqual(providerOf(body, 'openai'), {
      id: 'openai',
      kind: 'openai',
      baseUrl: fake.url('/v1'),
      preset: true,
      keySource: 'environment',
      keyHint: '…0001',
      apiKeyEnv: ['OPENAI_API_KEY'],
      keyRequired: true,
    });
    assert.deepEqual(providerOf(body, 'cerebras'), { id: 'cerebras', kind: 'openai-compatible', baseUrl: fake.url('/v1'), preset: true, keySource: 'none', apiKeyEnv: ['CEREBRAS_API_KEY'], keyRequired: true });
    assert.equal(providerOf(body, 'ollama').keyRequired, false);
    const local = providerOf(body, 'local');
    assert.equal(local.preset, false);
    assert.equal(local.keyRequired, false, 'a custom provider on a loopback URL takes no key');
    assert.deepEqual(local.apiKeyEnv, ['LOCAL_API_KEY']);
  });

  it('a key set over the control API is used at once, wins over the environment, and goes back to it when removed', async () => {
    const set = await control(proxy, 'PUT', '/providers/openai/key', { apiKey: setKey });
    assert.equal(set.status, 200);
    assert.equal(set.json.keySource, 'control');
    assert.equal(set.json.keyHint, '…7f3e');
    assert.doesNotMatch(set.text, /sk-set-over/);
    assert.equal((await chat(proxy, 'openai/gpt-5')).status, 200);
    assert.equal(fake.last.headers.authorization, `Bearer ${setKey}`);

    const removed = await control(proxy, 'DELETE', '/providers/openai/key');
    assert.equal(removed.status, 200);
    assert.equal(removed.json.keySource, 'environment');
    assert.equal(removed.json.keyHint, '…0001');
    await chat(proxy, 'openai/gpt-5');
    assert.equal(fake.last.headers.authorization, `Bearer ${testKeys.OPENAI_API_KEY}`);
  });

  it('gives a provider without any key one, and takes it away again', async () => {
    const before = await chat(proxy, 'cerebras/llama3.1-8b');
    assert.equal(before.status, 401);
    assert.match(before.json.error.message, /Switchyard: Set Provider Key/);
    await control(proxy, 'PUT', '/providers/cerebras/key', { apiKey: '  csk-pasted-with-spaces-9a9a \n' });
    assert.equal((await chat(proxy, 'cerebras/llama3.1-8b')).status, 200);
    assert.equal(fake.last.headers.authorization, 'Bearer csk-pasted-with-spaces-9a9a', 'the key is trimmed');
    const removed = await control(proxy, 'DELETE', '/providers/cerebras/key');
    assert.equal(removed.json.keySource, 'none');
    assert.equal(removed.json.keyHint, undefined);
    assert.equal((await chat(proxy, 'cerebras/llama3.1-8b')).status, 401);
  });

  it('logs a key change with its last four characters only', async () => {
    const events = await EventStream.open(proxy);
    try {
      await control(proxy, 'PUT', '/providers/groq/key', { apiKey: 'gsk-log-test-key-4242' });
      const log = await events.next('log');
      assert.match(log.data.message, /provider key for groq set over the control API \(…4242\)/);
      assert.equal(typeof log.data.time, 'number');
      assert.doesNotMatch(JSON.stringify(log.data), /gsk-log-test/);
    } finally {
      events.close();
      await control(proxy, 'DELETE', '/providers/groq/key');
    }
  });

  it('refuses an unknown provider, naming the known ones, and bad bodies, changing nothing', async () => {
    const unknown = await control(proxy, 'PUT', '/providers/opnai/key', { apiKey: setKey });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.type, 'not_found_error');
    assert.match(unknown.json.error.message, /There is no provider 'opnai'\. Known providers: openai, anthropic, gemini, .*local/);
    assert.equal((await control(proxy, 'DELETE', '/providers/opnai/key')).status, 404);
    assert.equal((await control(proxy, 'POST', '/providers/opnai/test')).status, 404);

    const malformed = await control(proxy, 'PUT', '/providers/openai/key', '{"apiKey": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.type, 'invalid_request_error');
    assert.match(malformed.json.error.message, /not valid JSON/);
    for (const body of [{}, { apiKey: '' }, { apiKey: 42 }, { apiKey: 'two words' }, [setKey]]) {
      const refused = await control(proxy, 'PUT', '/providers/openai/key', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
    }
    assert.equal(providerOf((await control(proxy, 'GET', '/providers')).json, 'openai').keySource, 'environment');
  });

  describe('POST /providers/:id/test', () => {
    it('lists OpenAI models with the key in force and says how many', async () => {
      fake.reply(() => ({ json: { object: 'list', data: [{ id: 'gpt-5' }, { id: 'gpt-5-mini' }, { id: 'gpt-4.1' }] } }));
      const answer = await control(proxy, 'POST', '/providers/openai/test');
      assert.equal(answer.status, 200);
      const result = answer.json as ProviderTestResult;
      assert.equal(result.ok, true);
      assert.equal(result.status, 200);
      assert.equal(typeof result.latencyMs, 'number');
      assert.equal(result.message, 'openai accepted the key …0001 (3 models).');
      assert.equal(fake.last.method, 'GET');
      assert.equal(fake.last.url, '/v1/models');
      assert.equal(fake.last.headers.authorization, `Bearer ${testKeys.OPENAI_API_KEY}`);
    });

    it('tests a key given in the body without storing it', async () => {
      fake.reply(() => ({ json: { data: [{ id: 'a' }] } }));
      const result = (await control(proxy, 'POST', '/providers/cerebras/test', { apiKey: 'csk-candidate-key-5151' })).json as ProviderTestResult;
      assert.equal(result.ok, true);
      assert.equal(result.message, 'cerebras accepted the key …5151 (1 model).');
      assert.equal(fake.last.headers.authorization, 'Bearer csk-candidate-key-5151');
      assert.equal(providerOf((await control(proxy, 'GET', '/providers')).json, 'cerebras').keySource, 'none');
    });

    it('calls Anthropic with x-api-key and the API version', async () => {
      fake.reply(() => ({ json: { data: [{ type: 'model', id: 'claude-sonnet-4-6' }], has_more: false } }));
      const result = (await control(proxy, 'POST', '/providers/anthropic/test')).json as ProviderTestResult;
      assert.equal(result.ok, true);
      assert.equal(fake.last.url, '/v1/models?limit=1000');
      assert.equal(fake.last.headers['x-api-key'], testKeys.ANTHROPIC_API_KEY);
      assert.equal(fake.last.headers['anthropic-version'], '2023-06-01');
      assert.equal(fake.last.headers.authorization, undefined);
    });

    it('calls Gemini with x-goog-api-key', async () => {
      fake.reply(() => ({ json: { models: [{ name: 'models/gemini-2.5-flash' }, { name: 'models/gemini-2.5-pro' }] } }));
      const result = (await control(proxy, 'POST', '/providers/gemini/test')).json as ProviderTestResult;
      assert.equal(result.message, 'gemini accepted the key …0003 (2 models).');
      assert.equal(fake.last.url, '/v1beta/models?pageSize=1000');
      assert.equal(fake.last.headers['x-goog-api-key'], testKeys.GEMINI_API_KEY);
    });

    it('says a rejected key was rejected and how to fix it, without the provider\'s text', async () => {
      fake.reply(() => ({ status: 401, json: { error: { message: `Incorrect API key provided: ${testKeys.OPENAI_API_KEY}`, type: 'invalid_request_error' } } }));
      const answer = await control(proxy, 'POST', '/providers/openai/test');
      assertNoKeys(answer.text);
      const result = answer.json as ProviderTestResult;
      assert.equal(result.ok, false);
      assert.equal(result.status, 401);
      assert.match(result.message, /^openai rejected the key …0001 \(HTTP 401\)\..*"Switchyard: Set Provider Key"/);
    });

    it('blames the base URL for a 404 or a provider it cannot reach', async () => {
      fake.reply(() => ({ status: 404, json: { error: 'not found' } }));
      const missing = (await control(proxy, 'POST', '/providers/openai/test')).json as ProviderTestResult;
      assert.equal(missing.ok, false);
      assert.match(missing.message, /base URL .* looks wrong.*providers\.openai\.baseUrl/);
      const unreachable = (await control(proxy, 'POST', '/providers/nowhere/test', { apiKey: 'nk-some-key-1234' })).json as ProviderTestResult;
      assert.equal(unreachable.ok, false);
      assert.equal(unreachable.status, undefined);
      assert.match(unreachable.message, /Could not reach nowhere at http:\/\/127\.0\.0\.1:9 .*baseUrl/);
    });

    it('gives up after its timeout, naming the base URL', async () => {
      fake.reply(() => ({ chunks: [], hang: true }));
      const result = (await control(proxy, 'POST', '/providers/openai/test')).json as ProviderTestResult;
      assert.equal(result.ok, false);
      assert.match(result.message, /did not answer within 300 ms at http:\/\/127\.0\.0\.1:\d+\. Check its base URL/);
    });

    it('says there is nothing to test for a provider without a key, and tests a keyless local server', async () => {
      const none = (await control(proxy, 'POST', '/providers/cerebras/test')).json as ProviderTestResult;
      assert.equal(none.ok, false);
      assert.match(none.message, /cerebras has no key to test.*CEREBRAS_API_KEY/);
      assert.equal(fake.requests.length, 0);
      fake.reply(() => ({ json: { data: [] } }));
      const local = (await control(proxy, 'POST', '/providers/local/test')).json as ProviderTestResult;
      assert.equal(local.ok, true);
      assert.match(local.message, /^local answered at http:\/\/127\.0\.0\.1:\d+ \(0 models\)\.$/);
      assert.equal(fake.last.headers.authorization, undefined);
    });
  });
});

describe('control API: client key', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  const clientKey = 'sy-extension-client-key-31337';

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'gpt-5', text: 'pong', usage: { prompt: 3, completion: 1 } }) }));
    proxy = await TestProxy.start((config) => {
      config.providers.openai = { baseUrl: fake.url('/v1') };
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('is required from clients once set, alongside the config\'s keys, and not once removed', async () => {
    assert.equal((await chat(proxy, 'openai/gpt-5')).status, 200);
    const set = await control(proxy, 'PUT', '/client-key', { key: clientKey });
    assert.equal(set.status, 204);
    const refused = await chat(proxy, 'openai/gpt-5');
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error.type, 'authentication_error');
    assert.equal((await chat(proxy, 'openai/gpt-5', { authorization: `Bearer ${clientKey}` })).status, 200);
    // The client's key is Switchyard's own, so it is not forwarded upstream.
    assert.equal(fake.last.headers.authorization, `Bearer ${testKeys.OPENAI_API_KEY}`);
    assert.equal((await control(proxy, 'DELETE', '/client-key')).status, 204);
    assert.equal((await chat(proxy, 'openai/gpt-5')).status, 200);
  });

  it('adds to the config\'s access keys rather than replacing them', async () => {
    const configured = await TestProxy.start((config) => {
      config.providers.openai = { baseUrl: fake.url('/v1') };
      config.accessKeys = ['sy-from-the-config-file-1111'];
    });
    try {
      await control(configured, 'PUT', '/client-key', { key: clientKey });
      assert.equal((await chat(configured, 'openai/gpt-5', { authorization: 'Bearer sy-from-the-config-file-1111' })).status, 200);
      assert.equal((await chat(configured, 'openai/gpt-5', { authorization: `Bearer ${clientKey}` })).status, 200);
      await control(configured, 'DELETE', '/client-key');
      assert.equal((await chat(configured, 'openai/gpt-5', { authorization: `Bearer ${clientKey}` })).status, 401);
      assert.equal((await chat(configured, 'openai/gpt-5', { authorization: 'Bearer sy-from-the-config-file-1111' })).status, 200);
    } finally {
      await configured.close();
    }
  });

  it('refuses a missing or malformed key', async () => {
    assert.equal((await control(proxy, 'PUT', '/client-key', { apiKey: clientKey })).status, 400);
    assert.equal((await control(proxy, 'PUT', '/client-key', 'not json')).status, 400);
    assert.equal((await control(proxy, 'PUT', '/client-key', { key: clientKey }, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await chat(proxy, 'openai/gpt-5')).status, 200, 'nothing was set');
  });
});
