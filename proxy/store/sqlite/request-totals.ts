import type { Database, NormalQueryResult, SQLiteValue, Statement } from 'node-sqlite3-wasm';
import type { AggregateBy, AggregateThen } from '../aggregate';
import type { AggregateScope } from '../record-filter';
import type { RequestRecord } from '../request-record';
import { recordColumns } from './record-row';
import { errorSql, unpricedSql } from './filter-to-sql';

/**
 * The request log's running totals per quarter hour, provider, model and caller, so that
 * `/stats` over a month reads a few thousand rows instead of every record: a month's aggregate
 * of 200,000 records took ~1 s of the event loop (SQLite runs on it, in WebAssembly), and the
 * sidebar asks for two each time requests finish (docs/decisions.md, "The request log's totals").
 *
 * The totals change in the same transaction as the records, so they always equal the records'
 * sums. A batch's write sums its rows as they are bound (the values the INSERT wrote, one pass in
 * JavaScript, ~60 ns a record) and adds each group's sums with one upsert. The rare batch that
 * holds an id already stored (a retried write) or twice is written record by record instead,
 * each stored record's share subtracted before it is replaced, and the batch's rows are summed in
 * SQL. Records past `request_totals_mark.through` (the highest rowid counted) that a build
 * without totals wrote are added by a grouped statement first. A delete trigger subtracts a
 * record another build deleted; retention subtracts its records in one grouped statement first.
 */

/**
 * Days are summed in SQL per quarter hour of UTC time and folded into local days by the reader
 * (aggregate-records.ts): SQLite's `'localtime'` calls out of WASM into JavaScript for every
 * row, which made a 10,000-row aggregate up to twice as slow. Every time zone offset in use is a
 * whole number of quarter hours, so no bucket straddles a local midnight, daylight saving time
 * included.
 */
export const quarterHourMs = 15 * 60 * 1000;

/**
 * A call Switchyard refused carries its error kind as `refusal` in `extra` (see the recorder).
 * The pattern cannot match inside a JSON string value: a quote there is escaped (`\"`).
 */
const refusedSql = (row: string): string => `IFNULL(${row}extra LIKE '%"refusal":"%', 0)`;

/**
 * Redactions live in the `extra` JSON (issue 11): a LIKE test first, so only records that have
 * any are parsed; most records have no `extra` at all.
 */
const redactionsSql = (row: string): string => `(CASE WHEN ${row}extra LIKE '%"redactions"%' THEN (SELECT TOTAL(value) FROM json_each(${row}extra, '$.redactions')) ELSE 0 END)`;

/**
 * Every total, and what one record adds to it: 0 where it has nothing to add, so a total is a
 * plain sum and removing the record subtracts what it added. The columns are named as the
 * aggregate's result columns (aggregate-records.ts `decodeTotals`).
 */
const totals: ReadonlyArray<{ column: string; type: 'INTEGER' | 'REAL'; of: (row: string) => string }> = [
  { column: 'requests', type: 'INTEGER', of: () => '1' },
  { column: 'errors', type: 'INTEGER', of: (row) => errorSql(row) },
  { column: 'input_tokens', type: 'INTEGER', of: (row) => `${row}input_tokens` },
  { column: 'output_tokens', type: 'INTEGER', of: (row) => `${row}output_tokens` },
  { column: 'cache_read_tokens', type: 'INTEGER', of: (row) => `${row}cache_read_tokens` },
  { column: 'cache_write_tokens', type: 'INTEGER', of: (row) => `${row}cache_write_tokens` },
  { column: 'reasoning_tokens', type: 'INTEGER', of: (row) => `${row}reasoning_tokens` },
  { column: 'cost_usd', type: 'REAL', of: (row) => `IFNULL(${row}cost_usd, 0)` },
  { column: 'unpriced_requests', type: 'INTEGER', of: (row) => `(${unpricedSql(row)} AND NOT ${refusedSql(row)})` },
  { column: 'refused_requests', type: 'INTEGER', of: (row) => refusedSql(row) },
  { column: 'latency_ms', type: 'REAL', of: (row) => `${row}latency_ms` },
  { column: 'time_to_first_token_ms', type: 'REAL', of: (row) => `IFNULL(${row}time_to_first_token_ms, 0)` },
  { column: 'time_to_first_token_count', type: 'INTEGER', of: (row) => `(${row}time_to_first_token_ms IS NOT NULL)` },
  { column: 'cache_hits', type: 'INTEGER', of: (row) => `IFNULL(${row}cache = 'hit', 0)` },
  { column: 'cache_misses', type: 'INTEGER', of: (row) => `IFNULL(${row}cache = 'miss', 0)` },
  { column: 'saved_usd', type: 'REAL', of: (row) => `IFNULL(${row}saved_usd, 0)` },
  { column: 'prompt_cache_saved_usd', type: 'REAL', of: (row) => `IFNULL(${row}prompt_cache_saved_usd, 0)` },
  { column: 'redactions', type: 'REAL', of: (row) => redactionsSql(row) },
  { column: 'blocked_requests', type: 'INTEGER', of: (row) => `IFNULL(${row}extra LIKE '%"redactionBlocked":true%', 0)` },
];

