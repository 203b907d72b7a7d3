import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Database, NormalQueryResult } from 'node-sqlite3-wasm';
import type { AuditEntry } from '../audit-sink';
import { PostgresAuditSink } from '../postgres/postgres-audit-sink';
import { openPostgresDatabase, type PostgresDatabase } from '../postgres/postgres-database';
import { PostgresRequestLog } from '../postgres/postgres-request-log';
import type { JsonValue } from '../response-cache';
import { databaseFileName, openDatabase } from '../sqlite/open-database';
import { decodeRecordRow } from '../sqlite/record-row';
import { auditDatabaseFileName, openAuditDatabase } from '../sqlite/sqlite-audit-sink';

/** What one run of `switchyard migrate` copied. */
export interface CopyReport {
  records: number;
  keys: number;
  /** Keys left out: a key in force in Postgres already has the name (another hash). */
  keysSkipped: string[];
  /** Budget slots whose spend was added (only what is new since the last run). */
  budgetSlots: number;
  spentUsd: number;
  auditEntries: number;
}

const pageRows = 1000;

/**
 * Copies a solo data folder (`switchyard.db`, `audit.db`) into a team's PostgreSQL: request
 * records, named keys (hashes only, with their last-used and revoked times), budgets' spend,
 * and the audit log. Idempotent: records, keys and audit entries are keyed by their ids, and
 * spend is copied as the difference from what an earlier run of the same folder copied (kept
 * in `migrated_budget_spend`), so running it again — even after the solo proxy served more —
 * never counts a dollar twice. Leases and rate windows are not copied: they are seconds long.
 */
export async function copySoloData(dataDir: string, postgresUrl: string, progress: (line: string) => void = () => {}): Promise<CopyReport> {
  if (!existsSync(path.join(dataDir, databaseFileName))) throw new Error(`There is no ${databaseFileName} in ${dataDir}: give the data folder a solo Switchyard ran with (--data-dir).`);
  const target = await openPostgresDatabase(postgresUrl);
  const { database: solo } = openDatabase(dataDir);
  try {
    const report: CopyReport = { records: 0, keys: 0, keysSkipped: [], budgetSlots: 0, spentUsd: 0, auditEntries: 0 };
    report.records = await copyRecords(solo, target, progress);
    Object.assign(report, await copyKeys(solo, target));
    Object.assign(report, await copySpend(solo, target, `${hostname()}:${realpathSync(dataDir)}`));
    if (existsSync(path.join(dataDir, auditDatabaseFileName))) {
      const audit = openAuditDatabase(dataDir);
      try {
        report.auditEntries = await copyAudit(audit, target, progress);
      } finally {
        audit.close();
      }
    }
    return report;
  } finally {
    solo.close();
    await target.close();
  }
}

/** Records page by page in (time, id) order, each page one statement. */
async function copyRecords(solo: Database, target: PostgresDatabase, progress: (line: string) => void): Promise<number> {
  const log = new PostgresRequestLog(target);
  let after: { time: number; id: string } = { time: -1, id: '' };
  let copied = 0;
  for (;;) {
    const rows = solo.all('SELECT * FROM requests WHERE time > ? OR (time = ? AND id > ?) ORDER BY time, id LIMIT ?', [after.time, after.time, after.id, pageRows]) as NormalQueryResult[];
    if (rows.length === 0) return copied;
    const records = rows.map(decodeRecordRow);
    const fresh = await countAbsent(target, 'requests', records.map((record) => record.id));
    const rejected = await log.write(records);
    if (rejected.length > 0) throw new Error(`PostgreSQL refused record ${rejected[0]!.record.id}: ${String(rejected[0]!.error)}`);
    copied += fresh;
    const last = rows[rows.length - 1]!;
    after = { time: Number(last.time), id: String(last.id) };
    progress(`records: ${copied}`);
  }
}

