import type { PoolClient } from 'pg';
import { AccessKeyNameTaken, accessKeyFromRow, accessKeyInsertColumns, accessKeyRowValues, changedAccessKeyColumns, type AccessKeyChanges, type AccessKeyStore, type StoredAccessKey } from '../access-keys';
import type { PostgresDatabase } from './postgres-database';

/** The channel every key change is announced on, with the new version as payload. */
const keysChannel = 'switchyard_access_keys';

/**
 * Named access keys in Postgres's `access_keys` table. Every change bumps
 * `change_versions.access_keys` and sends a NOTIFY in the same transaction (delivered at commit),
 * so every proxy of a team learns of a key created, changed or revoked on any of them at once.
 * `version()` answers from the last notification, without a query, while the LISTEN connection
 * is up, and reads the table while it is not (the connection comes back with backoff).
 */
export class PostgresAccessKeys implements AccessKeyStore {
  private notifiedVersion: string | undefined;
  private listening = false;
  private readonly stopListening: () => Promise<void>;

  constructor(private readonly database: PostgresDatabase) {
    this.stopListening = database.listen(
      keysChannel,
      (payload) => {
        this.notifiedVersion = payload;
      },
      (listening) => {
        this.listening = listening;
        // Changes made while not listening are found by the read `version()` makes meanwhile;
        // the first answer after (re)connecting reads again, as a notification may have been missed.
        this.notifiedVersion = undefined;
      },
    );
  }

  async create(key: Omit<StoredAccessKey, 'lastUsed' | 'revoked'>): Promise<void> {
    await this.change(async (client) => {
      const taken = await client.query('SELECT hash FROM access_keys WHERE name = $1 AND revoked IS NULL', [key.name]);
      if (taken.rows.length > 0) throw new AccessKeyNameTaken(key.name);
      try {
        await client.query(`INSERT INTO access_keys (${accessKeyInsertColumns.join(', ')}) VALUES (${accessKeyInsertColumns.map((_column, index) => `$${index + 1}`).join(', ')})`, accessKeyRowValues(key));
      } catch (error) {
        // Two proxies creating the same name at once: the unique index decides, as in SQLite.
        if ((error as { code?: string }).code === '23505') throw new AccessKeyNameTaken(key.name);
        throw error;
      }
    });
  }

  async update(name: string, changes: AccessKeyChanges): Promise<StoredAccessKey | undefined> {
    return this.change(async (client) => {
      const row = await active(client, name);
      if (row === undefined) return undefined;
      const changed = changedAccessKeyColumns(row, changes);
      if (changed.length > 0) {
        const assignments = changed.map(([column], index) => `${column} = $${index + 1}`).join(', ');
        await client.query(`UPDATE access_keys SET ${assignments} WHERE hash = $${changed.length + 1}`, [...changed.map(([, value]) => value), row.hash]);
      }
      return active(client, name);
    });
  }

  async revoke(name: string, time: number = Date.now()): Promise<StoredAccessKey | undefined> {
    return this.change(async (client) => {
      const row = await active(client, name);
      if (row === undefined) return undefined;
      await client.query('UPDATE access_keys SET revoked = $1 WHERE hash = $2', [time, row.hash]);
      return { ...row, revoked: time };
    });
  }

  async list(): Promise<StoredAccessKey[]> {
    return (await this.database.query('SELECT * FROM access_keys ORDER BY created, name')).map(accessKeyFromRow);
  }

  async version(): Promise<string> {
    if (this.listening && this.notifiedVersion !== undefined) return this.notifiedVersion;
    const rows = await this.database.query<{ version: number }>("SELECT version FROM change_versions WHERE topic = 'access_keys'");
    const version = String(rows[0]?.version ?? 0);
    if (this.listening) this.notifiedVersion ??= version;
    return version;
  }

  async markUsed(lastUsed: ReadonlyMap<string, number>): Promise<void> {
    if (lastUsed.size === 0) return;
    // Not a change of the keys: no version bump, so proxies do not reload for it.
    await this.database.query('UPDATE access_keys SET last_used = GREATEST(COALESCE(last_used, 0), used.time) FROM unnest($1::text[], $2::bigint[]) AS used(hash, time) WHERE access_keys.hash = used.hash', [
      [...lastUsed.keys()],
      [...lastUsed.values()],
    ]);
  }

  async close(): Promise<void> {
    await this.stopListening();
  }

  /** One transaction that changes keys, bumps their version and announces it. */
  private change<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.database.transaction(async (client) => {
      const result = await body(client);
      const bumped = await client.query<{ version: number }>("UPDATE change_versions SET version = version + 1 WHERE topic = 'access_keys' RETURNING version");
      await client.query('SELECT pg_notify($1, $2)', [keysChannel, String(bumped.rows[0]?.version ?? 0)]);
      return result;
    });
  }
}

async function active(client: PoolClient, name: string): Promise<StoredAccessKey | undefined> {
  const rows = (await client.query('SELECT * FROM access_keys WHERE name = $1 AND revoked IS NULL', [name])).rows;
  return rows.length === 0 ? undefined : accessKeyFromRow(rows[0]);
}
