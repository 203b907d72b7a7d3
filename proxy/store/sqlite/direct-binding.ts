import type { Database, SQLiteValue, Statement } from 'node-sqlite3-wasm';
import { loadSqlite } from './open-database';

/**
 * The C functions node-sqlite3-wasm exports from its WebAssembly module (`Module._sqlite3_*`),
 * called directly. Pointers and lengths are byte offsets in the module's memory.
 * @see https://www.sqlite.org/c3ref/bind_blob.html
 */
interface SqliteExports {
  _sqlite3_bind_text(statement: number, position: number, text: number, bytes: number, destructor: number): number;
  _sqlite3_bind_int(statement: number, position: number, value: number): number;
  _sqlite3_bind_double(statement: number, position: number, value: number): number;
  _sqlite3_step(statement: number): number;
  _sqlite3_reset(statement: number): number;
  _sqlite3_clear_bindings(statement: number): number;
  _sqlite3_column_blob(statement: number, column: number): number;
  _sqlite3_changes(database: number): number;
}

const sqliteOk = 0;
const sqliteDone = 101;
/** SQLITE_STATIC: SQLite reads the bound bytes where they are and never frees them. */
const staticBytes = 0;

/**
 * Runs prepared statements with their values bound through node-sqlite3-wasm's exported C
 * functions instead of its `Statement.run`, for the request log's multi-row INSERT.
 *
 * Why: `Statement.run` binds each value with a JavaScript call that, for a string, measures and
 * encodes it with two JavaScript loops over its characters, `malloc`s a copy in WASM memory,
 * has SQLite copy it again (SQLITE_TRANSIENT) and frees the first copy; a NULL is still one
 * call into WASM. Measured under callgrind (Liftoff, as the proxy runs): binding a request
 * record's 28 values cost ~32,500 instructions, more than SQLite's whole insert of the row.
 *
 * How: every string value of a statement's rows is written into one Buffer (native UTF-8
 * encoding), and that Buffer is copied into WASM memory once, as the blob a `SELECT ?`
 * statement (the *staging* statement) returns: `sqlite3_column_blob` gives its address, which
 * stays valid until the staging statement is reset. Each string is then bound with
 * SQLITE_STATIC as a pointer into those bytes (no copy; SQLite copies it into the row), numbers
 * with one call each, and NULLs not at all (`sqlite3_clear_bindings` leaves every parameter
 * NULL). After the step both statements are reset and cleared, so no binding outlives the
 * staged bytes.
 *
 * What it relies on beyond node-sqlite3-wasm's documented API: the exported `_sqlite3_*`
 * functions and a statement's `_ptr` (its `sqlite3_stmt*`). {@link directBindingFor} checks
 * both and answers undefined when either is missing (another version of the package), and the
 * caller then uses `Statement.run`; a unit test fails if the shipped version loses them.
 *
 * Errors: a failing bind or step is not turned into a message here; the statement is reset
 * and run again through `Statement.run`, which throws SQLite's own error (or succeeds).
 */
export class DirectBinding {
  private readonly sqlite: SqliteExports;
  private readonly staging: Statement;
  private readonly stagingPointer: number;
  /** The connection's `sqlite3*`, for the rows a statement changed. */
  private readonly databasePointer: number;
  /** Every string of one statement's rows, UTF-8, from byte 1 (byte 0 keeps the address non-zero). */
  private text = Buffer.allocUnsafe(16 * 1024);
  /** Per value: where its bytes start in {@link text} and how many there are (strings only). */
  private starts = new Int32Array(0);
  private lengths = new Int32Array(0);

  private constructor(sqlite: SqliteExports, staging: Statement, stagingPointer: number, databasePointer: number) {
    this.sqlite = sqlite;
    this.staging = staging;
    this.stagingPointer = stagingPointer;
    this.databasePointer = databasePointer;
  }

  /** A binding for `database`, or undefined when this node-sqlite3-wasm does not expose what it needs. */
  static for(database: Database): DirectBinding | undefined {
    const sqlite = loadSqlite() as unknown as Partial<SqliteExports>;
    const needed: Array<keyof SqliteExports> = ['_sqlite3_bind_text', '_sqlite3_bind_int', '_sqlite3_bind_double', '_sqlite3_step', '_sqlite3_reset', '_sqlite3_clear_bindings', '_sqlite3_column_blob', '_sqlite3_changes'];
    if (!needed.every((name) => typeof sqlite[name] === 'function')) return undefined;
    const databasePointer: unknown = Reflect.get(database, '_ptr');
    if (typeof databasePointer !== 'number' || databasePointer === 0) return undefined;
    const staging = database.prepare('SELECT ?');
    const pointer = statementPointer(staging);
    if (pointer === undefined) {
      staging.finalize();
      return undefined;
    }
    return new DirectBinding(sqlite as SqliteExports, staging, pointer, databasePointer);
  }

  /**
   * Runs `statement` once with `values` (strings, numbers, null; no Buffers), as
   * `statement.run(values)` would, inside the caller's transaction; answers the rows it changed
   * (`sqlite3_changes`: an INSERT's rows written, not those its conflict clause left out).
   * `rowWidth`: for a multi-row statement, the values a row binds; a string equal to the one a
   * row before bound in its place (a provider, a model, an endpoint) is bound to the same
   * staged bytes instead of staged again.
   */
  run(statement: Statement, values: readonly SQLiteValue[], rowWidth = 0): number {
    const pointer = statementPointer(statement);
    if (pointer !== undefined && this.tryRun(pointer, values, rowWidth)) return this.sqlite._sqlite3_changes(this.databasePointer);
    return statement.run(values as SQLiteValue[]).changes;
  }

