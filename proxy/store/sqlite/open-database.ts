import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { StoreBusyError } from '../store-busy';
import { ConnectionMutex } from './connection-mutex';
import { DatabaseLock } from './database-lock';
import { migrate } from './schema';

/** The one database file every SQLite store shares, in the data folder. */
export const databaseFileName = 'switchyard.db';

/** An open `switchyard.db`, migrated to the current schema. */
export interface OpenedDatabase {
  /** The database file. */
  file: string;
  database: Database;
  /** The connection's lock registration: `release()` it when closing the database. */
  lock: DatabaseLock;
  /** Shared with the other connection of this process (the writer thread's), when there is one. */
  mutex: ConnectionMutex;
}

/**
 * How long a statement waits for the other connection of this process (ms): it holds the mutex
 * for one transaction, whose commit's fsyncs take milliseconds, tens on a loaded disk.
 */
const mutexWaitMs = 5000;

/**
 * Opens (creating or migrating) `switchyard.db` in `dataDir`, which is created if missing.
 *
 * Durability: every write of the stores is one transaction behind a rollback journal, so a
 * process crash never corrupts the file. synchronous=NORMAL rather than OFF: both survive
 * a process crash alike (the bytes are in the OS cache in order either way), but OFF lets an OS
 * crash or power cut corrupt the file, and a corrupt log means running without one. NORMAL's
 * fsyncs are paid per write, not per record: measured with bench/store-write.ts, about 1 ms of
 * CPU a write more than OFF, half a microsecond a record at load, where a write holds up to
 * 2000 records.
 *
 * Journal: rollback journal in TRUNCATE mode. WAL needs the VFS's shared-memory methods, which
 * node-sqlite3-wasm does not implement (`journal_mode=WAL` stays `delete`); it only works with
 * `locking_mode=EXCLUSIVE`, which would hold the lock directory for the life of the process,
 * lock out a second proxy or a CLI reading the log, and be left behind by every crash. MEMORY
 * or OFF journals would let a crash mid-write corrupt the file. PERSIST measured no cheaper.
 */
export function openDatabase(dataDir: string, sharedMutex?: ConnectionMutex): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, databaseFileName);
  const mutex = sharedMutex ?? ConnectionMutex.of(path.resolve(file));
  const lock = new DatabaseLock(file);
  lock.register();
  lock.clearIfStale();
  let database: Database;
  try {
    database = new (loadSqlite().Database)(file);
  } catch (error) {
    lock.release();
    throw error;
  }
  recoverFromStaleLocks(database, lock, mutex);
  try {
    // Another process (a proxy, the keys command) may hold the lock for a moment: wait, briefly.
    retryWhileBusy(() => {
      database.exec('PRAGMA journal_mode = TRUNCATE');
      database.exec('PRAGMA synchronous = NORMAL');
      migrate(database);
    });
  } catch (error) {
    database.close();
    lock.release();
    throw error;
  }
  return { file, database, lock, mutex };
}

/**
 * Every statement the stores run goes through `exec`, `run`, `all`, `get` or `prepare` (a
 * prepared statement runs inside a transaction one of them began): each takes this process's
 * connection mutex (held until a transaction ends), and each, refused as locked by a lock
 * directory a dead process left, clears it and runs again (see `DatabaseLock`).
 */
export function recoverFromStaleLocks(database: Database, lock: DatabaseLock, mutex?: ConnectionMutex): void {
  const exec = database.exec.bind(database);
  const run = database.run.bind(database);
  const all = database.all.bind(database);
  const get = database.get.bind(database);
  const prepare = database.prepare.bind(database);
  const guarded = <T>(statement: () => T): T => {
    if (mutex === undefined) return withoutStackTraces(() => lock.recovering(statement));
    try {
      mutex.enter(mutexWaitMs);
    } catch {
      // The other thread has held it for seconds: as busy as another process's lock, and answered alike.
      throw new StoreBusyError(lock.databaseFile, "this process's other connection (the SQLite writer thread)", mutexWaitMs);
    }
    try {
      return withoutStackTraces(() => lock.recovering(statement));
    } finally {
      if (!database.isOpen || !database.inTransaction) mutex.leave();
    }
  };
  database.exec = (sql) => guarded(() => exec(sql));
  database.run = (sql, values) => guarded(() => run(sql, values));
  database.all = (sql, values, options) => guarded(() => all(sql, values, options));
  database.get = (sql, values, options) => guarded(() => get(sql, values, options));
  database.prepare = (sql) => guarded(() => prepare(sql));
}

/**
 * Runs a statement with V8's stack traces off, for the errors node-sqlite3-wasm throws and catches
 * itself: at every lock it takes, SQLite asks its VFS whether a `-wal` file exists, and the VFS
 * answers with `fs.accessSync`, which throws for a missing file. Node builds that error with a
 * captured stack (UVException), ~120,000 instructions under Liftoff — a fifth of a whole
 * transaction's fixed cost (bench/row-instructions.ts, one-record transactions). An error that
 * leaves the statement gets its stack captured here instead, from the store's call down.
 */
function withoutStackTraces<T>(statement: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return statement();
  } catch (error) {
    Error.stackTraceLimit = limit;
    if (error instanceof Error) Error.captureStackTrace(error, withoutStackTraces);
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Runs `action`, again after a short sleep while SQLite answers "database is locked", for up to
 * 3 s. The sleep blocks the thread (Atomics.wait): only for opening, before anything is served.
 */
function retryWhileBusy(action: () => void): void {
  const started = Date.now();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      action();
      return;
    } catch (error) {
      if (!/database is locked/i.test((error as Error).message) || Date.now() - started > 3000) throw error;
    }
    Atomics.wait(sleeper, 0, 0, wait);
  }
}

type SqliteModule = typeof import('node-sqlite3-wasm');
let sqliteModule: SqliteModule | undefined;

/**
 * node-sqlite3-wasm compiles its WASM synchronously when first required, reading
 * `node-sqlite3-wasm.wasm` from beside the requiring script: in the bundle, beside
 * `dist/proxy.js`. Requiring it here rather than at import turns a missing file into an
 * error from openDatabase, which the proxy survives without a log, instead of a crash
 * at startup.
 */
export function loadSqlite(): SqliteModule {
  sqliteModule ??= require('node-sqlite3-wasm') as SqliteModule;
  return sqliteModule;
}

/** Rolls back an open transaction, if there is one. */
export function rollback(database: Database): void {
  try {
    if (database.inTransaction) database.exec('ROLLBACK');
  } catch {
    // SQLite may already have rolled back on its own after an I/O error.
  }
}
