import type { SQLiteValue } from 'node-sqlite3-wasm';
import type { AggregateBy, AggregateRow, AggregateThen } from '../aggregate';
import { recordLimit, type AggregateScope, type RecordFilter } from '../record-filter';
import type { RejectedRecord, RequestLogBackend } from '../request-log';
import type { RequestRecord } from '../request-record';
import { foldAggregateRows, quarterHourMs } from '../sqlite/aggregate-records';
import { errorRecordSql, filterToSql, unpricedRecordSql } from '../sqlite/filter-to-sql';
import { decodeRecordRow, encodeRecordRow, recordColumnCount, recordColumns } from '../sqlite/record-row';
import type { PostgresDatabase, SqlValue } from './postgres-database';

/** Each column's Postgres array type, for the `unnest` of a batch insert. */
const columnTypes: Readonly<Record<(typeof recordColumns)[number], string>> = {
  id: 'text',
  time: 'bigint',
  client_format: 'text',
  endpoint: 'text',
  client_key: 'text',
  requested_model: 'text',
  provider: 'text',
  model: 'text',
  status: 'integer',
  stream: 'boolean',
  passthrough: 'boolean',
  input_tokens: 'bigint',
  output_tokens: 'bigint',
  cache_read_tokens: 'bigint',
  cache_write_tokens: 'bigint',
  reasoning_tokens: 'bigint',
  cost_usd: 'double precision',
  time_to_first_token_ms: 'double precision',
  latency_ms: 'double precision',
  error: 'text',
  extra: 'text',
  key_id: 'text',
  key_label: 'text',
  purpose: 'text',
  parent_id: 'text',
  cache: 'text',
  saved_usd: 'double precision',
  prompt_cache_saved_usd: 'double precision',
};

/**
 * One statement for any number of records: one array per column, unnested into rows, so a batch
 * of 2,000 binds 28 values rather than 56,000 (past Postgres's 65,535 limit) and is planned once.
 * A later record replaces an earlier one with the same id, as SQLite's INSERT OR REPLACE does.
 */
const insertSql = `INSERT INTO requests (${recordColumns.join(', ')})
  SELECT * FROM unnest(${recordColumns.map((column, index) => `$${index + 1}::${columnTypes[column]}[]`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${recordColumns
    .filter((column) => column !== 'id')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ')}`;

/** Group expressions, as in the SQLite backend: days summed per UTC quarter hour, folded into local days. */
const groupSql: Readonly<Record<AggregateBy, string>> = {
  day: `time / ${quarterHourMs}`,
  provider: 'provider',
  model: 'model',
  clientKey: 'COALESCE(key_id, client_key)',
};

/** A call Switchyard refused (its kind as `refusal` in `extra`), as in the SQLite backend. */
const refusedRecordSql = `COALESCE(extra LIKE '%"refusal":"%', false)`;

/** The SQLite aggregate's columns, in Postgres (booleans are counted with FILTER, not summed). */
const aggregateColumns = `COUNT(*) AS requests,
  COUNT(*) FILTER (WHERE ${errorRecordSql}) AS errors,
  COALESCE(SUM(input_tokens), 0) AS input_tokens,
  COALESCE(SUM(output_tokens), 0) AS output_tokens,
  COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
  COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,
  COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,
  COALESCE(SUM(cost_usd), 0) AS cost_usd,
  COUNT(*) FILTER (WHERE ${unpricedRecordSql} AND NOT ${refusedRecordSql}) AS unpriced_requests,
  COUNT(*) FILTER (WHERE ${refusedRecordSql}) AS refused_requests,
  COALESCE(SUM(latency_ms), 0) AS latency_ms,
  COALESCE(SUM(time_to_first_token_ms), 0) AS time_to_first_token_ms,
  COUNT(time_to_first_token_ms) AS time_to_first_token_count,
  COUNT(*) FILTER (WHERE cache = 'hit') AS cache_hits,
  COUNT(*) FILTER (WHERE cache = 'miss') AS cache_misses,
  COALESCE(SUM(saved_usd), 0) AS saved_usd,
  COALESCE(SUM(prompt_cache_saved_usd), 0) AS prompt_cache_saved_usd,
  COALESCE(SUM(CASE WHEN extra LIKE '%"redactions"%' THEN (SELECT SUM(value::double precision) FROM jsonb_each_text((extra::jsonb) -> 'redactions')) END), 0) AS redactions,
  COUNT(*) FILTER (WHERE extra LIKE '%"redactionBlocked":true%') AS blocked_requests`;

