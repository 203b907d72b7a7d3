/**
 * `node --liftoff-only --import tsx bench/log-queries.ts [--rows 1000000] [--repeat 5] [--keep <folder>]`:
 * how long the request log's reads take on a long log, with and without the `(provider, time)`
 * and `(model, time)` indexes, so that whether every record's write should pay for them is a
 * measured choice.
 *
 * Fills a fresh `switchyard.db` with `--rows` records spread evenly over the 30 days the log
 * keeps by default (providers and models in shares like a developer's week: two providers
 * carry most calls, one provider and one model are rare), through `SqliteRequestLog.write` in
 * 2,000-record transactions as the proxy's flush writes them. Then every read the panel, the
 * control API and the CLI make — `recent` (newest first, 100 at most) filtered by provider or
 * model (common, rare, absent), with a time range, and `aggregate` by provider, model and day
 * over a day and over the whole log — is timed with the indexes, without them (dropped), and
 * with them again (recreated), each the median of `--repeat` runs, with SQLite's
 * `EXPLAIN QUERY PLAN` for each side. `--liftoff-only` is how the proxy runs SQLite's
 * WebAssembly (proxy/main.ts); without it the reads run faster than the proxy's would.
 * `--keep <folder>` leaves the filled database there and reuses it on the next run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Database } from 'node-sqlite3-wasm';
import type { AggregateBy, AggregateThen } from '../proxy/store/aggregate';
import type { AggregateScope, RecordFilter } from '../proxy/store/record-filter';
import type { RequestRecord } from '../proxy/store/request-record';
import { openDatabase } from '../proxy/store/sqlite/open-database';
import { SqliteRequestLog } from '../proxy/store/sqlite/sqlite-request-log';
import { sampleRecord } from '../test/support/sample-record';
import { runMain } from './run-main';

const day = 24 * 60 * 60 * 1000;
const end = Date.UTC(2026, 11, 1);
const start = end - 30 * day;

/** Provider, its share of calls, its models (the first the most used). */
const mix: ReadonlyArray<{ provider: string; share: number; models: string[] }> = [
  { provider: 'anthropic', share: 0.5, models: ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'] },
  { provider: 'openai', share: 0.35, models: ['gpt-4o-mini', 'gpt-4o', 'o4-mini'] },
  { provider: 'gemini', share: 0.1, models: ['gemini-2.5-flash', 'gemini-2.5-pro'] },
  { provider: 'groq', share: 0.049, models: ['llama-3.3-70b'] },
  // One call in a thousand: the filter a user reaches for to find the few calls to a new provider.
  { provider: 'mistral', share: 0.001, models: ['mistral-large'] },
];

function recordAt(index: number, rows: number): RequestRecord {
  // A fixed spread of shares (no randomness: every run writes the same log).
  const position = ((index * 7919) % 100_000) / 100_000;
  let cumulative = 0;
  let chosen = mix[0]!;
  for (const entry of mix) {
    cumulative += entry.share;
    chosen = entry;
    if (position < cumulative) break;
  }
  // The first model of a provider takes 70 %, the others share the rest.
  const modelIndex = chosen.models.length === 1 || index % 10 < 7 ? 0 : 1 + (index % (chosen.models.length - 1));
  const model = chosen.models[modelIndex]!;
  const record = sampleRecord({
    id: `req_5f3a9c01b2d4${index.toString(36).padStart(7, '0')}`,
    time: start + Math.floor(((end - start) * index) / rows),
    provider: chosen.provider,
    model,
    requestedModel: model,
    inputTokens: 1200 + (index % 97),
    outputTokens: 40 + (index % 31),
    costUsd: 0.0000013 * (index % 211),
    latencyMs: 300 + (index % 1700),
  });
  record.finishReason = 'stop';
  record.decision = { via: 'direct', strategy: 'direct', candidates: [{ target: `${chosen.provider}/${model}`, outcome: 'tried', reason: 'as addressed' }], attempts: [{ target: `${chosen.provider}/${model}`, status: 200, latencyMs: 290, outcome: 'won', startedMs: 0.4 }], winner: `${chosen.provider}/${model}` };
  return record;
}

interface Query {
  name: string;
  run: (log: SqliteRequestLog) => Promise<unknown>;
  /** The SQL and values whose plan is shown. */
  plan: [string, unknown[]];
}

function recentQuery(name: string, filter: RecordFilter): Query {
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (filter.since !== undefined) (conditions.push('time >= ?'), values.push(filter.since));
  if (filter.provider !== undefined) (conditions.push('provider = ?'), values.push(filter.provider));
  if (filter.model !== undefined) (conditions.push('model = ?'), values.push(filter.model));
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  return { name, run: (log) => log.recent(filter), plan: [`SELECT * FROM requests ${where} ORDER BY time DESC, id DESC LIMIT 100`, values] };
}

function aggregateQuery(name: string, by: AggregateBy, scope: AggregateScope, then?: AggregateThen): Query {
  const group = (grouping: AggregateBy): string => (grouping === 'day' ? 'time / 900000' : grouping);
  return {
    name,
    run: (log) => log.aggregate(by, scope, then),
    plan: [`SELECT ${group(by)}, ${then === undefined ? 'NULL' : group(then)}, COUNT(*), TOTAL(cost_usd) FROM requests WHERE time >= ? AND time <= ? GROUP BY 1${then === undefined ? '' : ', 2'}`, [scope.since, scope.until]],
  };
}

const queries: Query[] = [
  recentQuery('recent, no filter', {}),
  recentQuery('recent, provider anthropic (50 %)', { provider: 'anthropic' }),
  recentQuery('recent, provider groq (4.9 %)', { provider: 'groq' }),
  recentQuery('recent, provider mistral (0.1 %)', { provider: 'mistral' }),
  recentQuery('recent, provider absent', { provider: 'deepseek' }),
  recentQuery('recent, model gpt-4o-mini (24.5 %)', { model: 'gpt-4o-mini' }),
  recentQuery('recent, model mistral-large (0.1 %)', { model: 'mistral-large' }),
  recentQuery('recent, model absent', { model: 'gpt-5' }),
  recentQuery('recent, provider absent, last day', { provider: 'deepseek', since: end - day }),
  aggregateQuery('aggregate by provider, last day', 'provider', { since: end - day, until: end }),
  aggregateQuery('aggregate by model, last day', 'model', { since: end - day, until: end }),
  aggregateQuery('aggregate by provider, 30 days', 'provider', { since: start, until: end }),
  aggregateQuery('aggregate by model, 30 days', 'model', { since: start, until: end }),
  aggregateQuery('aggregate by day then provider, 30 days', 'day', { since: start, until: end }, 'provider'),
];

const indexes = ['CREATE INDEX requests_provider_time ON requests (provider, time)', 'CREATE INDEX requests_model_time ON requests (model, time)'];

function hasIndexes(database: Database): boolean {
  return database.all("SELECT name FROM sqlite_master WHERE name IN ('requests_provider_time', 'requests_model_time')").length === 2;
}

async function timeQueries(log: SqliteRequestLog, database: Database, repeat: number): Promise<Map<string, { ms: number; plan: string }>> {
  const times = new Map<string, { ms: number; plan: string }>();
  for (const query of queries) {
    const samples: number[] = [];
    await query.run(log);
    for (let run = 0; run < repeat; run += 1) {
      const started = process.hrtime.bigint();
      await query.run(log);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    samples.sort((left, right) => left - right);
    const plan = database
      .all(`EXPLAIN QUERY PLAN ${query.plan[0]}`, query.plan[1] as never)
      .map((row) => String(row.detail))
      .join('; ');
    times.set(query.name, { ms: samples[Math.floor(samples.length / 2)]!, plan });
  }
  return times;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '5' }, keep: { type: 'string' } } });
  const rows = Number(values.rows);
  const repeat = Number(values.repeat);
  const directory = values.keep ?? mkdtempSync(path.join(os.tmpdir(), 'switchyard-log-queries-'));
  mkdirSync(directory, { recursive: true });
  const filled = existsSync(path.join(directory, 'switchyard.db'));
  const { database } = openDatabase(directory);
  const log = new SqliteRequestLog(database);
  try {
    const count = Number(database.get('SELECT COUNT(*) AS count FROM requests')?.count);
    if (!filled || count !== rows) {
      database.exec('DELETE FROM requests');
      const started = Date.now();
      for (let written = 0; written < rows; written += 2000) {
        const batch: RequestRecord[] = [];
        for (let index = written; index < Math.min(rows, written + 2000); index += 1) batch.push(recordAt(index, rows));
        await log.write(batch);
      }
      process.stdout.write(`filled ${rows.toLocaleString('en-US')} records in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    for (const statement of indexes) if (!hasIndexes(database)) database.exec(statement.replace('CREATE INDEX', 'CREATE INDEX IF NOT EXISTS'));
    const withIndexes = await timeQueries(log, database, repeat);
    database.exec('DROP INDEX requests_provider_time; DROP INDEX requests_model_time');
    const without = await timeQueries(log, database, repeat);
    for (const statement of indexes) database.exec(statement);
    const again = await timeQueries(log, database, repeat);
    process.stdout.write(`${rows.toLocaleString('en-US')} records, median of ${repeat} runs, ms (load ${os.loadavg()[0]!.toFixed(2)})\n`);
    process.stdout.write(`${'query'.padEnd(44)} ${'with'.padStart(9)} ${'without'.padStart(9)} ${'with'.padStart(9)}\n`);
    for (const query of queries) {
      const cells = [withIndexes, without, again].map((times) => times.get(query.name)!.ms.toFixed(2).padStart(9));
      process.stdout.write(`${query.name.padEnd(44)} ${cells.join(' ')}\n`);
    }
    process.stdout.write('\nplans (with | without):\n');
    for (const query of queries) process.stdout.write(`${query.name}\n  with:    ${withIndexes.get(query.name)!.plan}\n  without: ${without.get(query.name)!.plan}\n`);
  } finally {
    await log.close();
    database.close();
    if (values.keep === undefined) rmSync(directory, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(main);
