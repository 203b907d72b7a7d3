import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenedDatabase } from '../../../proxy/store/sqlite/open-database';

describe('the statements of an opened database', () => {
  let dataDir: string;
  let opened: OpenedDatabase;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-open-database-'));
    opened = openDatabase(dataDir);
  });

  afterEach(() => {
    opened.database.close();
    opened.lock.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A named function, so a stack that reaches the store's call shows it. */
  function storeReadsMissingTable(): void {
    opened.database.all('SELECT * FROM no_such_table');
  }

  it('runs with stack traces off but gives an error that leaves it a stack from the caller down', () => {
    const limit = Error.stackTraceLimit;
    let seenInside: number | undefined;
    opened.database.function('stack_limit', () => {
      seenInside = Error.stackTraceLimit;
      return 0;
    });
    opened.database.get('SELECT stack_limit() AS limit_seen');
    assert.equal(seenInside, 0, 'statements run with Error.stackTraceLimit 0');
    assert.equal(Error.stackTraceLimit, limit, 'the limit is restored after a statement');

    assert.throws(storeReadsMissingTable, (error: Error) => {
      assert.match(error.message, /no such table/);
      assert.match(error.stack ?? '', /storeReadsMissingTable/, 'the stack is captured again where the error leaves the statement');
      return true;
    });
    assert.equal(Error.stackTraceLimit, limit, 'the limit is restored after a failed statement');
  });

  it('keeps the stack limit whatever a transaction does', () => {
    const limit = Error.stackTraceLimit;
    opened.database.exec('BEGIN IMMEDIATE');
    opened.database.exec('CREATE TABLE scratch (value INTEGER)');
    opened.database.run('INSERT INTO scratch (value) VALUES (?)', [1]);
    opened.database.exec('COMMIT');
    assert.equal(Error.stackTraceLimit, limit);
    assert.deepEqual(opened.database.all('SELECT value FROM scratch'), [{ value: 1 }]);
  });
});
