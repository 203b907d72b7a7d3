import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { getMetricsFromIterator, type PromHistogramData, type PromMetrics } from 'prom2javascript';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { TestProxy, controlToken } from './harness';
import type { RequestRecord } from '../../proxy/store/request-record';

const model = 'groq/llama-3.3-70b-versatile';
const metricsToken = 'metrics-token-for-tests';

function chat(url: string, apiKey: string, content: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content }] }),
  });
}

async function scrape(proxy: TestProxy, token = metricsToken): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** Parses an exposition with a real Prometheus text-format parser (it throws on malformed lines). */
function parse(text: string): Promise<PromMetrics> {
  return getMetricsFromIterator(text.split('\n')[Symbol.iterator]());
}

function matches(labels: Record<string, string>, match: Record<string, string>): boolean {
  return Object.entries(match).every(([label, value]) => labels[label] === value);
}

/** The sum of a counter's or gauge's samples whose labels include `match`. */
function total(metrics: PromMetrics, name: string, match: Record<string, string> = {}): number {
  const family = metrics[name];
  assert.ok(family, `no family ${name} in the scrape`);
  assert.ok(family.type === 'counter' || family.type === 'gauge', `${name} is a ${family.type}`);
  return (family.data as Array<{ labels: Record<string, string>; value: number }>).filter((sample) => matches(sample.labels, match)).reduce((sum, sample) => sum + sample.value, 0);
}

/** The series of a histogram whose labels include `match`. */
function histograms(metrics: PromMetrics, name: string, match: Record<string, string> = {}): PromHistogramData[] {
  const family = metrics[name];
  assert.ok(family, `no family ${name} in the scrape`);
  assert.equal(family.type, 'histogram');
  return (family.data as PromHistogramData[]).filter((series) => matches(series.labels, match));
}

