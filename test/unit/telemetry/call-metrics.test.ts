import assert from 'node:assert/strict';
import { getMetricsFromIterator, type PromData } from 'prom2javascript';
import { CallMetrics, labelCaps } from '../../../proxy/telemetry/call-metrics';
import type { RequestRecord } from '../../../proxy/store/request-record';

function record(fields: Partial<RequestRecord>): RequestRecord {
  return {
    id: 'req_1',
    time: Date.now(),
    clientFormat: 'openai-chat',
    endpoint: '/v1/chat/completions',
    requestedModel: 'm',
    provider: 'openai',
    model: 'gpt-5',
    status: 200,
    stream: false,
    passthrough: true,
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.001,
    timeToFirstTokenMs: 5,
    latencyMs: 10,
    ...fields,
  };
}

async function requests(metrics: CallMetrics): Promise<PromData[]> {
  const text = metrics.render({ callsInFlight: 0, circuits: [] });
  const parsed = await getMetricsFromIterator(text.split('\n')[Symbol.iterator]());
  return parsed.switchyard_requests_total!.data as PromData[];
}

describe('CallMetrics: bounded label sets', () => {
  it('keeps the first models seen and folds the rest into "other", so callers cannot grow the scrape', async () => {
    const metrics = new CallMetrics();
    for (let index = 0; index < labelCaps.model + 100; index++) metrics.observe(record({ model: `model-${index}` }));
    const samples = await requests(metrics);
    const models = new Set(samples.map((sample) => sample.labels.model));
    assert.equal(models.size, labelCaps.model + 1);
    assert.ok(models.has('other'));
    assert.equal(samples.find((sample) => sample.labels.model === 'other')!.value, 100);
    assert.equal(samples.reduce((sum, sample) => sum + sample.value, 0), labelCaps.model + 100);
  });

  it('caps keys the same way and escapes label values the format needs escaped', async () => {
    const metrics = new CallMetrics();
    for (let index = 0; index < labelCaps.key + 5; index++) metrics.observe(record({ keyLabel: `key ${index}` }));
    metrics.observe(record({ model: 'a "quoted" \\ model\nwith a newline', keyLabel: 'key 0' }));
    const samples = await requests(metrics);
    assert.equal(new Set(samples.map((sample) => sample.labels.key)).size, labelCaps.key + 1);
    assert.equal(samples.find((sample) => sample.labels.key === 'other')!.value, 5);
    assert.ok(samples.some((sample) => sample.labels.model === 'a "quoted" \\ model\nwith a newline'));
  });

  it('names a caller by key name, else label, else id: never anything else of the key', async () => {
    const metrics = new CallMetrics();
    metrics.observe(record({ keyId: 'key_0123456789abcdef', keyLabel: 'ci-bot' }));
    metrics.observe(record({ keyId: 'key_fedcba9876543210' }));
    metrics.observe(record({}));
    const keys = (await requests(metrics)).map((sample) => sample.labels.key).sort();
    assert.deepEqual(keys, ['ci-bot', 'key_fedcba9876543210', 'none']);
  });
});
