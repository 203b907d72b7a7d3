import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { openDatabase } from '../../../proxy/store/sqlite/open-database';
import { RecordInsert, rowsPerStatement } from '../../../proxy/store/sqlite/record-insert';
import { recordColumns } from '../../../proxy/store/sqlite/record-row';
import type { RequestRecord } from '../../../proxy/store/request-record';
import { sampleRecord } from '../../support/sample-record';

/** Records whose values sit on every edge a binding could get wrong. */
function edgeRecords(): RequestRecord[] {
  const long = 'ä'.repeat(9_000) + '🙏'.repeat(3_000); // past the staging buffer's first 16 KB
  const numbers = [0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, 0.1 + 0.2, 1e-300, -123.456, 1_765_000_000_123];
  const records: RequestRecord[] = numbers.map((number, index) =>
    sampleRecord({
      id: `req_edge_${String(index).padStart(3, '0')}`,
      time: 1_765_000_000_000 + index,
      inputTokens: number,
      outputTokens: -number,
      costUsd: number,
      timeToFirstTokenMs: index % 2 === 0 ? null : number,
      latencyMs: number,
      status: index % 2 === 0 ? 200 : 2 ** 31,
    }),
  );
  records.push(
    sampleRecord({ id: 'req_edge_text', time: 1_765_000_001_000, requestedModel: '', model: 'modèle-ünïcode-模型', endpoint: '/v1/messages', error: long, clientKey: '', keyLabel: 'étiquette' }),
    sampleRecord({ id: 'req_edge_empty', time: 1_765_000_001_001, provider: undefined, model: undefined, costUsd: Number.NaN, latencyMs: Number.POSITIVE_INFINITY, error: '' }),
    { ...sampleRecord({ id: 'req_edge_extra', time: 1_765_000_001_002, finishReason: 'stop', overheadMs: 0.4 }), note: 'a field the type does not know "quoted" \\ ✓' } as RequestRecord,
  );
  return records;
}

/** Every column of every row, with SQLite's type beside its value, in id order. */
function storedRows(database: Database): unknown[] {
  const columns = recordColumns.map((column) => `${column}, typeof(${column}) AS ${column}_type`).join(', ');
  return database.all(`SELECT ${columns} FROM requests ORDER BY id`);
}

function insertAll(database: Database, insert: RecordInsert, records: readonly RequestRecord[]): void {
  database.exec('BEGIN IMMEDIATE');
  insert.insert(records);
  database.exec('COMMIT');
}

/** `records` written to one database bound directly and to another through Statement.run, then `check`ed. */
function insertBothWays(directory: string, records: readonly RequestRecord[], check: (direct: Database, bound: Database) => void): void {
  const direct = openDatabase(path.join(directory, 'direct'));
  const bound = openDatabase(path.join(directory, 'bound'));
  const directInsert = new RecordInsert(direct.database);
  const boundInsert = new RecordInsert(bound.database, { direct: false });
  try {
    insertAll(direct.database, directInsert, records);
    insertAll(bound.database, boundInsert, records);
    check(direct.database, bound.database);
  } finally {
    directInsert.finalize();
    boundInsert.finalize();
    direct.database.close();
    bound.database.close();
  }
}

describe('the request log bound directly through node-sqlite3-wasm\'s C functions', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-direct-binding-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('is what the shipped node-sqlite3-wasm gets (a version without it falls back to Statement.run)', () => {
    const { database } = openDatabase(path.join(directory, 'a'));
    const insert = new RecordInsert(database);
    try {
      assert.equal(insert.bindsDirectly, true);
      assert.equal(new RecordInsert(database, { direct: false }).bindsDirectly, false);
    } finally {
      insert.finalize();
      database.close();
    }
  });

  it('stores every value and its type exactly as Statement.run does', () => {
    const records = edgeRecords();
    // Enough rows for a 64-row statement and the smaller remainders.
    for (let index = 0; records.length < rowsPerStatement + 7; index += 1) records.push(sampleRecord({ id: `req_fill_${String(index).padStart(3, '0')}`, time: 1_765_000_002_000 + index, model: `m-${index}` }));
    insertBothWays(directory, records, (direct, bound) => {
      const expected = storedRows(bound);
      assert.equal(expected.length, records.length);
      assert.deepEqual(storedRows(direct), expected);
    });
  });

  it('stores a string repeated from the row before (staged once) as each row gave it, ASCII or not', () => {
    // Values that repeat in their column from one row to the next, that come back two rows later,
    // that move to another column, and that repeat in a statement with non-ASCII text (its
    // strings are then written one by one).
    const models = ['gpt-4o-mini', 'gpt-4o-mini', 'claude', 'gpt-4o-mini', 'modèle', 'modèle', 'm', 'modèle'];
    const records: RequestRecord[] = [];
    for (let index = 0; records.length < rowsPerStatement * 2 + 3; index += 1) {
      const model = models[index % models.length]!;
      records.push(
        sampleRecord({
          id: `req_repeat_${String(index).padStart(3, '0')}`,
          time: 1_765_000_003_000 + index,
          model,
          requestedModel: index % 3 === 0 ? models[(index + 1) % models.length]! : model,
          provider: index < rowsPerStatement ? 'openai' : 'fournisseur-é',
          keyLabel: index % 2 === 0 ? model : undefined,
        }),
      );
    }
    insertBothWays(directory, records, (direct, bound) => {
      assert.deepEqual(
        direct.all('SELECT model, requested_model, provider, key_label FROM requests ORDER BY id'),
        records.map((record) => ({ model: record.model, requested_model: record.requestedModel, provider: record.provider, key_label: record.keyLabel ?? null })),
      );
      assert.deepEqual(storedRows(direct), storedRows(bound));
    });
  });

  it('throws SQLite\'s own error for a row the schema rejects, and writes the next statement', () => {
    const { database } = openDatabase(path.join(directory, 'a'));
    const insert = new RecordInsert(database);
    try {
      const bad = { ...sampleRecord({ id: 'req_bad', time: 1 }), endpoint: null } as unknown as RequestRecord;
      database.exec('BEGIN IMMEDIATE');
      assert.throws(() => insert.insert([sampleRecord({ id: 'req_good', time: 1 }), bad]), /NOT NULL constraint failed: requests\.endpoint/);
      insert.insert([sampleRecord({ id: 'req_after', time: 2, model: 'après' })]);
      database.exec('COMMIT');
      assert.deepEqual(
        database.all('SELECT id, model FROM requests ORDER BY id'),
        [{ id: 'req_after', model: 'après' }],
      );
    } finally {
      insert.finalize();
      database.close();
    }
  });
});
