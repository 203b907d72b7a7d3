import assert from 'node:assert/strict';
import type { AggregateRow, BudgetInfo, RequestRecord } from '../../../proxy/control/protocol';
import { budgetNodes, spendErrorNode, spendNodes, type SpendData } from '../../../extension/sidebar/spend-nodes';

function row(key: string | null, costUsd: number, requests: number, extra: Partial<AggregateRow> = {}): AggregateRow {
  return {
    key,
    requests,
    errors: 0,
    inputTokens: 1000,
    outputTokens: 200,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd,
    unpricedRequests: 0,
    refusedRequests: 0,
    averageLatencyMs: 800,
    cacheHits: 0,
    cacheMisses: 0,
    cacheHitRate: null,
    savedUsd: 0,
    promptCacheSavedUsd: 0,
    averageTimeToFirstTokenMs: 300,
    ...extra,
  };
}

function record(id: string, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    time: Date.UTC(2026, 10, 25, 3, 0, 0),
    clientFormat: 'openai-chat',
    endpoint: '/v1/chat/completions',
    requestedModel: 'fast',
    provider: 'groq',
    model: 'llama-3.3-70b',
    status: 200,
    stream: true,
    passthrough: false,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.0004,
    timeToFirstTokenMs: 120,
    latencyMs: 640,
    ...extra,
  };
}

const data: SpendData = {
  today: { byProvider: [row('openai', 0.5, 3), row('anthropic', 1.25, 2), row(null, 0, 1, { unpricedRequests: 1 })], byModel: [row('gpt-4o', 0.5, 3)] },
  month: { byProvider: [row('openai', 12, 40)], byModel: [] },
  recent: [
    record('req_1'),
    record('req_2', { status: 429, error: 'rate limited', provider: undefined, model: undefined, costUsd: null }),
    record('req_3', { status: 403, error: 'disabled', requestedModel: 'gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', costUsd: null }),
    record('req_4', { status: 413, error: 'too large', requestedModel: '', provider: undefined, model: undefined, costUsd: null }),
  ],
};

describe('spend tree nodes', () => {
  it('totals each period over its providers and lists them most expensive first', () => {
    const [today, month] = spendNodes(data);
    assert.equal(today.label, 'Today');
    assert.equal(today.description, '$1.75 · 6 requests');
    assert.match(today.tooltip ?? '', /1 request with no known price/);
    const byProvider = today.children?.[0];
    assert.equal(byProvider?.label, 'By provider');
    assert.deepEqual(
      byProvider?.children?.map((node) => [node.label, node.description]),
      [
        ['anthropic', '$1.25 · 2 requests'],
        ['openai', '$0.50 · 3 requests'],
        ['no provider', 'no price · 1 request'],
      ],
    );
    assert.equal(month.description, '$12.00 · 40 requests');
    assert.deepEqual(month.children?.[1].children, []);
  });

  it('shows what caching saved today beside what was spent, and a response-cache hit as such', () => {
    const [today, , recent] = spendNodes({
      ...data,
      today: { byProvider: [row('anthropic', 1, 4, { cacheHits: 2, savedUsd: 0.5, promptCacheSavedUsd: 0.25 })], byModel: [] },
      recent: [record('req_hit', { cache: 'hit', costUsd: 0, savedUsd: 0.25 })],
    });
    assert.equal(today!.description, '$1.00 · 4 requests · $0.75 saved');
    assert.match(today!.tooltip ?? '', /2 response-cache hits/);
    assert.equal(recent!.children![0]!.description, 'cache hit · 640 ms');
  });

  it('says how many calls Switchyard refused, priced as what they cost (nothing), not as "no price"', () => {
    const [today] = spendNodes({ ...data, today: { byProvider: [row('openai', 0.5, 3, { refusedRequests: 1, errors: 1 }), row('groq', 0, 2, { refusedRequests: 2, errors: 2 })], byModel: [] } });
    assert.equal(today.description, '$0.50 · 5 requests (3 refused)');
    assert.match(today.tooltip ?? '', /3 requests refused by Switchyard .*nothing spent/);
    assert.doesNotMatch(today.tooltip ?? '', /no known price/);
    assert.deepEqual(
      today.children?.[0]?.children?.map((node) => node.description),
      ['$0.50 · 3 requests', '$0 · 2 requests'],
    );
  });

  it('counts what redaction did in each period, and shows nothing where it did nothing', () => {
    const [today, month] = spendNodes({ ...data, today: { byProvider: [row('openai', 0.5, 3, { redactions: 4, blockedRequests: 1 }), row('groq', 0, 1, { redactions: 2 })], byModel: [] } });
    const redaction = today.children?.find((node) => node.label === 'Redaction');
    assert.equal(redaction?.description, '6 values redacted · 1 call blocked');
    assert.equal(month.children?.some((node) => node.label === 'Redaction'), false);
  });

  it('keeps node ids stable and unique so expanded nodes stay expanded', () => {
    const ids: string[] = [];
    const walk = (nodes: ReturnType<typeof spendNodes>): void => {
      for (const node of nodes) {
        ids.push(node.id);
        if (node.children) walk(node.children);
      }
    };
    walk(spendNodes(data));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(spendNodes(data).map((node) => node.id), ['today', 'month', 'recent']);
  });

  it('prices a call that failed before any tokens were used at $0, not "no price" (as /stats counts it)', () => {
    const failedEarly = record('req_9', { status: 502, error: 'upstream unreachable', inputTokens: 0, outputTokens: 0, costUsd: null });
    const [node] = spendNodes({ ...data, recent: [failedEarly] })[2].children ?? [];
    assert.match(node.description ?? '', /^\$0(\.0+)? · 640 ms$/);
  });

  it('lists recent requests with what served them, cost and latency, and the request id to open', () => {
    const recent = spendNodes(data)[2];
    const [served, failed, refused, unnamed] = recent.children ?? [];
    assert.equal(served.label, 'groq/llama-3.3-70b');
    assert.equal(served.description, '$0.00040 · 640 ms');
    assert.match(served.tooltip ?? '', /asked for fast, served by groq\/llama-3\.3-70b\nstatus 200\n10 input, 5 output tokens · \$0\.00040\nfirst token 120 ms · total 640 ms$/);
    assert.equal(served.requestId, 'req_1');
    assert.equal(served.icon, 'pass');
    assert.equal(failed.label, 'fast');
    assert.equal(failed.description, 'no price · 640 ms');
    assert.equal(failed.icon, 'error');
    assert.match(failed.tooltip ?? '', /status 429: rate limited/);
    assert.match(refused.tooltip ?? '', /asked for gpt-4o-mini, meant for openai\/gpt-4o-mini\nstatus 403: disabled/);
    assert.equal(unnamed.label, 'no model', 'a call refused for its body');
    assert.match(unnamed.tooltip ?? '', /asked for no model\nstatus 413: too large/);
  });
});

