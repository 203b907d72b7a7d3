import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { TestProxy, controlToken } from './harness';
import type { AggregateResponse, RecentResponse } from '../../proxy/control/protocol';
import { CallTotals } from '../../proxy/events/call-log';

// Calls Switchyard refuses by policy (an allow-list's 403, a rate limit's 429, a budget's 402)
// reach no provider and cost nothing: /stats counts them as refused, never as "no known price".

const model = 'groq/llama-3.3-70b-versatile';

function chat(url: string, apiKey: string, requested = model): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: requested, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }),
  });
}

async function control<Body>(url: string, method: string, path: string, body?: unknown): Promise<Body> {
  const response = await fetch(`${url}/_switchyard${path}`, {
    method,
    headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return (await response.json()) as Body;
}

describe('/stats: calls refused by policy are counted as refused, not unpriced', function () {
  this.timeout(20_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello.', usage: { prompt: 3, completion: 1 } }) }));
    proxy = await TestProxy.start((config) => {
      config.providers.groq = { baseUrl: fake.url('/v1') };
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('an allow-list, a rate limit and a budget refuse a call each: three refused, none unpriced, in every grouping; the shutdown line says so', async () => {
    const key = async (body: Record<string, unknown>): Promise<string> => (await control<{ key: string }>(proxy.url, 'POST', '/keys', body)).key;
    const narrow = await key({ name: 'narrow', models: ['openai/*'] });
    const slow = await key({ name: 'slow', rpm: 1 });
    const broke = await key({ name: 'broke', budget: { limitUsd: 0, period: 'day' } });
    const totals = new CallTotals();
    const unfollow = proxy.runtime.events.on('request', (record) => totals.add(record));

    assert.equal((await chat(proxy.url, slow)).status, 200);
    assert.equal((await chat(proxy.url, narrow)).status, 403);
    assert.equal((await chat(proxy.url, slow)).status, 429);
    assert.equal((await chat(proxy.url, broke)).status, 402);
    await proxy.record(4);
    unfollow();

    for (const by of ['model', 'provider', 'clientKey', 'day']) {
      const stats = await control<AggregateResponse>(proxy.url, 'GET', `/stats?by=${by}`);
      const sum = (field: 'requests' | 'refusedRequests' | 'unpricedRequests' | 'errors'): number => stats.rows.reduce((total, row) => total + row[field], 0);
      assert.equal(sum('requests'), 4, by);
      assert.equal(sum('refusedRequests'), 3, by);
      assert.equal(sum('unpricedRequests'), 0, by);
      assert.equal(sum('errors'), 3, by);
    }
    const byKey = await control<AggregateResponse>(proxy.url, 'GET', '/stats?by=clientKey');
    const { records } = await control<RecentResponse>(proxy.url, 'GET', '/requests');
    const refusedKeys = records.filter((record) => record.refusal !== undefined).map((record) => record.keyLabel).sort();
    assert.deepEqual(refusedKeys, ['broke', 'narrow', 'slow']);
    const labelOf = new Map(records.map((record) => [record.keyId, record.keyLabel]));
    assert.deepEqual(
      byKey.rows.map((row) => [labelOf.get(row.key ?? undefined), row.requests, row.refusedRequests]).sort(),
      [
        ['broke', 1, 1],
        ['narrow', 1, 1],
        ['slow', 2, 1],
      ],
    );
    assert.match(totals.summary(), /4 calls \(3 failed, 3 of them refused by Switchyard\)/);
  });
});