/**
 * The groups totals are kept for. A NULL provider, model or caller is kept as '' with its bit
 * set in `missing`: SQLite's unique keys treat NULLs as all different, so an upsert would add a
 * row per record instead of adding to one.
 */
const groups: ReadonlyArray<{ name: AggregateThen; column: string; of: (row: string) => string; bit: number }> = [
  { name: 'provider', column: 'provider', of: (row) => `${row}provider`, bit: 1 },
  { name: 'model', column: 'model', of: (row) => `${row}model`, bit: 2 },
  // Records from before key ids grouped by the last four characters they were written with.
  { name: 'clientKey', column: 'caller', of: (row) => `COALESCE(${row}key_id, ${row}client_key)`, bit: 4 },
];

const keyColumns = ['quarter', ...groups.map((group) => group.column), 'missing'];
const totalColumns = totals.map((total) => total.column);

function keyValues(row: string): string[] {
  const missing = groups.map((group) => `(${group.of(row)} IS NULL) * ${group.bit}`).join(' + ');
  return [`${row}time / ${quarterHourMs}`, ...groups.map((group) => `IFNULL(${group.of(row)}, '')`), missing];
}

/**
 * Adds the record's share of each total to `sums` (in the order of {@link totals}), from the
 * values its INSERT bound (record-row.ts `encodeRecordRow`) and the record: the same as each
 * total's SQL over the stored row. `extra` is matched as SQL's LIKE matches it (ASCII case
 * folded); `redactions` is the object the extra JSON was written from.
 */
function addRow(sums: number[], record: RequestRecord, values: readonly SQLiteValue[], offset: number): void {
  const status = values[offset + column.status] as number;
  const error = status >= 400 || values[offset + column.error] !== null ? 1 : 0;
  const inputTokens = values[offset + column.inputTokens] as number;
  const outputTokens = values[offset + column.outputTokens] as number;
  const cost = values[offset + column.cost] as number | null;
  // One test rules out all three patterns in the common case (no refusal, no redactions).
  const extra = textOf(values[offset + column.extra]);
  const mayMatch = extra !== null && extraPatternsPrefix.test(extra);
  const refused = mayMatch && refusalPattern.test(extra) ? 1 : 0;
  const firstToken = values[offset + column.firstToken] as number | null;
  const cache = values[offset + column.cache];
  sums[0]! += 1;
  sums[1]! += error;
  sums[2]! += inputTokens;
  sums[3]! += outputTokens;
  sums[4]! += values[offset + column.cacheReadTokens] as number;
  sums[5]! += values[offset + column.cacheWriteTokens] as number;
  sums[6]! += values[offset + column.reasoningTokens] as number;
  sums[7]! += cost ?? 0;
  sums[8]! += cost === null && (error === 0 || inputTokens + outputTokens > 0) && refused === 0 ? 1 : 0;
  sums[9]! += refused;
  sums[10]! += values[offset + column.latency] as number;
  sums[11]! += firstToken ?? 0;
  sums[12]! += firstToken === null ? 0 : 1;
  sums[13]! += cache === 'hit' ? 1 : 0;
  sums[14]! += cache === 'miss' ? 1 : 0;
  sums[15]! += (values[offset + column.saved] as number | null) ?? 0;
  sums[16]! += (values[offset + column.promptCacheSaved] as number | null) ?? 0;
  if (mayMatch && record.redactions !== undefined && redactionsPattern.test(extra)) {
    for (const count of Object.values(record.redactions)) if (typeof count === 'number') sums[17]! += count;
  }
  sums[18]! += mayMatch && blockedPattern.test(extra) ? 1 : 0;
}

