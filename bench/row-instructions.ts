/**
 * `node --import tsx bench/row-instructions.ts [--rows 20000] [--batch 256] [--variants build,encode,write,public] [--pragmas …] [--sql …] [--filled N] [--warm-up N]`:
 * machine instructions a request record costs to write, counted by valgrind (callgrind) on the
 * main thread, so a change to the request log's row can be weighed without the ±10 % a whole
 * proxy's count moves between runs (bench/instructions.ts).
 *
 * The script bundles itself (as the proxy is bundled) and runs the bundle once per variant under
 * callgrind with `--liftoff-only` (the proxy compiles SQLite's WebAssembly with Liftoff alone,
 * proxy/main.ts). Each run builds `--rows` records shaped as the bench's 1 KB calls record them
 * (ids as request-context.ts makes them: one prefix and a counter, a routing decision, a finish
 * reason, the head overhead), then:
 *
 * - `build`: nothing more — what switching callgrind on and off costs (every variant has it);
 * - `encode`: each record through `encodeRecordRow` (the values a row binds);
 * - `write`: `SqliteRequestLog.write` in transactions of `--batch` records into a fresh
 *   `switchyard.db` (encode, bind, SQLite's insert, commit), as the proxy's flush runs it;
 * - `public`: the same with every value bound through node-sqlite3-wasm's `Statement.run`
 *   (`RecordInsert` with `direct: false`), what the log did before `DirectBinding`.
 *
 * Only the variant's work is counted: valgrind starts with counting off, and the run switches it
 * on after the records are built and off after the last write (`callgrind_control`). Counting
 * the whole process and subtracting a `build` run instead left each run's start-up in the
 * figure: two `build` runs read 1,040 M and 1,131 M, ±4,500 instructions a record at 20,000.
 * `--pragmas` and `--sql` try a setting or a schema change against the proxy's own, `--filled`
 * stores records first, in every variant alike; `--warm-up N` has the variant do its work on N
 * records before counting starts (without it, whether the first batches ran in V8's baseline
 * tier or already optimised moved a write's count by ±3,000 a record between runs).
 *
 * Printed: each variant's instructions a record above `build`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import type { SQLiteValue } from 'node-sqlite3-wasm';
import type { RequestRecord } from '../proxy/store/request-record';
import { openDatabase } from '../proxy/store/sqlite/open-database';
import { RecordInsert } from '../proxy/store/sqlite/record-insert';
import { encodeRecordRow, recordColumnCount } from '../proxy/store/sqlite/record-row';
import { SqliteRequestLog } from '../proxy/store/sqlite/sqlite-request-log';
import { sampleRecord } from '../test/support/sample-record';

const variants = ['build', 'encode', 'write', 'public'] as const;
type Variant = (typeof variants)[number];

let counter = 0;

/** `--shape routed`: records as the routed 1 KB JSON case makes them (ROW_INSTRUCTIONS_SHAPE in the bundle). */
const shape = process.env.ROW_INSTRUCTIONS_SHAPE === 'routed' ? 'routed' : 'direct';

/** `count` records as recorder.ts makes them for the bench's OpenAI 1 KB JSON calls. */
function makeRecords(count: number): RequestRecord[] {
  const records: RequestRecord[] = [];
  const target = 'openai/gpt-4o-mini';
  for (let index = 0; index < count; index += 1) {
    counter += 1;
    const record = sampleRecord({
      id: `req_5f3a9c01b2d4${counter.toString(36).padStart(6, '0')}`,
      time: 1_765_000_000_000 + counter,
      requestedModel: 'gpt-4o-mini',
      model: 'gpt-4o-mini',
      inputTokens: 1200 + (index % 97),
      outputTokens: 40 + (index % 31),
      costUsd: 0.0000013 * (index % 211),
      timeToFirstTokenMs: 2.5 + (index % 13) / 10,
      latencyMs: 3.3 + (index % 17) / 10,
    });
    record.overheadMs = 0.31 + (index % 7) / 100;
    record.finishReason = 'stop';
    record.decision = { via: 'direct', strategy: 'direct', candidates: [{ target, outcome: 'tried', reason: 'as addressed' }], attempts: [{ target, status: 200, latencyMs: 2.9, outcome: 'won', startedMs: 0.4 }], winner: target };
    if (shape === 'routed') {
      // The routed case's: the 50th rule, route `chain` (fallback), its first target won.
      record.requestedModel = 'bench-routed';
      record.decision = {
        via: 'rule',
        strategy: 'fallback',
        candidates: [
          { target, outcome: 'tried', reason: 'first in order' },
          { target: 'fakecompat/bench-model', outcome: 'unused', reason: 'fallback' },
        ],
        attempts: [{ target, status: 200, latencyMs: 2.9, outcome: 'won', startedMs: 0.4 }],
        rule: { index: 49, name: 'bench: OpenAI chain' },
        route: 'chain',
        winner: target,
      };
    }
    records.push(record);
  }
  return records;
}

