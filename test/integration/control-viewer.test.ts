import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { TestProxy, controlToken } from './harness';
import { replayCall } from '../../extension/replay';
import type { CallContent } from '../../proxy/control/protocol';
import type { AggregateResponse, BudgetInfo, ModelsResponse, RecentResponse } from '../../proxy/control/protocol';

const model = 'groq/llama-3.3-70b-versatile';

function chat(url: string, apiKey: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

function get(url: string, path: string, token: string): Promise<Response> {
  return fetch(`${url}/_switchyard${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('the control API for an access key: its own requests, nothing else', function () {
  this.timeout(20_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let alice: string;
  let bob: string;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello.', usage: { prompt: 3, completion: 1 } }) }));
    proxy = await TestProxy.start((config) => {
      config.providers.groq = { baseUrl: fake.url('/v1') };
      config.budgets = [
        { name: 'team', match: {}, limitUsd: 100, period: 'month', action: 'warn' },
        { name: 'alice-groq', match: { key: 'alice', provider: 'groq' }, limitUsd: 5, period: 'day', action: 'block' },
        { name: 'bob-groq', match: { key: 'bob' }, limitUsd: 5, period: 'day', action: 'block' },
      ];
    });
    const create = async (name: string): Promise<string> => {
      const response = await fetch(`${proxy.url}/_switchyard/keys`, { method: 'POST', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name, rpm: 1000, budget: { limitUsd: 2, period: "day" } }) });
      assert.equal(response.status, 201);
      return ((await response.json()) as { key: string }).key;
    };
    [alice, bob] = [await create('alice'), await create('bob')];
    assert.equal((await chat(proxy.url, alice)).status, 200);
    assert.equal((await chat(proxy.url, bob)).status, 200);
    assert.equal((await chat(proxy.url, alice)).status, 200);
    await proxy.record(3);
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  async function list(token: string, query = ''): Promise<RecentResponse['records']> {
    for (let attempt = 0; ; attempt++) {
      const response = await get(proxy.url, `/requests${query}`, token);
      assert.equal(response.status, 200);
      const { records } = (await response.json()) as RecentResponse;
      // The request log writes in batches: wait until the three calls are in it.
      if (token !== controlToken || records.length >= 3 || attempt > 40) return records;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('lists only the key’s own calls, whatever the query asks, and hides another key’s call as missing', async () => {
    const all = await list(controlToken);
    assert.equal(all.length, 3);
    const bobsId = all.find((record) => record.keyLabel === 'bob')!.keyId!;
    const own = await list(alice);
    assert.deepEqual(own.map((record) => record.keyLabel), ['alice', 'alice']);
    assert.deepEqual((await list(alice, `?clientKey=${bobsId}`)).map((record) => record.keyLabel), ['alice', 'alice']);
    const bobsCall = all.find((record) => record.keyLabel === 'bob')!;
    assert.equal((await get(proxy.url, `/requests/${bobsCall.id}`, alice)).status, 404);
    assert.equal((await get(proxy.url, `/requests/${own[0]!.id}`, alice)).status, 200);
    assert.equal((await get(proxy.url, `/requests/${bobsCall.id}`, controlToken)).status, 200);
  });

  it('refuses everything else with 403 naming the control token; a wrong key is 401', async () => {
    for (const path of ['/config', '/keys', '/providers', '/splits', '/refusals']) {
      const response = await get(proxy.url, path, alice);
      assert.equal(response.status, 403, path);
      const body = (await response.json()) as { error: { type: string; message: string } };
      assert.equal(body.error.type, 'permission_error');
      assert.match(body.error.message, /needs the control token/);
    }
    const shutdown = await fetch(`${proxy.url}/_switchyard/shutdown`, { method: 'POST', headers: { authorization: `Bearer ${alice}` } });
    assert.equal(shutdown.status, 403);
    assert.equal((await get(proxy.url, '/requests', 'sy-not-a-key')).status, 401);
  });

  it('totals only the key’s own calls in /stats, whatever the grouping', async () => {
    const stats = async (token: string, query: string): Promise<AggregateResponse> => {
      const response = await get(proxy.url, `/stats?${query}`, token);
      assert.equal(response.status, 200, query);
      return (await response.json()) as AggregateResponse;
    };
    const requests = (answer: AggregateResponse): number => answer.rows.reduce((sum, row) => sum + row.requests, 0);
    // The control token sees everyone's calls (at least the three of before; a later test adds more).
    assert.ok(requests(await stats(controlToken, 'by=model')) >= 3);
    const own = await stats(alice, 'by=clientKey');
    assert.equal(own.rows.length, 1);
    const aliceCalls = await list(alice);
    assert.equal(requests(own), aliceCalls.length);
    assert.equal(own.rows[0]!.key, aliceCalls[0]!.keyId);
    assert.equal(requests(await stats(alice, 'by=day&then=provider')), aliceCalls.length);
    assert.equal(requests(await stats(bob, 'by=model')), (await list(bob)).length);
  });

  it('lists only the budgets that name the key in /budgets: its own and the config’s for it', async () => {
    const budgets = async (token: string): Promise<string[]> => {
      const response = await get(proxy.url, '/budgets', token);
      assert.equal(response.status, 200);
      return ((await response.json()) as { budgets: BudgetInfo[] }).budgets.map((budget) => budget.name).sort();
    };
    assert.deepEqual(await budgets(alice), ['alice-groq', 'key:alice']);
    assert.deepEqual(await budgets(bob), ['bob-groq', 'key:bob']);
    assert.deepEqual(await budgets(controlToken), ['alice-groq', 'bob-groq', 'key:alice', 'key:bob', 'team']);
  });

  it('streams only the key’s own request events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${proxy.url}/_switchyard/events`, { headers: { authorization: `Bearer ${alice}` }, signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (done: () => boolean): Promise<void> => {
      while (!done()) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil(() => text.includes('event: hello'));
    assert.equal((await chat(proxy.url, bob)).status, 200);
    assert.equal((await chat(proxy.url, alice)).status, 200);
    await readUntil(() => text.includes('event: request'));
    controller.abort();
    const requests = text.split('\n\n').filter((frame) => frame.startsWith('event: request'));
    assert.equal(requests.length, 1);
    assert.match(requests[0]!, /"keyLabel":"alice"/);
    assert.doesNotMatch(text, /event: log/);
  });

  it('ends the key’s open event stream within about a second of its revocation, and refuses it after', async () => {
    const created = await fetch(`${proxy.url}/_switchyard/keys`, { method: 'POST', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'carol' }) });
    const carol = ((await created.json()) as { key: string }).key;
    const response = await fetch(`${proxy.url}/_switchyard/events`, { headers: { authorization: `Bearer ${carol}` } });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('event: hello')) text += Buffer.from((await reader.read()).value ?? []).toString('utf8');
    // Another key's revocation leaves the stream open.
    const other = await fetch(`${proxy.url}/_switchyard/keys`, { method: 'POST', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dave' }) });
    assert.equal(other.status, 201);
    assert.equal((await fetch(`${proxy.url}/_switchyard/keys/dave`, { method: 'DELETE', headers: { authorization: `Bearer ${controlToken}` } })).status, 200);
    assert.equal((await chat(proxy.url, carol)).status, 200);
    while (!text.includes('event: request')) text += Buffer.from((await reader.read()).value ?? []).toString('utf8');

    const revokedAt = Date.now();
    assert.equal((await fetch(`${proxy.url}/_switchyard/keys/carol`, { method: 'DELETE', headers: { authorization: `Bearer ${controlToken}` } })).status, 200);
    // Keep-alives come every 15 s, so a stream still open past 3 s was not closed by the revocation.
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })(),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 3000)),
    ]);
    assert.equal(ended, true, 'the revoked key’s stream is still open 3 s after the revocation');
    assert.ok(Date.now() - revokedAt < 3000);
    assert.equal((await get(proxy.url, '/events', carol)).status, 401);
  });
});

