import assert from 'node:assert/strict';
import type { RequestRecord } from '../../../webview/protocol';
import { appendOlder, insertNewest, isRequestRecord, matchesFilter, oldestTime } from '../../../webview/request-list';

function record(id: string, time: number, fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    time,
    clientFormat: 'openai-chat',
    endpoint: '/v1/chat/completions',
    requestedModel: 'gpt-4o-mini',
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 200,
    stream: true,
    passthrough: true,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.001,
    timeToFirstTokenMs: 100,
    latencyMs: 300,
    ...fields,
  };
}

describe('webview request list', () => {
  it('keeps the newest first and replaces a record seen again', () => {
    const first = insertNewest([], [record('a', 1), record('b', 3)]);
    const second = insertNewest(first.records, [record('c', 2), record('a', 1, { status: 500 })]);
    assert.deepEqual(
      second.records.map((entry) => entry.id),
      ['b', 'c', 'a'],
    );
    assert.equal(second.records[2].status, 500);
  });

  it('drops the oldest rows beyond the cap and says so', () => {
    const full = insertNewest([], [record('a', 1), record('b', 2)], 2);
    assert.equal(full.trimmed, false);
    const over = insertNewest(full.records, [record('c', 3)], 2);
    assert.equal(over.trimmed, true);
    assert.deepEqual(
      over.records.map((entry) => entry.id),
      ['c', 'b'],
    );
  });

  it('appends older pages and finds the cursor for the next one', () => {
    const records = appendOlder([record('b', 20)], [record('a', 10), record('b', 20)]);
    assert.deepEqual(
      records.map((entry) => entry.id),
      ['b', 'a'],
    );
    assert.equal(oldestTime(records), 10);
    assert.equal(oldestTime([]), undefined);
  });

  it('accepts only records with the fields the table needs', () => {
    assert.equal(isRequestRecord(record('a', 1)), true);
    assert.equal(isRequestRecord({ ...record('a', 1), time: 'yesterday' }), false);
    assert.equal(isRequestRecord({ id: 'a' }), false);
    assert.equal(isRequestRecord(null), false);
  });

  it('filters by model, provider, status and error words', () => {
    const failed = record('x', 1, { requestedModel: 'claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5', status: 529, error: 'Overloaded' });
    const ok = record('y', 2);
    assert.equal(matchesFilter(failed, ''), true);
    assert.equal(matchesFilter(failed, 'SONNET'), true);
    assert.equal(matchesFilter(ok, 'sonnet'), false);
    assert.equal(matchesFilter(failed, 'error 5xx'), true);
    assert.equal(matchesFilter(ok, 'error'), false);
    assert.equal(matchesFilter(ok, 'openai 200'), true);
    assert.equal(matchesFilter(failed, 'overloaded'), true);
  });
});
