import type { Database, SQLiteValue, Statement } from 'node-sqlite3-wasm';
import { DirectBinding } from './direct-binding';
import { encodeRecordRow, recordColumnCount, recordColumns, recordRowPlaceholders, textAsBytes } from './record-row';
import type { RequestRecord } from '../request-record';

/**
 * Rows per INSERT statement. Each statement execution crosses into WASM for a reset, a step and
 * the change counters and runs SQLite's per-statement setup once, so a multi-row INSERT
 * spreads that over its rows: measured with bench/store-write.ts, 64 rows a statement cost
 * 10–15 % less per record than one; 16 or 256 measured the same as 64 within noise.
 * 64 × 28 = 1,792 bound values, far below SQLite's limit of 32,766 in this build.
 */
export const rowsPerStatement = 64;

/** A row written: the record and the values bound for it, from `offset` (record-row.ts `recordColumns`). */
export type RowWritten = (record: RequestRecord, values: readonly SQLiteValue[], offset: number) => void;

/**
 * Inserts records with multi-row `INSERT … ON CONFLICT (id) DO NOTHING` statements, prepared
 * once per size and reused: a record whose id is stored already is left out, for the caller to
 * see (`insert` answers the rows written, from `sqlite3_changes`) and `replace`. An `INSERT OR REPLACE` would replace it silently, and
 * the request log's totals must subtract what it replaces; done in SQL (a delete trigger, which
 * SQLite fires for REPLACE only with recursive triggers on), that cost ~10,000 instructions a
 * record on every write, replacement or not (bench/instructions.ts, OpenAI 1 KB JSON). A batch of n rows runs n ÷ 64 statements of 64 rows, then the remainder as powers of
 * two (32, 16 … 1), so at most seven statements are ever prepared, whatever the batch sizes.
 * Runs inside the caller's transaction.
 *
 * Values are bound through {@link DirectBinding} (one copy of a statement's strings into WASM
 * memory, no call for a NULL) when this node-sqlite3-wasm allows it, else through
 * `Statement.run` with the long text as bytes.
 */
export class RecordInsert {
  private readonly database: Database;
  /** Index k holds the statement for 2^k rows and the exact-length value array it binds. */
  private readonly statements: Array<Statement | undefined> = [];
  private readonly values: SQLiteValue[][] = [];
  private readonly binding: DirectBinding | undefined;

  /** Told of each row a statement was given, with the values it bound (the request log's totals). */
  private readonly onRow: RowWritten | undefined;
  /** The single-row `INSERT OR REPLACE` and its values. */
  private replacing: Statement | undefined;
  private readonly replacingValues = new Array<SQLiteValue>(recordColumnCount).fill(null);

  /** @param options.direct false binds through `Statement.run` only (the tests compare both ways). */
  constructor(database: Database, options: { direct?: boolean; onRow?: RowWritten } = {}) {
    this.database = database;
    this.onRow = options.onRow;
    this.binding = options.direct === false ? undefined : DirectBinding.for(database);
  }

  /** Whether values are bound through {@link DirectBinding}. */
  get bindsDirectly(): boolean {
    return this.binding !== undefined;
  }

  /**
   * Writes `records[start]` up to (not including) `records[end]`, each whose id is not stored
   * yet; answers how many were written (fewer when an id was stored already or repeated).
   */
  insert(records: readonly RequestRecord[], start = 0, end = records.length): number {
    let index = start;
    let level = Math.log2(rowsPerStatement);
    let written = 0;
    while (index < end) {
      const rows = 1 << level;
      if (end - index < rows) {
        level -= 1;
        continue;
      }
      written += this.run(level, records, index);
      index += rows;
    }
    return written;
  }

  /** Writes one record, replacing the stored record of its id if there is one. */
  replace(record: RequestRecord): void {
    this.replacing ??= this.database.prepare(`INSERT OR REPLACE INTO requests (${recordColumns.join(', ')}) VALUES ${recordRowPlaceholders}`);
    encodeRecordRow(record, this.replacingValues, 0);
    try {
      if (this.binding !== undefined) this.binding.run(this.replacing, this.replacingValues);
      else {
        textAsBytes(this.replacingValues);
        this.replacing.run(this.replacingValues);
      }
    } catch (error) {
      // As `discard`: a statement whose step failed fails its next run too.
      try {
        this.replacing.finalize();
      } catch {
        // freed regardless
      }
      this.replacing = undefined;
      throw error;
    }
  }

  /** Frees every prepared statement; call before closing the database. */
  finalize(): void {
    this.replacing?.finalize();
    this.replacing = undefined;
    for (let level = 0; level < this.statements.length; level += 1) this.discard(level);
    this.binding?.finalize();
  }

  /** Runs the statement of 2^level rows from `records[start]`; answers the rows it wrote. */
  private run(level: number, records: readonly RequestRecord[], start: number): number {
    const statement = this.statementFor(level);
    const values = this.values[level];
    const rows = 1 << level;
    for (let row = 0; row < rows; row += 1) encodeRecordRow(records[start + row], values, row * recordColumnCount);
    let written: number;
    try {
      if (this.binding !== undefined) written = this.binding.run(statement, values, recordColumnCount);
      else {
        textAsBytes(values);
        written = statement.run(values).changes;
      }
    } catch (error) {
      this.discard(level);
      throw error;
    }
    if (this.onRow !== undefined) for (let row = 0; row < rows; row += 1) this.onRow(records[start + row], values, row * recordColumnCount);
    return written;
  }

  private statementFor(level: number): Statement {
    let statement = this.statements[level];
    if (statement === undefined) {
      const rows = 1 << level;
      statement = this.database.prepare(
        `INSERT INTO requests (${recordColumns.join(', ')}) VALUES ${new Array<string>(rows).fill(recordRowPlaceholders).join(', ')} ON CONFLICT (id) DO NOTHING`,
      );
      this.statements[level] = statement;
      this.values[level] ??= new Array<SQLiteValue>(rows * recordColumnCount).fill(null);
    }
    return statement;
  }

  /**
   * node-sqlite3-wasm binds only after sqlite3_reset returns SQLITE_OK, but after a failed step
   * reset returns that step's error, so a statement that failed once would fail its next run
   * too (and its finalize). Dropping it makes the next use prepare a fresh one.
   */
  private discard(level: number): void {
    const statement = this.statements[level];
    if (statement === undefined) return;
    this.statements[level] = undefined;
    try {
      statement.finalize();
    } catch {
      // finalize reports a failed step's error again; the statement is freed regardless.
    }
  }
}
