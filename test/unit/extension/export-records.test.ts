import assert from 'node:assert/strict';
import { exportRecords, type ExportClient } from '../../../extension/panel/export-records';
import type { CallContent, RequestRecord } from '../../../proxy/control/protocol';

function record(id: string, time: number, requestedModel: string, status = 200): RequestRecord {
  return { id, time, requestedModel, status, clientFormat: 'openai-chat', endpoint: '/v1/chat/completions', stream: false, passthrough: true, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0, timeToFirstTokenMs: null, latencyMs: 1, clientKey: '…abcd' };
}

describe("the panel's export (issue 14)", () => {
  const log = Array.from({ length: 2500 }, (_, index) => record(`req_${index}`, 10_000 - index, index % 2 === 0 ? 'claude-sonnet-4-6' : 'gpt-4o', index % 10 === 0 ? 500 : 200));
  const asked: string[] = [];
  const client: ExportClient = {
    requests: async (limit, before, range) => {
      asked.push(`${limit} ${before ?? ''} ${range?.since ?? ''}`);
      return { records: log.filter((entry) => (before === undefined || entry.time < before) && (range?.since === undefined || entry.time >= range.since)).slice(0, limit) };
    },
    requestContent: async (id) => (id === 'req_0' ? ({ requestId: id, request: { messages: [] } } as unknown as CallContent) : undefined),
  };

  it('pages through the whole range and keeps what the filter box matches, as the table does', async () => {
    let text = '';
    const written = await exportRecords(client, { range: { since: 8000 }, filter: 'claude error', format: 'csv', withContent: false }, (chunk) => void (text += chunk));
    // Records 0…2000 are in the range; every tenth failed, and those are all Claude (even).
    assert.equal(written, 201);
    assert.equal(text.trim().split('\r\n').length, 202);
    assert.ok(asked.length >= 3, 'it read more than one page');
    assert.ok(!text.includes('…abcd'), 'a key fragment was exported');
  });

  it('adds the kept content to JSON only when asked', async () => {
    let text = '';
    await exportRecords(client, { range: { since: 9990 }, filter: '', format: 'json', withContent: true }, (chunk) => void (text += chunk));
    const records = JSON.parse(text) as Array<{ id: string; content?: unknown }>;
    assert.equal(records.length, 11);
    assert.deepEqual(records.filter((entry) => entry.content !== undefined).map((entry) => entry.id), ['req_0']);
    let plain = '';
    await exportRecords(client, { range: { since: 9990 }, filter: '', format: 'json', withContent: false }, (chunk) => void (plain += chunk));
    assert.ok((JSON.parse(plain) as Array<{ content?: unknown }>).every((entry) => entry.content === undefined));
  });
});