describe('GET /metrics: Prometheus metrics, scraped and parsed', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply((request) => {
      const text = request.raw.toString('utf8');
      if (text.includes('please fail')) return { status: 400, json: { error: { message: 'bad request, as asked', type: 'invalid_request_error', code: null } } };
      const options = { model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: 10, completion: 2 } };
      return request.json?.stream === true ? { chunks: chatCompletionChunks(options) } : { json: chatCompletionJson(options) };
    });
    proxy = await TestProxy.start(
      (config) => {
        config.providers.groq = { baseUrl: fake.url('/v1') };
        config.prices = { [model]: { input: 1000, output: 1000 } };
        config.cache = { enabled: true, ttlSeconds: 3600, maxMegabytes: 16, shared: false };
      },
      undefined,
      {},
      { metricsToken },
    );
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  async function createKey(body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${proxy.url}/_switchyard/keys`, { method: 'POST', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 201);
    return ((await response.json()) as { key: string }).key;
  }

  it('refuses a scrape without a token or with a wrong one, and the metrics token opens nothing else', async () => {
    const none = await fetch(`${proxy.url}/metrics`);
    assert.equal(none.status, 401);
    assert.match(await none.text(), /needs a token.*SWITCHYARD_METRICS_TOKEN/s);
    assert.equal((await scrape(proxy, 'not-the-token')).status, 401);
    const byControl = await scrape(proxy, controlToken);
    assert.equal(byControl.status, 200);
    assert.equal(byControl.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const requests = await fetch(`${proxy.url}/_switchyard/requests`, { headers: { authorization: `Bearer ${metricsToken}` } });
    assert.equal(requests.status, 401);
  });

  it('counts requests, errors, tokens, cost, latencies, overhead, cache, budget and rate-limit refusals after known calls', async () => {
    const alice = await createKey({ name: 'alice' });
    const loop = await createKey({ name: 'loop', rpm: 1 });
    const capped = await createKey({ name: 'capped', budget: '0.000001/day' });
    const before = proxy.records.length;

    assert.equal((await chat(proxy.url, alice, 'one')).status, 200);
    const repeat = await chat(proxy.url, alice, 'one');
    assert.equal(repeat.headers.get('x-switchyard-cache'), 'hit');
    const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: alice, maxRetries: 0 });
    const stream = anthropic.messages.stream({ model, max_tokens: 10, messages: [{ role: 'user', content: 'two' }] });
    await stream.finalMessage();
    assert.equal((await chat(proxy.url, alice, 'please fail')).status, 400);
    assert.equal((await chat(proxy.url, loop, 'three')).status, 200);
    assert.equal((await chat(proxy.url, loop, 'four')).status, 429);
    assert.equal((await chat(proxy.url, capped, 'five')).status, 402);
    const records: RequestRecord[] = [];
    for (let index = before + 1; index <= before + 7; index++) records.push(await proxy.record(index));

    const scraped = await scrape(proxy);
    assert.equal(scraped.status, 200);
    const families = await parse(scraped.text);
    const served = { provider: 'groq', model: 'llama-3.3-70b-versatile' };

    assert.equal(total(families, 'switchyard_requests_total', { ...served, key: 'alice' }), 4);
    assert.equal(total(families, 'switchyard_requests_total', { key: 'loop' }), 2);
    assert.equal(total(families, 'switchyard_requests_total', { key: 'capped' }), 1);
    assert.equal(total(families, 'switchyard_requests_total'), records.length);
    assert.equal(total(families, 'switchyard_request_errors_total', { key: 'alice', code: '400' }), 1);
    assert.equal(total(families, 'switchyard_request_errors_total', { key: 'loop', code: '429' }), 1);
    assert.equal(total(families, 'switchyard_request_errors_total', { key: 'capped', code: '402' }), 1);
    assert.equal(total(families, 'switchyard_request_errors_total'), 3);

    const sum = (field: 'inputTokens' | 'outputTokens' | 'cacheReadTokens') => records.reduce((tokens, record) => tokens + record[field], 0);
    assert.ok(sum('inputTokens') >= 30, `input tokens recorded: ${sum('inputTokens')}`);
    assert.equal(total(families, 'switchyard_tokens_total', { type: 'input' }), sum('inputTokens'));
    assert.equal(total(families, 'switchyard_tokens_total', { type: 'output' }), sum('outputTokens'));
    assert.equal(total(families, 'switchyard_tokens_total', { type: 'cache_read' }), sum('cacheReadTokens'));
    const cost = records.reduce((usd, record) => usd + (record.costUsd ?? 0), 0);
    assert.ok(cost > 0.03, `cost ${cost}`);
    assert.ok(Math.abs(total(families, 'switchyard_cost_usd_total') - cost) < 1e-9);
    assert.ok(Math.abs(total(families, 'switchyard_cost_usd_total', { key: 'alice' }) - 0.024) < 1e-9, 'two paid calls of $0.012 (the cache hit is free, the 400 has no usage)');

    // Four calls reached the provider (one served from the cache, two refused before any attempt).
    const reached = records.filter((record) => record.decision?.attempts.some((attempt) => attempt.startedMs !== undefined) && record.cache !== 'hit');
    assert.equal(reached.length, 4);
    const [latency, ...more] = histograms(families, 'switchyard_request_duration_seconds', served);
    assert.equal(more.length, 0);
    assert.equal(latency!.count, 4);
    assert.equal(latency!.buckets['+Inf'], 4);
    assert.equal(latency!.buckets['300'], 4);
    assert.ok(Math.abs(latency!.sum! - reached.reduce((seconds, record) => seconds + record.latencyMs / 1000, 0)) < 1e-6);
    const [firstToken] = histograms(families, 'switchyard_time_to_first_token_seconds', served);
    assert.equal(firstToken!.count, reached.filter((record) => record.timeToFirstTokenMs !== null).length);

    const overheads = histograms(families, 'switchyard_overhead_seconds');
    assert.equal(overheads.reduce((count, series) => count + series.count, 0), records.length, 'every served call has its overhead');
    assert.equal(histograms(families, 'switchyard_overhead_seconds', { path: 'passthrough' })[0]!.count, 2);
    assert.equal(histograms(families, 'switchyard_overhead_seconds', { path: 'translated' })[0]!.count, 1);
    assert.equal(histograms(families, 'switchyard_overhead_seconds', { path: 'cache' })[0]!.count, 1);
    // A budget that refuses a call's only attempt refuses the call: no provider was asked.
    assert.equal(histograms(families, 'switchyard_overhead_seconds', { path: 'refused' })[0]!.count, 2, 'the rate-limit and the budget refusals');
    assert.equal(histograms(families, 'switchyard_overhead_seconds', { path: 'failed' })[0]!.count, 1, 'the 400');

    assert.equal(total(families, 'switchyard_response_cache_total', { result: 'hit' }), 1);
    assert.equal(total(families, 'switchyard_response_cache_total', { result: 'miss' }), records.filter((record) => record.cache === 'miss').length);
    assert.equal(total(families, 'switchyard_budget_refusals_total', { budget: 'capped' }), 1, 'the access key’s own budget, by the key’s name');
    assert.equal(total(families, 'switchyard_rate_limit_refusals_total', { key: 'loop' }), 1);
    assert.equal(total(families, 'switchyard_circuit_breaker_state', { target: model }), 0);
    assert.equal(total(families, 'switchyard_calls_in_flight'), 0);
    // Never a secret in a label: keys are named, not shown.
    for (const key of [alice, loop, capped]) assert.ok(!scraped.text.includes(key));
  });

  it('shows an open circuit as 2 in the breaker gauge', async () => {
    for (let failure = 0; failure < 5; failure++) proxy.runtime.reliability.breakers.recordFailure('groq/failing-model');
    const families = await parse((await scrape(proxy)).text);
    assert.equal(total(families, 'switchyard_circuit_breaker_state', { target: 'groq/failing-model' }), 2);
  });
});
