import assert from 'node:assert/strict';
import type { RequestRecord } from '../../proxy/store/request-record';
import { parseConfig } from '../../proxy/config/load-config';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';
import { recordOf } from './routing-providers';

/**
 * Calls the proxy refuses after the front door (body too large or unreadable, no model, an
 * unknown or disabled model, no provider key) fail inside the user's tool, so the request log
 * is where they learn why: each leaves exactly one record with the status and message the
 * client got. Calls the host, origin or access-key checks refuse leave none.
 */

interface Answer {
  status: number;
  json: any;
  /** `x-switchyard-request-id`, which names the call's record. */
  id: string | null;
}

const chatPath = '/v1/chat/completions';
const chatBody = (model: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'Is it sunny?' }], ...extra });

async function post(proxy: TestProxy, path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-key', ...headers }, body });
  return { status: response.status, json: await response.json(), id: response.headers.get('x-switchyard-request-id') };
}

/**
 * Sends a call and then one that succeeds; once the second's record is in, the records
 * written since are exactly the first call's and the second's, in that order.
 */
async function recordedOnce(proxy: TestProxy, send: () => Promise<Answer>, sentinel: () => Promise<Answer>): Promise<{ answer: Answer; record: RequestRecord }> {
  const before = proxy.records.length;
  const answer = await send();
  assert.ok(answer.id, 'the answer names its record');
  const after = await sentinel();
  assert.equal(after.status, 200, JSON.stringify(after.json));
  await recordOf(proxy, after.id!);
  assert.deepEqual(
    proxy.records.slice(before).map((record) => record.id),
    [answer.id, after.id],
  );
  return { answer, record: proxy.records[before]! };
}