describe('budgetNodes', () => {
  const budget = (name: string, spentUsd: number, limitUsd: number, extra: Partial<BudgetInfo> = {}): BudgetInfo => ({
    name,
    source: name.startsWith('key:') ? 'key' : 'config',
    period: 'day',
    action: 'block',
    limitUsd,
    spentUsd,
    reservedUsd: 0,
    periodStart: '2026-12-04T00:00:00.000Z',
    resetsAt: '2026-12-05T00:00:00.000Z',
    ...extra,
  });

  it('shows each budget as spend / limit per period, warning from 80 % used', () => {
    const node = budgetNodes([budget('team-daily', 5, 20), budget('key:ci-bot', 4, 5), budget('openai', 1, 1, { period: 'total', resetsAt: undefined, action: 'warn' })]);
    assert.equal(node.label, 'Budgets');
    assert.deepEqual(
      node.children!.map((child) => [child.label, child.description, child.icon]),
      [
        ['team-daily', '$5.00 / $20.00 per day', 'pass'],
        ['key ci-bot', '$4.00 / $5.00 per day', 'warning'],
        ['openai', '$1.00 / $1.00 per total (warn)', 'error'],
      ],
    );
    assert.match(node.children![2]!.tooltip!, /never resets/);
  });

  it('leaves the section out when no budget is configured', () => {
    const nodes = spendNodes({ today: { byProvider: [], byModel: [] }, month: { byProvider: [], byModel: [] }, recent: [], budgets: [] });
    assert.ok(!nodes.some((node) => node.id === 'budgets'));
  });
});

describe('the spend tree when the spend cannot be read', () => {
  it('names the kind of failure in a few words and keeps the whole message in the tooltip', () => {
    const busy = 'The database /home/me/.switchyard/switchyard.db is held by process 4242 for 2.1 s (database is locked); try again.';
    const node = spendErrorNode({ message: busy, status: 503 });
    assert.equal(node.label, 'Could not read the spend');
    assert.equal(node.description, 'storage busy, retrying');
    assert.ok(node.tooltip?.startsWith(busy));
    assert.equal(spendErrorNode({ message: 'The Switchyard proxy on 127.0.0.1:4141 did not answer (connect ECONNREFUSED).' }).description, 'proxy not reachable');
    assert.equal(spendErrorNode({ message: 'no', status: 401 }).description, 'not authorized');
    assert.equal(spendErrorNode({ message: 'Internal error', status: 500 }).description, 'proxy answered 500');
  });

  it('cuts a long message of unknown kind to its first sentence, at most 40 characters', () => {
    assert.equal(spendErrorNode({ message: 'Short. And more.' }).description, 'Short.');
    const long = spendErrorNode({ message: 'x'.repeat(80) }).description ?? '';
    assert.equal(long.length, 40);
    assert.ok(long.endsWith('…'));
  });
});
