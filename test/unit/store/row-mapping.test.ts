import assert from 'node:assert/strict';
import { accessKeyFromRow, accessKeyInsertColumns, accessKeyRowValues, changedAccessKeyColumns, type StoredAccessKey } from '../../../proxy/store/access-keys';
import { auditDataText, auditEntryFromRow, mergeQueuedAudit, type AuditEntry } from '../../../proxy/store/audit-sink';

/**
 * The one row mapping the SQLite and Postgres stores share (`store/access-keys.ts`,
 * `store/audit-sink.ts`); `test/integration/storage-ports.test.ts` runs it on both engines.
 */
describe('store row mapping shared by SQLite and Postgres', () => {
  const key: StoredAccessKey = {
    hash: 'ab'.repeat(32),
    name: 'ci',
    policy: { models: ['openai/gpt-4o-mini'], budget: { limitUsd: 5, period: 'month' }, rpm: 60, tpm: 10_000, redaction: { mode: 'block', detectors: ['email'] } },
    created: 1_700_000_000_000,
  };

  it('a key written as a row reads back as the same key', () => {
    const values = accessKeyRowValues(key);
    assert.equal(values.length, accessKeyInsertColumns.length);
    const row = Object.fromEntries(accessKeyInsertColumns.map((column, index) => [column, values[index]]));
    assert.deepEqual(accessKeyFromRow(row), key);
    assert.deepEqual(accessKeyFromRow({ ...row, last_used: 5, revoked: 6 }), { ...key, lastUsed: 5, revoked: 6 });
  });

  it('a key without limits is a row of NULLs and reads back without them', () => {
    const bare: StoredAccessKey = { hash: 'cd'.repeat(32), name: 'bare', policy: {}, created: 1 };
    const values = accessKeyRowValues(bare);
    assert.deepEqual(values, [bare.hash, 'bare', null, null, null, null, null, null, 1]);
    assert.deepEqual(accessKeyFromRow(Object.fromEntries(accessKeyInsertColumns.map((column, index) => [column, values[index]]))), bare);
  });

  it('changes set only the columns they name; null clears, redaction merges field by field', () => {
    assert.deepEqual(changedAccessKeyColumns(key, {}), []);
    assert.deepEqual(changedAccessKeyColumns(key, { rpm: null, budget: null }), [
      ['budget_usd', null],
      ['budget_period', null],
      ['rpm', null],
    ]);
    assert.deepEqual(changedAccessKeyColumns(key, { redaction: { mode: 'redact' } }), [['redaction', JSON.stringify({ mode: 'redact', detectors: ['email'] })]]);
    assert.deepEqual(changedAccessKeyColumns(key, { models: ['a/b'], tpm: 7 }), [
      ['models', '["a/b"]'],
      ['tpm', 7],
    ]);
  });

  it('an audit row reads back as its entry; data that is not JSON is reported and dropped', () => {
    const entry: AuditEntry = { id: 'aud_1', time: 10, kind: 'request', requestId: 'req_1', data: { messages: [{ role: 'user', content: 'hi' }] } };
    const errors: string[] = [];
    const text = auditDataText(entry, (error) => errors.push(error.message));
    assert.deepEqual(auditEntryFromRow({ id: 'aud_1', time: 10, kind: 'request', request_id: 'req_1', data: text }), entry);
    assert.deepEqual(auditEntryFromRow({ id: 'aud_2', time: '11', kind: 'k', request_id: null, data: '1' }), { id: 'aud_2', time: 11, kind: 'k', data: 1 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(auditDataText({ ...entry, data: cyclic as never }, (error) => errors.push(error.message)), undefined);
    assert.equal(auditDataText({ ...entry, data: undefined as never }, (error) => errors.push(error.message)), undefined);
    assert.equal(errors.length, 2);
    assert.match(errors[1]!, /aud_1: its data is not JSON/);
  });

  it('queued audit entries replace their stored copies and merge in order', () => {
    const at = (id: string, time: number, kind = 'stored'): AuditEntry => ({ id, time, kind, data: null });
    const stored = [at('b', 2), at('a', 1)];
    const queued = [at('b', 2, 'queued'), at('c', 2, 'queued'), at('d', 3, 'queued')];
    assert.deepEqual(mergeQueuedAudit(queued, stored, 'newest', 3).map((entry) => `${entry.id}:${entry.kind}`), ['d:queued', 'c:queued', 'b:queued']);
    assert.deepEqual(mergeQueuedAudit(queued, [...stored].reverse(), 'oldest', 10).map((entry) => entry.id), ['a', 'b', 'c', 'd']);
    assert.equal(mergeQueuedAudit([], stored, 'oldest', 1), stored);
  });
});