describe('refused calls are recorded once, so the panel shows why', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  const succeed = (): Promise<Answer> => post(proxy, chatPath, chatBody('gpt-4o'));

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => {
      Object.assign(
        config,
        parseConfig({
          maxBodyBytes: 4096,
          disabledModels: ['openai/gpt-4o-mini', 'groq/*'],
          routes: {
            dead: { strategy: 'fallback', targets: ['groq/llama-3.3-70b-versatile', 'groq/llama-3.1-8b-instant'] },
            'dead-split': { strategy: 'split', targets: ['groq/llama-3.3-70b-versatile', 'openai/gpt-4o-mini'] },
          },
        }),
      );
      useFake(config, fake);
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('a successful call records once, with its target', async () => {
    const { answer, record } = await recordedOnce(proxy, succeed, succeed);
    assert.equal(answer.status, 200);
    assert.equal(record.status, 200);
    assert.equal(record.error, undefined);
    assert.equal(record.provider, 'openai');
    assert.equal(record.model, 'gpt-4o');
  });

  it('a disabled model: 403, the target it was refused for, and the candidate skipped as `disabled`', async () => {
    const { answer, record } = await recordedOnce(proxy, () => post(proxy, chatPath, chatBody('gpt-4o-mini', { stream: true })), succeed);
    assert.equal(answer.status, 403);
    assert.equal(record.status, 403);
    assert.equal(record.error, answer.json.error.message);
    assert.match(record.error!, /openai\/gpt-4o-mini is disabled.*Switchyard: Toggle Models/);
    assert.equal(record.requestedModel, 'gpt-4o-mini');
    assert.equal(record.provider, 'openai');
    assert.equal(record.model, 'gpt-4o-mini');
    assert.equal(record.stream, true);
    assert.deepEqual(record.decision, {
      via: 'direct',
      strategy: 'direct',
      candidates: [{ target: 'openai/gpt-4o-mini', outcome: 'skipped', reason: 'disabled' }],
      attempts: [],
    });
  });

  it('a route whose every target is disabled: 403 with each candidate skipped', async () => {
    const { record } = await recordedOnce(proxy, () => post(proxy, chatPath, chatBody('dead')), succeed);
    assert.equal(record.status, 403);
    assert.match(record.error!, /Every target of route 'dead'/);
    assert.equal(record.requestedModel, 'dead');
    assert.equal(record.provider, undefined, 'nothing was chosen');
    assert.equal(record.decision?.via, 'model');
    assert.equal(record.decision?.route, 'dead');
    assert.deepEqual(record.decision?.candidates.map((candidate) => `${candidate.outcome} ${candidate.reason}`), ['skipped disabled', 'skipped disabled']);
  });

  it('a split route with every arm disabled is recorded, and no arm is counted as having served it', async () => {
    const { record } = await recordedOnce(proxy, () => post(proxy, chatPath, chatBody('dead-split')), succeed);
    assert.equal(record.status, 403);
    assert.equal(record.decision?.strategy, 'split');
    assert.deepEqual(proxy.runtime.splits.stats().flatMap((route) => route.arms.filter((arm) => arm.requests > 0)), []);
  });

  it('an unknown model: 404 in the client’s shape, recorded with the name it asked for', async () => {
    const { answer, record } = await recordedOnce(proxy, () => post(proxy, '/v1/messages', JSON.stringify({ model: 'mystery-model-9', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })), succeed);
    assert.equal(answer.status, 404);
    assert.equal(answer.json.type, 'error');
    assert.equal(record.status, 404);
    assert.equal(record.clientFormat, 'anthropic-messages');
    assert.equal(record.requestedModel, 'mystery-model-9');
    assert.match(record.error!, /does not know which provider serves the model 'mystery-model-9'/);
    assert.equal(record.provider, undefined);
    assert.deepEqual(record.decision?.candidates, []);
  });

  it('an unknown model over Gemini’s path is recorded in the gemini format', async () => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const { answer, record } = await recordedOnce(proxy, () => post(proxy, '/v1beta/models/mystery-model-9:generateContent', body), succeed);
    assert.equal(answer.status, 404);
    assert.equal(answer.json.error.status, 'NOT_FOUND');
    assert.equal(record.clientFormat, 'gemini');
    assert.equal(record.requestedModel, 'mystery-model-9');
    assert.equal(record.status, 404);
  });

  it('a Gemini countTokens refusal is recorded like any call: it passed the same stages', async () => {
    const { answer, record } = await recordedOnce(proxy, () => post(proxy, '/v1beta/models/mystery-model-9:countTokens', JSON.stringify({ contents: [] })), succeed);
    assert.equal(answer.status, 404);
    assert.equal(answer.json.error.status, 'NOT_FOUND');
    assert.equal(record.clientFormat, 'gemini');
    assert.equal(record.endpoint, '/v1beta/models/mystery-model-9:countTokens');
    assert.equal(record.requestedModel, 'mystery-model-9');
    assert.equal(record.status, 404);
  });

  it('a malformed body whose model can be read: 400, recorded with that model', async () => {
    const { answer, record } = await recordedOnce(proxy, () => post(proxy, chatPath, '{"model": "gpt-4o", "messages": [}'), succeed);
    assert.equal(answer.status, 400);
    assert.equal(record.status, 400);
    assert.equal(record.requestedModel, 'gpt-4o');
    assert.match(record.error!, /not valid JSON/);
    assert.equal(record.decision, undefined, 'routing never ran');
  });

  it('a body without a model: 400, recorded without one', async () => {
    const { record } = await recordedOnce(proxy, () => post(proxy, chatPath, JSON.stringify({ messages: [] })), succeed);
    assert.equal(record.status, 400);
    assert.equal(record.requestedModel, '');
    assert.match(record.error!, /no 'model'/);
  });

  it('a body over maxBodyBytes: 413, recorded naming the setting', async () => {
    const { answer, record } = await recordedOnce(proxy, () => post(proxy, chatPath, chatBody('gpt-4o', { padding: 'x'.repeat(5000) })), succeed);
    assert.equal(answer.status, 413);
    assert.equal(record.status, 413);
    assert.match(record.error!, /maxBodyBytes/);
  });

  it('x-switchyard-route naming no route: 400 with the header’s decision', async () => {
    const { record } = await recordedOnce(proxy, () => post(proxy, chatPath, chatBody('gpt-4o'), { 'x-switchyard-route': 'nowhere' }), succeed);
    assert.equal(record.status, 400);
    assert.match(record.error!, /x-switchyard-route header names 'nowhere'/);
    assert.equal(record.decision?.via, 'header');
  });

  it('an embeddings call for a disabled model: 403, recorded with its target', async () => {
    const { record } = await recordedOnce(proxy, () => post(proxy, '/v1/embeddings', JSON.stringify({ model: 'gpt-4o-mini', input: 'sunny' })), succeed);
    assert.equal(record.status, 403);
    assert.equal(record.endpoint, '/v1/embeddings');
    assert.equal(record.provider, 'openai');
    assert.match(record.error!, /disabled/);
  });

  describe('without provider keys', () => {
    let keyless: TestProxy;
    // A passthrough call carries the client's own credential, so it succeeds without a stored key.
    const succeedKeyless = (): Promise<Answer> => post(keyless, chatPath, chatBody('groq/llama-3.3-70b-versatile'));

    before(async () => {
      keyless = await TestProxy.start((config) => {
        Object.assign(config, parseConfig({ routes: { translated: { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-6', 'gemini/gemini-2.5-flash'] } } }));
        useFake(config, fake);
      }, {});
    });
    after(() => keyless.close());

    it('a direct call: 401 naming the key variable, recorded with its target skipped for no key', async () => {
      // Translated (chat client → Anthropic), so the client's own credential cannot be used.
      const { answer, record } = await recordedOnce(keyless, () => post(keyless, chatPath, chatBody('claude-sonnet-4-6')), succeedKeyless);
      assert.equal(answer.status, 401);
      assert.equal(record.status, 401);
      assert.match(record.error!, /ANTHROPIC_API_KEY/);
      assert.equal(record.provider, 'anthropic');
      assert.equal(record.model, 'claude-sonnet-4-6');
      assert.deepEqual(record.decision?.candidates, [{ target: 'anthropic/claude-sonnet-4-6', outcome: 'skipped', reason: 'no API key for anthropic' }]);
    });

    it('a route: 401, every candidate skipped for no key', async () => {
      const { record } = await recordedOnce(keyless, () => post(keyless, chatPath, chatBody('translated')), succeedKeyless);
      assert.equal(record.status, 401);
      assert.match(record.error!, /No target of route 'translated' has an API key/);
      assert.deepEqual(record.decision?.candidates.map((candidate) => candidate.reason), ['no API key for anthropic', 'no API key for gemini']);
    });
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

    it('a wrong key is refused at the front door and leaves no record', async () => {
      const refused = await post(guarded, chatPath, chatBody('gpt-4o'), { authorization: 'Bearer wrong' });
      assert.equal(refused.status, 401);
      assert.equal(refused.id, null);
      const accepted = await post(guarded, chatPath, chatBody('gpt-4o'), { authorization: 'Bearer sy-local-key-123456' });
      assert.equal(accepted.status, 200);
      await recordOf(guarded, accepted.id!);
      assert.deepEqual(guarded.records.map((record) => record.id), [accepted.id]);
    });
  });
});
