import type { Pool } from 'pg';

/**
 * Schema migrations in order: entry `i` takes the database from version i to i + 1 (kept in
 * `switchyard_schema`). Append only; never edit a migration that has shipped. The tables mirror
 * the SQLite ones (`../sqlite/schema.ts`) column for column, so `switchyard migrate` copies rows
 * as they are and both backends answer the same; times are ms since the epoch in bigint, money
 * double precision as SQLite's REAL. The response cache is not here: it lives in Redis, or in
 * each proxy's memory without Redis.
 */
const migrations: ReadonlyArray<string> = [
  `CREATE TABLE requests (
     id text PRIMARY KEY,
     time bigint NOT NULL,
     client_format text NOT NULL,
     endpoint text NOT NULL,
     client_key text,
     requested_model text NOT NULL,
     provider text,
     model text,
     status integer NOT NULL,
     stream boolean NOT NULL,
     passthrough boolean NOT NULL,
     input_tokens bigint NOT NULL,
     output_tokens bigint NOT NULL,
     cache_read_tokens bigint NOT NULL,
     cache_write_tokens bigint NOT NULL,
     reasoning_tokens bigint NOT NULL,
     cost_usd double precision,
     time_to_first_token_ms double precision,
     latency_ms double precision NOT NULL,
     error text,
     extra text,
     key_id text,
     key_label text,
     purpose text,
     parent_id text,
     cache text,
     saved_usd double precision,
     prompt_cache_saved_usd double precision
   );
   CREATE INDEX requests_time ON requests (time);
   CREATE INDEX requests_provider_time ON requests (provider, time);
   CREATE INDEX requests_model_time ON requests (model, time);
   CREATE INDEX requests_key_id_time ON requests (key_id, time);
   CREATE TABLE counters (
     key text NOT NULL,
     time bigint NOT NULL,
     amount double precision NOT NULL
   );
   CREATE INDEX counters_key_time ON counters (key, time);
   CREATE INDEX counters_time ON counters (time);
   CREATE TABLE audit (
     id text PRIMARY KEY,
     time bigint NOT NULL,
     kind text NOT NULL,
     request_id text,
     data text NOT NULL,
     size integer NOT NULL
   );
   CREATE INDEX audit_time ON audit (time);
   CREATE INDEX audit_request_id ON audit (request_id);
   CREATE TABLE access_keys (
     hash text PRIMARY KEY,
     name text NOT NULL,
     models text,
     budget_usd double precision,
     budget_period text,
     rpm integer,
     tpm integer,
     created bigint NOT NULL,
     last_used bigint,
     revoked bigint
   );
   CREATE UNIQUE INDEX access_keys_active_name ON access_keys (name) WHERE revoked IS NULL;
   CREATE TABLE change_versions (
     topic text PRIMARY KEY,
     version bigint NOT NULL
   );
   INSERT INTO change_versions (topic, version) VALUES ('access_keys', 0);
   CREATE TABLE budget_spend (
     budget text NOT NULL,
     period_start bigint NOT NULL,
     spent_usd double precision NOT NULL,
     PRIMARY KEY (budget, period_start)
   );
   CREATE TABLE budget_leases (
     budget text NOT NULL,
     period_start bigint NOT NULL,
     holder text NOT NULL,
     amount_usd double precision NOT NULL,
     expires_at bigint NOT NULL,
     PRIMARY KEY (budget, period_start, holder)
   );`,
  // What `switchyard migrate` copied of each solo folder's spend, so a second run adds only
  // what is new (see store/team/copy-solo-data.ts).
  `CREATE TABLE migrated_budget_spend (
     source text NOT NULL,
     budget text NOT NULL,
     period_start bigint NOT NULL,
     spent_usd double precision NOT NULL,
     PRIMARY KEY (source, budget, period_start)
   );`,
  // A named key's own redaction (mode and detectors, JSON), laid over the config's; as SQLite's.
  `ALTER TABLE access_keys ADD COLUMN redaction text;`,
  // The shared config (`switchyard config push`, storage.configSource "postgres"): every version
  // kept, the newest in force; a push sends NOTIFY switchyard_config with the new version.
  `CREATE TABLE config_versions (
     version bigint PRIMARY KEY,
     config text NOT NULL,
     author text NOT NULL,
     created bigint NOT NULL,
     note text
   );`,
  // As SQLite's migration 12: no query uses this index (callers are filtered and grouped as
  // COALESCE(key_id, client_key), which an index on key_id cannot serve), and every record's
  // insert paid for it. An index is only a shortcut: a build from before reads the same rows.
  `DROP INDEX IF EXISTS requests_key_id_time;`,
];

/** The schema version this build writes. */
export const postgresSchemaVersion = migrations.length;

/**
 * The advisory lock every Switchyard holds while it migrates: proxies started together take
 * turns, and the second finds the work done. An arbitrary constant ("Swit" in ASCII).
 */
const migrationLock = 0x53776974;

/**
 * Brings the database up to {@link postgresSchemaVersion}, each step in its own transaction
 * (Postgres DDL is transactional: a failed step leaves the previous version whole). A database
 * from a newer Switchyard is refused: its tables may mean things this build does not know.
 */
export async function migratePostgres(pool: Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLock]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS switchyard_schema (version integer NOT NULL)');
      const rows = (await client.query<{ version: number }>('SELECT version FROM switchyard_schema')).rows;
      if (rows.length === 0) await client.query('INSERT INTO switchyard_schema (version) VALUES (0)');
      let version = rows[0]?.version ?? 0;
      if (version > migrations.length) {
        throw new Error(`The Switchyard schema in this database is version ${version}, newer than this Switchyard knows (${migrations.length}). Update Switchyard on every proxy that shares the database.`);
      }
      while (version < migrations.length) {
        await client.query('BEGIN');
        try {
          await client.query(migrations[version]!);
          await client.query('UPDATE switchyard_schema SET version = $1', [version + 1]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        version += 1;
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLock]).catch((error: Error) => (broken = error));
    }
  } finally {
    client.release(broken);
  }
}