/** Long text is bound as bytes where direct binding is not available (record-row.ts `textAsBytes`). */
function textOf(value: SQLiteValue): string | null {
  if (value === null || typeof value === 'string') return value;
  return Buffer.from(value as Uint8Array).toString();
}

const refusalPattern = /"refusal":"/i;
const redactionsPattern = /"redactions"/i;
const blockedPattern = /"redactionBlocked":true/i;
/**
 * What each of the three patterns above starts with (`"ref`, `"red`), matched as they are:
 * text without it matches none of them. A record's `extra` nearly never has it (a direct call's
 * holds its overhead, finish reason and attempt), so a row pays one test instead of three
 * (~1,000 instructions a record, bench/row-instructions.ts).
 */
const extraPatternsPrefix = /"re[df]/i;

/** Where each value the totals read sits in a record's row (record-row.ts `recordColumns`). */
const column = {
  time: recordColumns.indexOf('time'),
  clientKey: recordColumns.indexOf('client_key'),
  provider: recordColumns.indexOf('provider'),
  model: recordColumns.indexOf('model'),
  status: recordColumns.indexOf('status'),
  inputTokens: recordColumns.indexOf('input_tokens'),
  outputTokens: recordColumns.indexOf('output_tokens'),
  cacheReadTokens: recordColumns.indexOf('cache_read_tokens'),
  cacheWriteTokens: recordColumns.indexOf('cache_write_tokens'),
  reasoningTokens: recordColumns.indexOf('reasoning_tokens'),
  cost: recordColumns.indexOf('cost_usd'),
  firstToken: recordColumns.indexOf('time_to_first_token_ms'),
  latency: recordColumns.indexOf('latency_ms'),
  error: recordColumns.indexOf('error'),
  extra: recordColumns.indexOf('extra'),
  keyId: recordColumns.indexOf('key_id'),
  cache: recordColumns.indexOf('cache'),
  saved: recordColumns.indexOf('saved_usd'),
  promptCacheSaved: recordColumns.indexOf('prompt_cache_saved_usd'),
} as const;

/**
 * Adds (or, with '-', subtracts) the sums of the records `from` selects to the totals, by group.
 * An upsert from a SELECT needs its WHERE (SQLite's parsing rule), which every caller has.
 */
