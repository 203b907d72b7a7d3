import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { providerModels, useFake, weatherReply } from './fake-providers';
import { modelEndpoints, rawPost } from './model-endpoints';

/** The header's value, checked to be a plain number of milliseconds no larger than the whole call took. */
function overheadOf(headers: Record<string, string | string[] | undefined>, elapsedMs: number, what: string): number {
  const value = headers['x-switchyard-overhead-ms'];
  assert.equal(typeof value, 'string', `${what}: no x-switchyard-overhead-ms`);
  assert.match(value as string, /^\d+(\.\d+)?$/, `${what}: ${value}`);
  const overhead = Number(value);
  assert.ok(overhead <= elapsedMs, `${what}: overhead ${overhead} ms of a call that took ${elapsedMs} ms`);
  return overhead;
}

describe('x-switchyard-overhead-ms: Switchyard’s own time on every answer', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.cache = { enabled: true, ttlSeconds: 3600, maxMegabytes: 16, shared: false };
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });
  beforeEach(() => fake.reply(weatherReply));

  const formats = modelEndpoints.filter((endpoint) => ['chat', 'responses', 'messages', 'gemini'].includes(endpoint.name));
  for (const endpoint of formats) {
    for (const [api, model] of Object.entries(providerModels)) {
      for (const stream of [false, true]) {
        it(`${endpoint.name} → ${api}, ${stream ? 'streamed' : 'whole'}`, async () => {
          const { path, body } = endpoint.request(model, stream);
          // Distinct bodies: no call is a cache hit here.
          const unique = JSON.stringify(body).replace('"hi"', JSON.stringify(`hi ${endpoint.name} ${api} ${stream}`));
          const started = performance.now();
          const answer = await rawPost(proxy.url, path, unique);
          assert.equal(answer.status, 200, answer.text);
          const overhead = overheadOf(answer.headers, performance.now() - started, `${endpoint.name} → ${api}`);
          const record = proxy.records.find((candidate) => candidate.id === answer.headers['x-switchyard-request-id']) ?? (await proxy.record());
          assert.equal(record.overheadMs, overhead, 'the record keeps what the header said');
        });
      }
    }
  }

  it('the upstream’s wait is not counted: a provider that takes 300 ms leaves the overhead far below it', async () => {
    fake.reply(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return weatherReply(request);
    });
    const { path, body } = formats[0]!.request(providerModels['openai-chat'], false);
    const started = performance.now();
    const answer = await rawPost(proxy.url, path, JSON.stringify(body).replace('"hi"', '"slow one"'));
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 300);
    assert.ok(overheadOf(answer.headers, elapsed, 'slow') < 150, `overhead ${answer.headers['x-switchyard-overhead-ms']} ms`);
  });

  it('errors carry it too: a bad body, an upstream error passed through, a translated upstream error, a cache hit', async () => {
    const malformed = await rawPost(proxy.url, '/v1/chat/completions', '{"model": "groq/llama-3.3-70b-versatile", ');
    assert.equal(malformed.status, 400);
    overheadOf(malformed.headers, Infinity, 'malformed');
    fake.reply(() => ({ status: 400, json: { error: { message: 'no', type: 'invalid_request_error', code: null } } }));
    const passthrough = await rawPost(proxy.url, '/v1/chat/completions', { model: providerModels['openai-chat'], messages: [{ role: 'user', content: 'refused upstream' }] });
    assert.equal(passthrough.status, 400);
    overheadOf(passthrough.headers, Infinity, 'passthrough error');
    const translated = await rawPost(proxy.url, '/v1/messages', { model: providerModels['openai-chat'], max_tokens: 10, messages: [{ role: 'user', content: 'refused upstream' }] });
    assert.equal(translated.status, 400);
    overheadOf(translated.headers, Infinity, 'translated error');
    fake.reply(weatherReply);
    const request = { model: providerModels['openai-chat'], messages: [{ role: 'user', content: 'cache me' }] };
    await rawPost(proxy.url, '/v1/chat/completions', request);
    const hit = await rawPost(proxy.url, '/v1/chat/completions', request);
    assert.equal(hit.headers['x-switchyard-cache'], 'hit');
    overheadOf(hit.headers, Infinity, 'cache hit');
  });

  it('a page of an allowed origin may read it (CORS expose list)', async () => {
    const open = await TestProxy.start((config) => {
      useFake(config, fake);
      config.allowedOrigins = ['http://localhost:5173'];
    });
    try {
      const answer = await rawPost(open.url, '/v1/chat/completions', { model: providerModels['openai-chat'], messages: [{ role: 'user', content: 'from a page' }] }, { origin: 'http://localhost:5173' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['access-control-allow-origin'], 'http://localhost:5173');
      const exposed = String(answer.headers['access-control-expose-headers']).split(/,\s*/);
      for (const name of ['x-switchyard-overhead-ms', 'x-switchyard-request-id', 'x-switchyard-cost-usd']) assert.ok(exposed.includes(name), `${name} not exposed: ${exposed.join()}`);
      overheadOf(answer.headers, Infinity, 'cors');
    } finally {
      await open.close();
    }
  });

  it('a call refused at the door (wrong access key) carries it', async () => {
    const locked = await TestProxy.start((config) => {
      useFake(config, fake);
      config.accessKeys = ['the-right-key'];
    });
    try {
      const refused = await rawPost(locked.url, '/v1/chat/completions', { model: providerModels['openai-chat'], messages: [] }, { authorization: 'Bearer wrong' });
      assert.equal(refused.status, 401);
      overheadOf(refused.headers, Infinity, 'door refusal');
    } finally {
      await locked.close();
    }
  });
});
