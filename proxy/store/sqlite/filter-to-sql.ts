import type { SQLiteValue } from 'node-sqlite3-wasm';
import type { RecordFilter } from '../record-filter';

/** SQL twin of `isErrorRecord` in ../record-filter; keep the two in step. */
export const errorSql = (row = ''): string => `(${row}status >= 400 OR ${row}error IS NOT NULL)`;
export const errorRecordSql = errorSql();

/**
 * A call a provider served that has no price: no cost, and either it succeeded or it failed
 * after reporting usage (tokens were spent at a price nobody knows). A failure without usage
 * cost nothing, so it is not "unpriced"; calls Switchyard refused have no usage either.
 */
export const unpricedSql = (row = ''): string => `(${row}cost_usd IS NULL AND (NOT ${errorSql(row)} OR ${row}input_tokens + ${row}output_tokens > 0))`;
export const unpricedRecordSql = unpricedSql();

/** A WHERE clause and the values it binds. */
export interface SqlCondition {
  /** `WHERE …` or an empty string. */
  where: string;
  values: SQLiteValue[];
}

/** The filter (limit aside) as a WHERE clause on `requests`, selecting what `matchesFilter` passes. */
export function filterToSql(filter: RecordFilter): SqlCondition {
  const conditions: string[] = [];
  const values: SQLiteValue[] = [];
  const add = (condition: string, value: SQLiteValue): void => {
    conditions.push(condition);
    values.push(value);
  };
  if (filter.before !== undefined) add('time < ?', filter.before);
  if (filter.since !== undefined) add('time >= ?', filter.since);
  if (filter.until !== undefined) add('time <= ?', filter.until);
  if (filter.provider !== undefined) add('provider = ?', filter.provider);
  if (filter.model !== undefined) add('model = ?', filter.model);
  if (filter.clientFormat !== undefined) add('client_format = ?', filter.clientFormat);
  if (filter.clientKey !== undefined) add('COALESCE(key_id, client_key) = ?', filter.clientKey);
  if (filter.status === 'ok') conditions.push(`NOT ${errorRecordSql}`);
  else if (filter.status === 'error') conditions.push(errorRecordSql);
  else if (filter.status !== undefined) add('status = ?', filter.status);
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, values };
}