function addGroupedSql(sign: '+' | '-', from: string): string {
  const negate = sign === '-' ? '-' : '';
  return `INSERT INTO request_totals (${[...keyColumns, ...totalColumns].join(', ')})
     SELECT ${[...keyValues('requests.'), ...totals.map((total) => `${negate}SUM(${total.of('requests.')})`)].join(', ')}
       ${from}
      GROUP BY ${keyColumns.map((_, index) => String(index + 1)).join(', ')}
     ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${totalColumns.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;
}

/**
 * The records past the mark, by rowid. NOT INDEXED keeps SQLite on the rowid whatever its planner
 * would prefer for the grouping: a narrower grouped query (by provider alone) scanned a covering
 * index of the whole table instead (EXPLAIN QUERY PLAN), which would be a full scan per write.
 */
const pastMarkSql = 'FROM requests NOT INDEXED WHERE requests.rowid > (SELECT through FROM request_totals_mark)';

/** The migration that adds the totals, fills them from the records there, and keeps them on delete. */
export function requestTotalsMigration(): string {
  const matchesOld = keyColumns.map((column, index) => `${column} = ${keyValues('OLD.')[index]}`).join(' AND ');
  return `CREATE TABLE request_totals (
     quarter INTEGER NOT NULL,
     ${groups.map((group) => `${group.column} TEXT NOT NULL`).join(',\n     ')},
     missing INTEGER NOT NULL,
     ${totals.map((total) => `${total.column} ${total.type} NOT NULL`).join(',\n     ')},
     PRIMARY KEY (${keyColumns.join(', ')})
   ) WITHOUT ROWID;
   CREATE TABLE request_totals_mark (through INTEGER NOT NULL, retaining INTEGER NOT NULL);
   INSERT INTO request_totals_mark VALUES (0, 0);
   CREATE TRIGGER requests_leave_totals AFTER DELETE ON requests
     WHEN OLD.rowid <= (SELECT through FROM request_totals_mark) AND (SELECT retaining FROM request_totals_mark) = 0
   BEGIN
     UPDATE request_totals SET ${totals.map((total) => `${total.column} = ${total.column} - ${total.of('OLD.')}`).join(', ')} WHERE ${matchesOld};
     DELETE FROM request_totals WHERE ${matchesOld} AND requests = 0;
   END;
   ${groupedWriteStatements.addPastMark};
   ${markAtLastRow};`;
}

/**
 * The totals' statements on one connection, run inside the caller's write transaction:
 * `beginBatch`, then each row given to the INSERT is `add`ed, then `finishBatch`; a batch written
 * record by record calls `sumInSql` and `subtractStored` before each replacement. `deleteBefore`
 * is retention's delete with its subtraction, a transaction of its own.
 */
export class RequestTotals {
  private readonly database: Database;
  /**
   * The batch's sums per group. A batch's records fall in a few groups (one quarter hour, a few
   * models), so a list searched from the last group used beats a map keyed by a joined string.
   */
  private pending: PendingGroup[] = [];
  private last: PendingGroup | undefined;
  /** The batch's rows are summed in SQL at its end: the sums of its bound rows are not the stored rows. */
  private summedInSql = false;
  private readonly statements = new Map<string, Statement>();

  constructor(database: Database) {
    this.database = database;
  }

  /** Adds what a build without totals wrote since the last batch, and starts summing this one. */
  beginBatch(): void {
    this.pending = [];
    this.last = undefined;
    this.summedInSql = false;
    this.statement('pastMark', 'SELECT IFNULL((SELECT MAX(rowid) FROM requests), 0) > through AS past FROM request_totals_mark');
    // all(), not get(): a statement stepped once and left holds its read until its next use.
    if (this.statement('pastMark').all()[0]?.past === 1) this.addPastMark();
  }

  /** The batch is written record by record: its rows are summed in SQL at its end. */
  sumInSql(): void {
    this.summedInSql = true;
  }

  /** Subtracts the stored record of this id, if one was counted before the batch, before it is replaced. */
  subtractStored(id: string): void {
    this.statement('subtractStored', addGroupedSql('-', 'FROM requests WHERE requests.id = ? AND requests.rowid <= (SELECT through FROM request_totals_mark)')).run([id]);
  }

  /** A row the batch's INSERT wrote, with the values it bound. */
  add(record: RequestRecord, values: readonly SQLiteValue[], offset: number): void {
    const provider = values[offset + column.provider] as string | null;
    const model = values[offset + column.model] as string | null;
    const caller = (values[offset + column.keyId] as string | null) ?? (values[offset + column.clientKey] as string | null);
    const quarter = Math.trunc((values[offset + column.time] as number) / quarterHourMs);
    let group = this.last;
    if (group === undefined || !group.holds(quarter, provider, model, caller)) {
      group = this.pending.find((each) => each.holds(quarter, provider, model, caller));
      if (group === undefined) {
        group = new PendingGroup(quarter, provider, model, caller);
        this.pending.push(group);
      }
      this.last = group;
    }
    addRow(group.sums, record, values, offset);
  }

  /** Adds the batch's sums, one upsert per group (or its rows as stored, grouped in SQL), and moves the mark. */
  finishBatch(): void {
    if (this.summedInSql) {
      this.addPastMark();
      return;
    }
    const upsert = this.statement(
      'upsert',
      `INSERT INTO request_totals (${[...keyColumns, ...totalColumns].join(', ')}) VALUES (${new Array(keyColumns.length + totalColumns.length).fill('?').join(', ')})
       ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${totalColumns.map((name) => `${name} = ${name} + excluded.${name}`).join(', ')}`,
    );
    for (const group of this.pending) upsert.run(group.row());
    this.pending = [];
    this.last = undefined;
    this.statement('moveMark', markAtLastRow).run();
  }

  /** Frees the prepared statements; the database stays open. */
  finalize(): void {
    for (const statement of this.statements.values()) statement.finalize();
    this.statements.clear();
  }

  /**
   * Deletes the records older than `time`, their totals subtracted in one grouped statement (the
   * trigger stands aside meanwhile) and the groups no record is left in; one transaction.
   * The mark comes down to the highest rowid left, so that a table emptied and written again —
   * SQLite then reuses rowids from 1 — is counted.
   */
  deleteBefore(time: number): number {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      this.database.run(groupedWriteStatements.subtractRetained, [time]);
      this.database.run('UPDATE request_totals_mark SET retaining = 1');
      const deleted = this.database.run('DELETE FROM requests WHERE time < ?', time).changes;
      this.database.run('UPDATE request_totals_mark SET retaining = 0, through = MIN(through, IFNULL((SELECT MAX(rowid) FROM requests), 0))');
      this.database.run('DELETE FROM request_totals WHERE requests = 0');
      this.database.exec('COMMIT');
      return deleted;
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
      throw error;
    }
  }

  /** The records past the mark, grouped, into the totals; the mark to the last row. */
  private addPastMark(): void {
    this.statement('addPastMark', groupedWriteStatements.addPastMark).run();
    this.statement('moveMark', markAtLastRow).run();
  }

  /**
   * A statement prepared once, by name: preparing the grouped statement took ~3 M instructions,
   * which a write of one record paid every time when it was prepared per use.
   */
  private statement(name: string, sql?: string): Statement {
    let statement = this.statements.get(name);
    if (statement === undefined) {
      statement = this.database.prepare(sql!);
      this.statements.set(name, statement);
    }
    return statement;
  }
}

/** One group's sums in a batch. */
class PendingGroup {
  readonly sums: number[] = new Array<number>(totals.length).fill(0);

  constructor(
    private readonly quarter: number,
    private readonly provider: string | null,
    private readonly model: string | null,
    private readonly caller: string | null,
  ) {}

  holds(quarter: number, provider: string | null, model: string | null, caller: string | null): boolean {
    return quarter === this.quarter && provider === this.provider && model === this.model && caller === this.caller;
  }

  /** The upsert's values: the group's key as stored (NULLs as '' and their bits), then the sums. */
  row(): SQLiteValue[] {
    const missing = (this.provider === null ? 1 : 0) + (this.model === null ? 2 : 0) + (this.caller === null ? 4 : 0);
    return [this.quarter, this.provider ?? '', this.model ?? '', this.caller ?? '', missing, ...this.sums];
  }
}

/** The records retention deletes, by the time index, named for the same reason as NOT INDEXED above. */
const retainedSql = 'FROM requests INDEXED BY requests_time WHERE requests.time < ? AND requests.rowid <= (SELECT through FROM request_totals_mark)';

/** The grouped statements a write and retention run, for the test of their query plans. */
export const groupedWriteStatements = { addPastMark: addGroupedSql('+', pastMarkSql), subtractRetained: addGroupedSql('-', retainedSql) };

const markAtLastRow = 'UPDATE request_totals_mark SET through = IFNULL((SELECT MAX(rowid) FROM requests), 0)';

/** A record's or a total's value for a group, as the aggregate's `grouping` column. */
function groupingSql(by: AggregateBy, source: 'records' | 'totals'): string {
  if (by === 'day') return source === 'totals' ? 'quarter' : `requests.time / ${quarterHourMs}`;
  const group = groups.find((each) => each.name === by)!;
  return source === 'totals' ? `CASE WHEN missing & ${group.bit} THEN NULL ELSE ${group.column} END` : group.of('requests.');
}

/**
 * Sums per group (and subgroup) over the records in [since, until] from the totals, as rows of
 * the aggregate's result columns (aggregate-records.ts folds them).
 */
export function aggregateFromTotals(database: Database, by: AggregateBy, scope: AggregateScope, then?: AggregateThen): NormalQueryResult[] {
  const { sql, values } = aggregateStatement(by, scope, then);
  return database.all(sql, values) as NormalQueryResult[];
}

/**
 * The aggregate's one statement, so that it reads one snapshot of records, totals and mark:
 * whole quarter hours in the range from the totals; the part of a quarter at either end from
 * the records, each end by the time index; records past the mark (a build without totals wrote
 * them) by rowid. Exported for the test of its query plan.
 */
export function aggregateStatement(by: AggregateBy, scope: AggregateScope, then?: AggregateThen): { sql: string; values: SQLiteValue[] } {
  const { since, until, clientKey } = scope;
  // Whole quarters q with since <= q·Q and (q + 1)·Q - 1 <= until: [firstQuarter, endQuarter).
  const firstQuarter = since === undefined ? undefined : Math.ceil(since / quarterHourMs);
  const endQuarter = until === undefined ? undefined : Math.floor((until + 1) / quarterHourMs);
  const subgrouping = (source: 'records' | 'totals'): string => (then === undefined ? 'NULL' : groupingSql(then, source));
  const parts: string[] = [];
  const values: SQLiteValue[] = [];
  const callerSql = 'COALESCE(requests.key_id, requests.client_key) = ?';
  /** Records from `low` (inclusive) to `high` (inclusive), or to `highBefore` (exclusive); `rowids` the side of the mark. */
  const records = (low: number | undefined, high: { atMost?: number; before?: number }, rowids: 'counted' | 'past'): void => {
    const where: string[] = [];
    if (low !== undefined) {
      where.push('requests.time >= ?');
      values.push(low);
    }
    if (high.atMost !== undefined) {
      where.push('requests.time <= ?');
      values.push(high.atMost);
    }
    if (high.before !== undefined) {
      where.push('requests.time < ?');
      values.push(high.before);
    }
    if (clientKey !== undefined) {
      where.push(callerSql);
      values.push(clientKey);
    }
    where.push(`requests.rowid ${rowids === 'counted' ? '<=' : '>'} (SELECT through FROM request_totals_mark)`);
    parts.push(`SELECT ${groupingSql(by, 'records')} AS grouping, ${subgrouping('records')} AS subgrouping,
            ${totals.map((total) => `${total.of('requests.')} AS ${total.column}`).join(', ')}
       FROM requests ${rowids === 'past' ? 'NOT INDEXED ' : ''}WHERE ${where.join(' AND ')}`);
  };
  if (firstQuarter !== undefined && endQuarter !== undefined && firstQuarter >= endQuarter) {
    // No whole quarter in the range: its records, all of them.
    records(since, { atMost: until }, 'counted');
  } else {
    const where: string[] = [];
    if (firstQuarter !== undefined) {
      where.push('quarter >= ?');
      values.push(firstQuarter);
    }
    if (endQuarter !== undefined) {
      where.push('quarter < ?');
      values.push(endQuarter);
    }
    if (clientKey !== undefined) {
      where.push('caller = ? AND missing & 4 = 0');
      values.push(clientKey);
    }
    parts.push(`SELECT ${groupingSql(by, 'totals')} AS grouping, ${subgrouping('totals')} AS subgrouping, ${totalColumns.join(', ')}
       FROM request_totals${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`);
    if (firstQuarter !== undefined && since! < firstQuarter * quarterHourMs) records(since, { before: firstQuarter * quarterHourMs }, 'counted');
    if (endQuarter !== undefined && endQuarter * quarterHourMs <= until!) records(endQuarter * quarterHourMs, { atMost: until }, 'counted');
  }
  records(since, { atMost: until }, 'past');
  return {
    sql: `SELECT grouping, subgrouping, ${totalColumns.map((column) => `SUM(${column}) AS ${column}`).join(', ')}
       FROM (${parts.join('\n      UNION ALL\n      ')})
      GROUP BY grouping, subgrouping`,
    values,
  };
}