/**
 * The request log's `requests` table in Postgres, as a backend for `BatchedRequestLog` (which
 * queues, retries while the server is away, and bounds what waits). Every proxy of a team
 * writes here, so `/requests` and `/stats` on any of them show the calls of all.
 */
export class PostgresRequestLog implements RequestLogBackend {
  constructor(private readonly database: PostgresDatabase) {}

  async write(records: readonly RequestRecord[]): Promise<RejectedRecord[]> {
    if (records.length === 0) return [];
    try {
      await this.database.query(insertSql, columnArrays(records));
      return [];
    } catch (error) {
      // Unreachable: the caller retries the batch. Otherwise a record was refused: find which.
      if (this.database.problem() !== undefined) throw error;
      return this.writeOneByOne(records, error);
    }
  }

  async recent(filter: RecordFilter): Promise<RequestRecord[]> {
    const { where, values } = numbered(filterToSql(filter));
    const rows = await this.database.query(`SELECT * FROM requests ${where} ORDER BY time DESC, id DESC LIMIT $${values.length + 1}`, [...values, recordLimit(filter)]);
    return rows.map(decodeRow);
  }

  async get(id: string): Promise<RequestRecord | undefined> {
    const rows = await this.database.query('SELECT * FROM requests WHERE id = $1', [id]);
    return rows.length === 0 ? undefined : decodeRow(rows[0]!);
  }

  async aggregate(by: AggregateBy, scope: AggregateScope, then?: AggregateThen): Promise<AggregateRow[]> {
    const { where, values } = numbered(filterToSql({ since: scope.since, until: scope.until, clientKey: scope.clientKey }));
    const rows = await this.database.query(
      `SELECT ${groupSql[by]} AS grouping, ${then === undefined ? 'NULL::text' : groupSql[then]} AS subgrouping, ${aggregateColumns}
         FROM requests ${where} GROUP BY grouping${then === undefined ? '' : ', subgrouping'}`,
      values,
    );
    return foldAggregateRows(by, rows, then);
  }

  async deleteBefore(time: number): Promise<number> {
    const rows = await this.database.query<{ count: number }>('WITH deleted AS (DELETE FROM requests WHERE time < $1 RETURNING 1) SELECT COUNT(*)::bigint AS count FROM deleted', [time]);
    return rows[0]?.count ?? 0;
  }

  /** The database is the storage's to close. */
  async close(): Promise<void> {}

  private async writeOneByOne(records: readonly RequestRecord[], batchError: unknown): Promise<RejectedRecord[]> {
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      try {
        await this.database.query(insertSql, columnArrays([record]));
      } catch (error) {
        if (this.database.problem() !== undefined) throw batchError;
        rejected.push({ record, error });
      }
    }
    return rejected;
  }
}

/** The records as one array per column, encoded as the SQLite backend encodes a row. */
function columnArrays(records: readonly RequestRecord[]): SqlValue[] {
  const row = new Array<SQLiteValue>(recordColumnCount).fill(null);
  const columns = recordColumns.map(() => new Array<unknown>(records.length));
  records.forEach((record, index) => {
    encodeRecordRow(record, row, 0);
    for (let column = 0; column < recordColumnCount; column += 1) {
      const value = row[column];
      const name = recordColumns[column]!;
      columns[column]![index] = name === 'stream' || name === 'passthrough' ? value === 1 : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value;
    }
  });
  return columns;
}

/** A row as the SQLite decoder reads one: booleans as 1 and 0. */
function decodeRow(row: Record<string, unknown>): RequestRecord {
  return decodeRecordRow({ ...row, stream: row.stream === true ? 1 : 0, passthrough: row.passthrough === true ? 1 : 0 } as Record<string, SQLiteValue>);
}

/** SQLite's `?` placeholders as Postgres's `$1, $2…`; the filter SQL has no `?` of its own. */
function numbered(condition: { where: string; values: SQLiteValue[] }): { where: string; values: SqlValue[] } {
  let index = 0;
  return { where: condition.where.replace(/\?/g, () => `$${++index}`), values: condition.values as SqlValue[] };
}
