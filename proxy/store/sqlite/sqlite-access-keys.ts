import { readFileSync, writeFileSync } from 'node:fs';
import type { Database, NormalQueryResult } from 'node-sqlite3-wasm';
import type { BudgetPeriod, KeyPolicy, KeyRedaction } from '../../core/principal';
import { AccessKeyNameTaken, changedRedaction, type AccessKeyChanges, type AccessKeyStore, type StoredAccessKey } from '../access-keys';
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
        const { policy } = key;
        this.database.run(
          'INSERT INTO access_keys (hash, name, models, budget_usd, budget_period, rpm, tpm, redaction, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            key.hash,
            key.name,
            policy.models === undefined ? null : JSON.stringify(policy.models),
            policy.budget?.limitUsd ?? null,
            policy.budget?.period ?? null,
            policy.rpm ?? null,
            policy.tpm ?? null,
            policy.redaction === undefined ? null : JSON.stringify(policy.redaction),
            key.created,
          ],
        );
      }),
    );
  }

  async update(name: string, changes: AccessKeyChanges): Promise<StoredAccessKey | undefined> {
    return whenNotBusy(() =>
      this.change(() => {
        const row = this.active(name);
        if (row === undefined) return undefined;
        const columns: string[] = [];
        const values: Array<string | number | null> = [];
        if (changes.models !== undefined) {
          columns.push('models = ?');
          values.push(changes.models === null ? null : JSON.stringify(changes.models));
        }
        if (changes.budget !== undefined) {
          columns.push('budget_usd = ?', 'budget_period = ?');
          values.push(changes.budget?.limitUsd ?? null, changes.budget?.period ?? null);
        }
        if (changes.rpm !== undefined) {
          columns.push('rpm = ?');
          values.push(changes.rpm);
        }
        if (changes.tpm !== undefined) {
          columns.push('tpm = ?');
          values.push(changes.tpm);
        }
        if (changes.redaction !== undefined) {
          const redaction = changedRedaction(row.policy.redaction, changes.redaction);
          columns.push('redaction = ?');
          values.push(redaction === undefined ? null : JSON.stringify(redaction));
        }
        if (columns.length > 0) this.database.run(`UPDATE access_keys SET ${columns.join(', ')} WHERE hash = ?`, [...values, row.hash]);
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
    return whenNotBusy(() => (this.database.all('SELECT * FROM access_keys ORDER BY created, name') as NormalQueryResult[]).map(decodeKeyRow));
  }

  async version(): Promise<string> {
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
    return row === null ? undefined : decodeKeyRow(row);
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

function decodeKeyRow(row: NormalQueryResult): StoredAccessKey {
  const policy: { -readonly [K in keyof KeyPolicy]: KeyPolicy[K] } = {};
  if (typeof row.models === 'string') policy.models = JSON.parse(row.models) as string[];
  if (typeof row.budget_usd === 'number' && typeof row.budget_period === 'string') policy.budget = { limitUsd: row.budget_usd, period: row.budget_period as BudgetPeriod };
  if (typeof row.rpm === 'number') policy.rpm = row.rpm;
  if (typeof row.tpm === 'number') policy.tpm = row.tpm;
  if (typeof row.redaction === 'string') policy.redaction = JSON.parse(row.redaction) as KeyRedaction;
  const key: StoredAccessKey = { hash: String(row.hash), name: String(row.name), policy, created: Number(row.created) };
  if (typeof row.last_used === 'number') key.lastUsed = row.last_used;
  if (typeof row.revoked === 'number') key.revoked = row.revoked;
  return key;
}