/** One variant, inside the bundle under callgrind. */
async function runVariant(variant: Variant, rows: number, batch: number, pragmas: string, filled: number, sql: string, warmUp: number): Promise<void> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-row-instructions-'));
  const { database } = openDatabase(directory);
  // `--pragmas`: settings tried against the proxy's own (open-database.ts); a page size takes
  // effect on the empty file once it is rebuilt.
  for (const pragma of pragmas.split(';').filter((text) => text.trim() !== '')) database.exec(`PRAGMA ${pragma}`);
  if (/page_size/.test(pragmas)) database.exec('VACUUM');
  // `--sql`: a schema change tried (an index dropped or added), run once before writing.
  if (sql !== '') database.exec(sql);
  const log = new SqliteRequestLog(database);
  // `--filled`: records already in the log (written in 2,000-record batches) in every variant alike.
  for (let written = 0; written < filled; written += 2000) await log.write(makeRecords(Math.min(2000, filled - written)));
  if (variant === 'public') Reflect.set(log, 'insert', new RecordInsert(database, { direct: false }));
  const values = new Array<SQLiteValue>(recordColumnCount).fill(null);
  // Built before counting starts: only what a variant does with them is counted.
  // `--warm-up`: the variant's own work done first, uncounted, so that V8 has compiled it before
  // counting starts. Its records come first in time and id, as the filled ones: the counted rows
  // then land at the end of every index, as a proxy's new records do.
  for (let written = 0; written < warmUp; written += batch) {
    const records = makeRecords(Math.min(batch, warmUp - written));
    if (variant === 'encode') for (const record of records) encodeRecordRow(record, values, 0);
    else if (variant === 'write' || variant === 'public') await log.write(records);
  }
  const batches: RequestRecord[][] = [];
  for (let written = 0; written < rows; written += batch) batches.push(makeRecords(Math.min(batch, rows - written)));
  try {
    await callgrindControl('--instr=on');
    for (const records of batches) {
      if (variant === 'encode') for (const record of records) encodeRecordRow(record, values, 0);
      else if (variant === 'write' || variant === 'public') await log.write(records);
    }
    await callgrindControl('--instr=off');
  } finally {
    await log.close();
    database.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Tells callgrind (this process runs under it with `--instr-atstart=no`) to count or stop counting. */
async function callgrindControl(command: string): Promise<void> {
  // The loop stays free meanwhile: valgrind takes the command while this process waits.
  await new Promise<void>((resolve, reject) => execFile('callgrind_control', [command, String(process.pid)], (error) => (error === null ? resolve() : reject(error))));
}

/** The main thread's `Ir` total in a `--separate-threads=yes` dump folder. */
function mainThreadInstructions(directory: string): number {
  const main = readdirSync(directory).find((file) => file.endsWith('-01'));
  if (main === undefined) throw new Error(`no main-thread dump in ${directory}`);
  // `totals:` (the count) comes last; with counting off at the start the header's `summary:` reads 0.
  const totals = /^totals: (\d+)/m.exec(readFileSync(path.join(directory, main), 'utf8'));
  if (totals === null) throw new Error(`no totals in ${main}`);
  return Number(totals[1]);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '256' },
      variants: { type: 'string', default: variants.join(',') },
      pragmas: { type: 'string', default: '' },
      filled: { type: 'string', default: '0' },
      sql: { type: 'string', default: '' },
      shape: { type: 'string', default: 'direct' },
      'warm-up': { type: 'string', default: '0' },
    },
  });
  const rows = Number(values.rows);
  const batch = Number(values.batch);
  const chosen = values.variants.split(',').map((name) => name.trim()) as Variant[];
  if (!chosen.includes('build')) chosen.unshift('build');
  const root = path.resolve(__dirname, '..');
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-row-instructions-build-'));
  try {
    const outfile = path.join(workDirectory, 'row-instructions.js');
    buildSync({ entryPoints: [path.join(root, 'bench', 'row-instructions.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['node-sqlite3-wasm', 'esbuild'], logLevel: 'warning' });
    const settings = `${values['warm-up'] === '0' ? '' : `, after ${values['warm-up']} uncounted`}${values.pragmas === '' ? '' : `, PRAGMA ${values.pragmas}`}${values.filled === '0' ? '' : `, ${values.filled} records stored first`}${values.sql === '' ? '' : `, ${values.sql}`}`;
    console.log(`row-instructions: ${rows} ${values.shape} records in transactions of ${batch}, callgrind main thread, --liftoff-only${settings}`);
    let baseline: number | undefined;
    for (const variant of chosen) {
      const dumps = mkdtempSync(path.join(workDirectory, `${variant}-`));
      execFileSync('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${dumps}/callgrind.%p`, process.execPath, '--liftoff-only', outfile, variant, String(rows), String(batch), values.pragmas, values.filled, values.sql, values['warm-up']], {
        stdio: ['ignore', 'ignore', 'ignore'],
        env: { ...process.env, ROW_INSTRUCTIONS_VARIANT: variant, ROW_INSTRUCTIONS_SHAPE: values.shape, NODE_PATH: path.join(root, 'node_modules') },
      });
      const total = mainThreadInstructions(dumps);
      baseline ??= total;
      console.log(`${variant.padEnd(7)} ${total.toLocaleString('en-US').padStart(16)} instructions${variant === 'build' ? '' : `, ${Math.round((total - baseline) / rows).toLocaleString('en-US')} a record`}`);
    }
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

const bundledVariant = process.env.ROW_INSTRUCTIONS_VARIANT as Variant | undefined;
if (bundledVariant !== undefined) void runVariant(bundledVariant, Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? '', Number(process.argv[6] ?? 0), process.argv[7] ?? '', Number(process.argv[8] ?? 0));
else main();
