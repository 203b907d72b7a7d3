import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'node-sqlite3-wasm';
import { migrate } from './schema';

/** The one database file every SQLite store shares, in the data folder. */
export const databaseFileName = 'switchyard.db';

/**
 * node-sqlite3-wasm locks by creating `<database>.lock` as a directory and removes it when the
 * statement ends, so a process killed mid-write leaves it behind and every later open would
 * report SQLITE_BUSY forever. No write of ours holds it for more than a moment.
 */
const staleLockAgeMs = 60 * 1000;

/** An open `switchyard.db`, migrated to the current schema. */
export interface OpenedDatabase {
  /** The database file. */
  file: string;
  database: Database;
}

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
export function openDatabase(dataDir: string): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, databaseFileName);
  removeStaleLock(`${file}.lock`);
  const database = new (loadSqlite().Database)(file);
  try {
    database.exec('PRAGMA journal_mode = TRUNCATE');
    database.exec('PRAGMA synchronous = NORMAL');
    migrate(database);
  } catch (error) {
    database.close();
    throw error;
  }
  return { file, database };
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

export function removeStaleLock(lockPath: string): void {
  try {
    if (Date.now() - statSync(lockPath).mtimeMs > staleLockAgeMs) rmdirSync(lockPath);
  } catch {
    // No lock directory (the usual case), or another process just took or freed it.
  }
}

/** Rolls back an open transaction, if there is one. */
export function rollback(database: Database): void {
  try {
    if (database.inTransaction) database.exec('ROLLBACK');
  } catch {
    // SQLite may already have rolled back on its own after an I/O error.
  }
}
