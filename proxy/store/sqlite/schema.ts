import type { Database } from 'node-sqlite3-wasm';
import { requestTotalsMigration } from './request-totals';

/**
 * Schema migrations in order: entry `i` takes a database from `user_version` i to i + 1.
 * Append only; never edit a migration that has shipped.
 */
const migrations: ReadonlyArray<string> = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     time INTEGER NOT NULL,
     client_format TEXT NOT NULL,
     endpoint TEXT NOT NULL,
     client_key TEXT,
     requested_model TEXT NOT NULL,
     provider TEXT,
     model TEXT,
     status INTEGER NOT NULL,
     stream INTEGER NOT NULL,
     passthrough INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cache_read_tokens INTEGER NOT NULL,
     cache_write_tokens INTEGER NOT NULL,
     reasoning_tokens INTEGER NOT NULL,
     cost_usd REAL,
     time_to_first_token_ms REAL,
     latency_ms REAL NOT NULL,
     error TEXT,
     extra TEXT
   );
   CREATE INDEX requests_time ON requests (time);
   CREATE INDEX requests_provider_time ON requests (provider, time);
   CREATE INDEX requests_model_time ON requests (model, time);`,
  `CREATE TABLE counters (
     key TEXT NOT NULL,
     time INTEGER NOT NULL,
     amount REAL NOT NULL
   );
   CREATE INDEX counters_key_time ON counters (key, time);
   CREATE INDEX counters_time ON counters (time);
   CREATE TABLE response_cache (
     key TEXT PRIMARY KEY,
     body BLOB NOT NULL,
     body_is_json INTEGER NOT NULL,
     metadata TEXT NOT NULL,
     size INTEGER NOT NULL,
     stored_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX response_cache_stored_at ON response_cache (stored_at);
   CREATE TABLE audit (
     id TEXT PRIMARY KEY,
     time INTEGER NOT NULL,
     kind TEXT NOT NULL,
     request_id TEXT,
     data TEXT NOT NULL
   );
   CREATE INDEX audit_time ON audit (time);
   CREATE INDEX audit_request_id ON audit (request_id);`,
  // Callers by key id (a hash of the key) rather than its last four characters; calls
  // Switchyard made itself to judge a split, linked to the served call. Old rows keep client_key.
  `ALTER TABLE requests ADD COLUMN key_id TEXT;
   ALTER TABLE requests ADD COLUMN key_label TEXT;
   ALTER TABLE requests ADD COLUMN purpose TEXT;
   ALTER TABLE requests ADD COLUMN parent_id TEXT;
   CREATE INDEX requests_key_id_time ON requests (key_id, time);`,
  // Named access keys (only a hash of each key), a version every key change bumps so running
  // proxies notice with one cheap read, and the budgets' spend ledger: settled spend per budget
  // and period, and each proxy's lease on it (see spend-ledger.ts).
  `CREATE TABLE access_keys (
     hash TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     models TEXT,
     budget_usd REAL,
     budget_period TEXT,
     rpm INTEGER,
     tpm INTEGER,
     created INTEGER NOT NULL,
     last_used INTEGER,
     revoked INTEGER
   );
   CREATE UNIQUE INDEX access_keys_active_name ON access_keys (name) WHERE revoked IS NULL;
   CREATE TABLE change_versions (
     topic TEXT PRIMARY KEY,
     version INTEGER NOT NULL
   );
   INSERT INTO change_versions (topic, version) VALUES ('access_keys', 0);
   CREATE TABLE budget_spend (
     budget TEXT NOT NULL,
     period_start INTEGER NOT NULL,
     spent_usd REAL NOT NULL,
     PRIMARY KEY (budget, period_start)
   );
   CREATE TABLE budget_leases (
     budget TEXT NOT NULL,
     period_start INTEGER NOT NULL,
     holder TEXT NOT NULL,
     amount_usd REAL NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (budget, period_start, holder)
   );`,
  // The response cache evicts the least recently used entry, not the oldest stored; records
  // say whether the response cache answered and what caching saved, summed by /stats.
  `ALTER TABLE response_cache ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0;
   UPDATE response_cache SET used_at = stored_at;
   CREATE INDEX response_cache_used_at ON response_cache (used_at);
   ALTER TABLE requests ADD COLUMN cache TEXT;
   ALTER TABLE requests ADD COLUMN saved_usd REAL;
   ALTER TABLE requests ADD COLUMN prompt_cache_saved_usd REAL;`,
  // The content audit log lives in its own file (audit.db, mode 0600; sqlite-audit-sink.ts):
  // the table migration 2 made for it here was never written (nothing audited calls before the
  // log moved there), so it goes rather than linger as dead schema.
  `DROP INDEX IF EXISTS audit_time;
   DROP INDEX IF EXISTS audit_request_id;
   DROP TABLE IF EXISTS audit;`,
  // Rate limits shared by every proxy on the data folder: one row per reservation (a lease of
  // several calls' worth, or one call), summed over a sliding window (see rate-counters.ts).
  `CREATE TABLE rate_entries (
     scope TEXT NOT NULL,
     id TEXT NOT NULL,
     time INTEGER NOT NULL,
     amount REAL NOT NULL,
     open INTEGER NOT NULL,
     PRIMARY KEY (scope, id)
   );
   CREATE INDEX rate_entries_scope_time ON rate_entries (scope, time);
   CREATE INDEX rate_entries_time ON rate_entries (time);`,
  // A named key's own redaction (mode and detectors, JSON), laid over the config's.
  `ALTER TABLE access_keys ADD COLUMN redaction TEXT;`,
  // The response cache's stored bytes, summed from this index alone: the rows hold the bodies,
  // and summing a column stored after a large body reads every page of it. A proxy sharing the
  // data folder with another recounts when the other wrote (sqlite-response-cache.ts).
  `CREATE INDEX response_cache_size ON response_cache (size);`,
  // The question a response-cache entry answers: its target, the client format it came in,
  // its owner, the body and the keyed headers as sent. An entry is stored under a key of its
  // bytes; the format-independent key is added once a target has entries of two client
  // formats, from these (sqlite-response-cache.ts, cache-stage.ts). The index gives the
  // formats per target at open without reading the rows.
  `ALTER TABLE response_cache ADD COLUMN target TEXT;
   ALTER TABLE response_cache ADD COLUMN client_format TEXT;
   ALTER TABLE response_cache ADD COLUMN owner TEXT;
   ALTER TABLE response_cache ADD COLUMN request BLOB;
   ALTER TABLE response_cache ADD COLUMN request_headers TEXT;
   CREATE INDEX response_cache_target ON response_cache (target, client_format);`,
  // A cheap fingerprint of each question's bytes key (CRC-32 and length), held in memory so
  // that a request no entry's fingerprint matches is a miss without computing its SHA-256 key
  // (sqlite-response-cache.ts mayHold). Null on the rows stored before it.
  `ALTER TABLE response_cache ADD COLUMN fingerprint INTEGER;`,
  // Every request record paid for this index on its write (a tenth of the row's cost), and no
  // query uses it: the log is filtered and grouped by caller as COALESCE(key_id, client_key),
  // which an index on key_id cannot serve (EXPLAIN QUERY PLAN: SEARCH … USING INDEX
  // requests_time). An index is only ever a shortcut, so a build from before this migration
  // reads and writes the same rows without it.
  `DROP INDEX IF EXISTS requests_key_id_time;`,
  // The request log's totals per quarter hour, provider, model and caller, which /stats reads
  // instead of every record (request-totals.ts). Filling them reads every record once.
  requestTotalsMigration(),
];

/** The schema version this build writes. */
export const schemaVersion = migrations.length;

/**
 * Brings the database up to {@link schemaVersion}, each step in its own transaction so a crash
 * mid-migration leaves the previous version intact. A database from a newer Switchyard is left
 * alone: migrations add, or drop only what no build ever used, and every statement here names
 * its columns.
 */
export function migrate(database: Database): void {
  const row = database.get('PRAGMA user_version');
  let version = typeof row?.user_version === 'number' ? row.user_version : 0;
  while (version < migrations.length) {
    database.exec('BEGIN IMMEDIATE');
    try {
      database.exec(migrations[version]);
      // PRAGMA takes no bound parameters; the value is our own integer.
      database.exec(`PRAGMA user_version = ${version + 1}`);
      database.exec('COMMIT');
    } catch (error) {
      if (database.inTransaction) database.exec('ROLLBACK');
      throw error;
    }
    version += 1;
  }
}