describe('the control API for an access key: Replay with… on a team proxy', function () {
  this.timeout(20_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello.', usage: { prompt: 3, completion: 1 } }) }));
    proxy = await TestProxy.start((config) => {
      config.providers.groq = { baseUrl: fake.url('/v1') };
      config.audit.enabled = true;
      config.aliases.fast = model;
      config.aliases.smart = 'openai/gpt-4o';
      config.routes.mixed = { strategy: 'fallback', targets: ['openai/gpt-4o', model], retry: { ...config.retry, attempts: 1 }, timeouts: { connectMs: 10_000, idleMs: 10_000 } };
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('reads back the content of its own calls only, and lists only the models and routes it may call', async () => {
    const create = async (name: string, models?: string[]): Promise<string> => {
      const response = await fetch(`${proxy.url}/_switchyard/keys`, { method: 'POST', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name, ...(models === undefined ? {} : { models }) }) });
      assert.equal(response.status, 201);
      return ((await response.json()) as { key: string }).key;
    };
    const erin = await create('erin', ['groq/*']);
    const frank = await create('frank');
    const erinsCall = (await chat(proxy.url, erin)).headers.get('x-switchyard-request-id')!;
    const franksCall = (await chat(proxy.url, frank)).headers.get('x-switchyard-request-id')!;
    await proxy.record(2);
    await proxy.runtime.audit!.flush();

    const content = await get(proxy.url, `/requests/${erinsCall}/content`, erin);
    assert.equal(content.status, 200);
    assert.deepEqual(((await content.json()) as { request: { messages: unknown } }).request.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal((await get(proxy.url, `/requests/${franksCall}/content`, erin)).status, 404, 'another key’s content is missing');
    assert.equal((await get(proxy.url, `/requests/${franksCall}/content`, controlToken)).status, 200);

    const models = async (token: string): Promise<ModelsResponse> => {
      const response = await get(proxy.url, '/models', token);
      assert.equal(response.status, 200);
      return (await response.json()) as ModelsResponse;
    };
    const erins = await models(erin);
    assert.ok(erins.models.length > 0 && erins.models.every((entry) => entry.id.startsWith('groq/')), erins.models.map((entry) => entry.id).join(', '));
    // A route with one target the key may call is offered; an alias of a model it may not call is not.
    assert.deepEqual(erins.routes.sort(), ['fast', 'mixed']);
    const everyone = await models(controlToken);
    assert.ok(everyone.models.some((entry) => entry.id === 'openai/gpt-4o'));
    assert.deepEqual(everyone.routes.sort(), ['fast', 'mixed', 'smart']);
    assert.deepEqual((await models(frank)).routes.sort(), ['fast', 'mixed', 'smart']);

    // The window's Replay with…: the kept request again, through the team proxy's URL with the member's key.
    const kept = (await (await get(proxy.url, `/requests/${erinsCall}/content`, erin)).json()) as CallContent;
    const replayed = await replayCall(new URL(proxy.url), erin, kept, 'fast');
    assert.equal(replayed.status, 200, replayed.error);
    assert.equal(replayed.text, 'Hello.');
    const record = await proxy.record(3);
    assert.equal(record.id, replayed.requestId);
    assert.equal(record.keyLabel, 'erin', 'the replay is the member’s own call');
    const refused = await replayCall(new URL(proxy.url), erin, kept, 'smart');
    assert.equal(refused.status, 403);
    assert.match(refused.error ?? '', /access key 'erin' may not call/);
  });
});