  /** Frees the staging statement; call before closing the database. */
  finalize(): void {
    this.staging.finalize();
  }

  /** True when the row went in; false after any failure, with both statements reset. */
  private tryRun(pointer: number, values: readonly SQLiteValue[], rowWidth: number): boolean {
    const base = this.stage(values, rowWidth);
    const sqlite = this.sqlite;
    let ok = base !== 0 && sqlite._sqlite3_reset(pointer) === sqliteOk && sqlite._sqlite3_clear_bindings(pointer) === sqliteOk;
    for (let index = 0; ok && index < values.length; index += 1) {
      const value = values[index];
      if (value === null) continue;
      const position = index + 1;
      let result: number;
      if (typeof value === 'string') result = sqlite._sqlite3_bind_text(pointer, position, base + this.starts[index]!, this.lengths[index]!, staticBytes);
      // An int32 as SQLite's integer; any other number as a double, which a column of INTEGER
      // affinity stores as the same integer when it is one (times in milliseconds are).
      else if (typeof value === 'number') result = (value | 0) === value ? sqlite._sqlite3_bind_int(pointer, position, value) : sqlite._sqlite3_bind_double(pointer, position, value);
      else return this.abandon(pointer);
      ok = result === sqliteOk;
    }
    ok = ok && sqlite._sqlite3_step(pointer) === sqliteDone;
    if (!ok) return this.abandon(pointer);
    sqlite._sqlite3_reset(pointer);
    sqlite._sqlite3_clear_bindings(pointer);
    this.unstage();
    return true;
  }

  /**
   * Writes the string values into {@link text} and copies it into WASM memory as the staging
   * statement's result; answers the bytes' address there (0 when staging failed).
   *
   * The strings are joined and written with one native call: when every one is ASCII (ids,
   * model names, the `extra` JSON nearly always are), a byte is a UTF-16 unit and each string's
   * place in the bytes is its place in the joined text. Otherwise they are written one by one.
   * One write a string cost ~3,500 instructions a record more (bench/row-instructions.ts).
   * A string equal to the value `rowWidth` places before (the same column of the row before)
   * takes that value's place in the bytes: the rows of a batch repeat their client format,
   * endpoint, model names and provider.
   */
  private stage(values: readonly SQLiteValue[], rowWidth: number): number {
    if (this.starts.length < values.length) {
      this.starts = new Int32Array(values.length);
      this.lengths = new Int32Array(values.length);
    }
    let joined = '';
    for (let index = 0; index < values.length; index += 1) {
      const value = values[index];
      if (typeof value !== 'string') continue;
      if (rowWidth > 0 && index >= rowWidth && values[index - rowWidth] === value) {
        this.starts[index] = this.starts[index - rowWidth]!;
        this.lengths[index] = this.lengths[index - rowWidth]!;
        continue;
      }
      this.starts[index] = 1 + joined.length;
      this.lengths[index] = value.length;
      joined += value;
    }
    // At most three bytes a UTF-16 unit; grown before a write that could be cut short.
    if (1 + joined.length * 3 > this.text.length) this.grow(1 + joined.length * 3);
    let used = 1 + this.text.write(joined, 1);
    if (used !== 1 + joined.length) used = this.writeEach(values, rowWidth);
    this.text[0] = 0;
    this.staging.run([this.text.subarray(0, used)]);
    return this.sqlite._sqlite3_column_blob(this.stagingPointer, 0);
  }

  /** The strings written one by one, for text that is not all ASCII; answers the bytes used. */
  private writeEach(values: readonly SQLiteValue[], rowWidth: number): number {
    let used = 1;
    for (let index = 0; index < values.length; index += 1) {
      const value = values[index];
      if (typeof value !== 'string') continue;
      if (rowWidth > 0 && index >= rowWidth && values[index - rowWidth] === value) {
        this.starts[index] = this.starts[index - rowWidth]!;
        this.lengths[index] = this.lengths[index - rowWidth]!;
        continue;
      }
      const bytes = this.text.write(value, used);
      this.starts[index] = used;
      this.lengths[index] = bytes;
      used += bytes;
    }
    return used;
  }

  private grow(needed: number): void {
    const larger = Buffer.allocUnsafe(Math.max(needed, this.text.length * 2));
    this.text.copy(larger);
    this.text = larger;
  }

  /** Resets the staging statement and drops its bytes. */
  private unstage(): void {
    this.sqlite._sqlite3_reset(this.stagingPointer);
    this.sqlite._sqlite3_clear_bindings(this.stagingPointer);
  }

  /** After a failed bind or step: both statements reset and cleared, nothing bound to the staged bytes. */
  private abandon(pointer: number): false {
    this.sqlite._sqlite3_reset(pointer);
    this.sqlite._sqlite3_clear_bindings(pointer);
    this.unstage();
    return false;
  }
}

/** A statement's `sqlite3_stmt*`, or undefined when it is finalized or this version keeps it elsewhere. */
function statementPointer(statement: Statement): number | undefined {
  const pointer: unknown = Reflect.get(statement, '_ptr');
  return typeof pointer === 'number' && pointer !== 0 ? pointer : undefined;
}
