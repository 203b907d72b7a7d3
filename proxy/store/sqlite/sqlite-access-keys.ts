import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Database, NormalQueryResult } from 'node-sqlite3-wasm';
import { AccessKeyNameTaken, accessKeyFromRow, accessKeyInsertColumns, accessKeyRowValues, changedAccessKeyColumns, type AccessKeyChanges, type AccessKeyStore, type StoredAccessKey } from '../access-keys';
import { whenNotBusy } from './busy';
import { rollback } from './open-database';

/**
 * Named access keys in the `access_keys` table; every change bumps `change_versions.access_keys`
 * and rewrites a marker file beside the database. Proxies poll the marker (a read of a few
 * bytes, no lock): reading the database twice a second would take its lock directory each time,
 * which costs every process on the folder, and most of all under load.
 */
export class SqliteAccessKeys implements AccessKeyStore {
  private readonly database: Database;
  private readonly marker: string;

  /**
   * @param database An open `switchyard.db`; closing it stays with its owner.
   * @param file The database file: the marker is `<file>.keys-version`.
   */
  constructor(database: Database, file: string) {
    this.database = database;
    this.marker = `${file}.keys-version`;
  }

  async create(key: Omit<StoredAccessKey, 'lastUsed' | 'revoked'>): Promise<void> {
    await whenNotBusy(() =>
      this.change(() => {
        const taken = this.database.get('SELECT hash FROM access_keys WHERE name = ? AND revoked IS NULL', key.name);
        if (taken !== null) throw new AccessKeyNameTaken(key.name);
        this.database.run(`INSERT INTO access_keys (${accessKeyInsertColumns.join(', ')}) VALUES (${accessKeyInsertColumns.map(() => '?').join(', ')})`, accessKeyRowValues(key));
      }),
    );
  }

  async update(name: string, changes: AccessKeyChanges): Promise<StoredAccessKey | undefined> {
    return whenNotBusy(() =>
      this.change(() => {
        const row = this.active(name);
        if (row === undefined) return undefined;
        const changed = changedAccessKeyColumns(row, changes);
        if (changed.length > 0) {
          this.database.run(`UPDATE access_keys SET ${changed.map(([column]) => `${column} = ?`).join(', ')} WHERE hash = ?`, [...changed.map(([, value]) => value), row.hash]);
        }
        return this.active(name);
      }),
    );
  }

  async revoke(name: string, time: number = Date.now()): Promise<StoredAccessKey | undefined> {
    return whenNotBusy(() =>
      this.change(() => {
        const row = this.active(name);
        if (row === undefined) return undefined;
        this.database.run('UPDATE access_keys SET revoked = ? WHERE hash = ?', [time, row.hash]);
        return { ...row, revoked: time };
      }),
    );
  }

  async list(): Promise<StoredAccessKey[]> {
    // A read for the control API: it waits as long as the request log's reads before the route answers 503.
    return whenNotBusy(() => (this.database.all('SELECT * FROM access_keys ORDER BY created, name') as NormalQueryResult[]).map(accessKeyFromRow), 2000);
  }

  async version(): Promise<string> {
    // Polled every 500 ms, and the marker is absent until a key changes: a failed read throws
    // with a captured stack (12.6–13.6 µs a poll against 2.1–2.8 µs asking first, log11).
    if (!existsSync(this.marker)) return 'none';
    try {
      // The content is the database's key version: exact where modification times are coarse.
      return readFileSync(this.marker, 'utf8');
    } catch {
      // No key was ever changed through this build: the database's own version says the rest.
      return 'none';
    }
  }

  async markUsed(lastUsed: ReadonlyMap<string, number>): Promise<void> {
    if (lastUsed.size === 0) return;
    await whenNotBusy(() => {
      this.database.exec('BEGIN IMMEDIATE');
      try {
        // Not a change of the keys: the version stays, so proxies do not reload for it.
        for (const [hash, time] of lastUsed) this.database.run('UPDATE access_keys SET last_used = MAX(COALESCE(last_used, 0), ?) WHERE hash = ?', [time, hash]);
        this.database.exec('COMMIT');
      } catch (error) {
        rollback(this.database);
        throw error;
      }
    });
  }

  async close(): Promise<void> {}

  private active(name: string): StoredAccessKey | undefined {
    const row = this.database.get('SELECT * FROM access_keys WHERE name = ? AND revoked IS NULL', name) as NormalQueryResult | null;
    return row === null ? undefined : accessKeyFromRow(row);
  }

  /** One transaction that changes keys and bumps their version. */
  private change<T>(body: () => T): T {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.database.run("UPDATE change_versions SET version = version + 1 WHERE topic = 'access_keys'");
      this.database.exec('COMMIT');
      const version = this.database.get("SELECT version FROM change_versions WHERE topic = 'access_keys'")?.version;
      // After the commit, so a proxy that sees the marker move reads the change.
      writeFileSync(this.marker, `${String(version)}\n`);
      return result;
    } catch (error) {
      rollback(this.database);
      throw error;
    }
  }
}