/** Keys by hash; one whose name a different key in force holds in Postgres is reported, not copied. */
async function copyKeys(solo: Database, target: PostgresDatabase): Promise<Pick<CopyReport, 'keys' | 'keysSkipped'>> {
  const rows = solo.all('SELECT * FROM access_keys ORDER BY created, name') as NormalQueryResult[];
  let keys = 0;
  const keysSkipped: string[] = [];
  await target.transaction(async (client) => {
    for (const row of rows) {
      await client.query('SAVEPOINT key');
      try {
        const inserted = await client.query(
          `INSERT INTO access_keys (hash, name, models, budget_usd, budget_period, rpm, tpm, redaction, created, last_used, revoked)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (hash) DO UPDATE SET last_used = GREATEST(access_keys.last_used, excluded.last_used), revoked = COALESCE(access_keys.revoked, excluded.revoked)
           RETURNING (xmax = 0) AS inserted`,
          [row.hash, row.name, row.models, row.budget_usd, row.budget_period, row.rpm, row.tpm, row.redaction ?? null, row.created, row.last_used, row.revoked],
        );
        // An update of a key copied before is not a copy: the report says what is new.
        if (inserted.rows[0]?.inserted === true) keys += 1;
        await client.query('RELEASE SAVEPOINT key');
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT key');
        if ((error as { code?: string }).code !== '23505') throw error;
        keysSkipped.push(String(row.name));
      }
    }
    // Running proxies pick the keys up at once, as after any key change.
    const bumped = await client.query<{ version: number }>("UPDATE change_versions SET version = version + 1 WHERE topic = 'access_keys' RETURNING version");
    await client.query('SELECT pg_notify($1, $2)', ['switchyard_access_keys', String(bumped.rows[0]?.version ?? 0)]);
  });
  return { keys, keysSkipped };
}

/** Spend per slot, adding only what this folder spent since its last migration. */
async function copySpend(solo: Database, target: PostgresDatabase, source: string): Promise<Pick<CopyReport, 'budgetSlots' | 'spentUsd'>> {
  const rows = solo.all('SELECT budget, period_start, spent_usd FROM budget_spend ORDER BY budget, period_start') as NormalQueryResult[];
  let budgetSlots = 0;
  let spentUsd = 0;
  await target.transaction(async (client) => {
    for (const row of rows) {
      const slot = [String(row.budget), Number(row.period_start)];
      const total = Number(row.spent_usd);
      const earlier = await client.query<{ spent_usd: number }>('SELECT spent_usd FROM migrated_budget_spend WHERE source = $1 AND budget = $2 AND period_start = $3 FOR UPDATE', [source, ...slot]);
      const delta = total - Number(earlier.rows[0]?.spent_usd ?? 0);
      if (delta === 0) continue;
      await client.query(
        'INSERT INTO budget_spend (budget, period_start, spent_usd) VALUES ($1, $2, $3) ON CONFLICT (budget, period_start) DO UPDATE SET spent_usd = budget_spend.spent_usd + excluded.spent_usd',
        [...slot, delta],
      );
      await client.query(
        'INSERT INTO migrated_budget_spend (source, budget, period_start, spent_usd) VALUES ($1, $2, $3, $4) ON CONFLICT (source, budget, period_start) DO UPDATE SET spent_usd = excluded.spent_usd',
        [source, ...slot, total],
      );
      budgetSlots += 1;
      spentUsd += delta;
    }
  });
  return { budgetSlots, spentUsd };
}

async function copyAudit(audit: Database, target: PostgresDatabase, progress: (line: string) => void): Promise<number> {
  let failure: unknown;
  const sink = new PostgresAuditSink(target, { flushIntervalMs: 60_000, onError: (error) => (failure ??= error) });
  let after = { time: -1, id: '' };
  let copied = 0;
  try {
    for (;;) {
      const rows = audit.all('SELECT id, time, kind, request_id, data FROM audit WHERE time > ? OR (time = ? AND id > ?) ORDER BY time, id LIMIT ?', [after.time, after.time, after.id, pageRows]) as NormalQueryResult[];
      if (rows.length === 0) return copied;
      const fresh = await countAbsent(target, 'audit', rows.map((row) => String(row.id)));
      for (const row of rows) {
        const entry: AuditEntry = { id: String(row.id), time: Number(row.time), kind: String(row.kind), data: JSON.parse(String(row.data)) as JsonValue };
        if (typeof row.request_id === 'string') entry.requestId = row.request_id;
        sink.write(entry);
      }
      await sink.flush();
      if (failure !== undefined) throw failure;
      copied += fresh;
      const last = rows[rows.length - 1]!;
      after = { time: Number(last.time), id: String(last.id) };
      progress(`audit entries: ${copied}`);
    }
  } finally {
    await sink.close();
  }
}

/**
 * How many of these ids the table does not hold yet: a second run writes them again (the
 * writes keep what is there), and the report must say it copied nothing.
 */
async function countAbsent(target: PostgresDatabase, table: 'requests' | 'audit', ids: string[]): Promise<number> {
  const [row] = await target.query<{ present: string }>(`SELECT count(*) AS present FROM ${table} WHERE id = ANY($1::text[])`, [ids]);
  return ids.length - Number(row?.present ?? 0);
}
