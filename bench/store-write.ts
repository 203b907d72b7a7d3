/**
 * The request log's write cost, alone: `node --import tsx bench/store-write.ts`.
 *
 * The script bundles itself with esbuild, as the proxy is bundled, and runs the bundle with
 * --expose-gc: under tsx every call across modules goes through an export getter, which bills
 * the store for about a microsecond a record that the shipped proxy does not spend, and with gc
 * exposed each phase starts after a full collection, so one's garbage is not billed to the next.
 *
 * Adds N realistic records to a fresh request log (BatchedRequestLog over SQLite) in a temporary folder, at a steady rate (as a
 * loaded proxy finishes calls) in bursts every 100 ms, with the store's real flush timers, then
 * closes it. Bursts rather than a timer per record: on a VM each wake-up of an idle process
 * costs about 0.2 ms of CPU, which would drown what is measured. CPU is `process.cpuUsage()` (user + system, every thread of this process) around
 * the whole run, so it includes the add() calls, every flush (SQLite in WASM, the file writes
 * and fsyncs) and close; the pacing loop's own CPU, measured with the same loop and no store,
 * is subtracted. Records are built before the clock starts: the proxy builds them anyway.
 *
 * Knobs (environment): STORE_BENCH_RECORDS (default 20000), STORE_BENCH_RATE (records per
 * second, default 2500, about what one proxy core finishes under the main benchmark's load),
 * STORE_BENCH_ROUNDS (default 5; each round is printed, then the median),
 * STORE_BENCH_BATCH (the store's batchSize; its default when unset), STORE_BENCH_EXISTING (records
 * already in the log before the clock starts, default 0: a log kept for 30 days holds many, and
 * each new id lands on a random page of the id index), STORE_BENCH_DECISION=1 (each record also
 * carries a routing decision, a field without a column of its own, stored as JSON in `extra`),
 * STORE_BENCH_IDS=ordered (ids that start with the time, as ULIDs do, instead of the proxy's
 * random `req_` + 24 hex digits: new ids then land at the end of the id index).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSync } from 'esbuild';
import type { ClientFormat } from '../proxy/core/request';
import type { RequestRecord } from '../proxy/store/request-record';
import { BatchedRequestLog } from '../proxy/store/batched-request-log';
import { openDatabase } from '../proxy/store/sqlite/open-database';
import { SqliteRequestLog } from '../proxy/store/sqlite/sqlite-request-log';

const recordCount = Number(process.env.STORE_BENCH_RECORDS ?? '20000');
const recordsPerSecond = Number(process.env.STORE_BENCH_RATE ?? '2500');
const rounds = Number(process.env.STORE_BENCH_ROUNDS ?? '5');
const batchSize = process.env.STORE_BENCH_BATCH === undefined ? undefined : Number(process.env.STORE_BENCH_BATCH);
const existingCount = Number(process.env.STORE_BENCH_EXISTING ?? '0');
const withDecision = process.env.STORE_BENCH_DECISION === '1';
const orderedIds = process.env.STORE_BENCH_IDS === 'ordered';
const tickMs = 100;

interface Shape {
  clientFormat: ClientFormat;
  endpoint: string;
  requestedModel: string;
  provider: string;
  model: string;
}

const shapes: Shape[] = [
  { clientFormat: 'anthropic-messages', endpoint: '/v1/messages', requestedModel: 'claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' },
  { clientFormat: 'openai-chat', endpoint: '/v1/chat/completions', requestedModel: 'gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini' },
  { clientFormat: 'openai-responses', endpoint: '/v1/responses', requestedModel: 'gpt-5', provider: 'openai', model: 'gpt-5' },
  { clientFormat: 'anthropic-messages', endpoint: '/v1/messages', requestedModel: 'fast', provider: 'groq', model: 'llama-3.3-70b-versatile' },
];

/** Shaped like proxy/pipeline/recorder.ts builds them. */
function makeRecords(count: number): RequestRecord[] {
  const records: RequestRecord[] = [];
  const start = Date.now();
  for (let index = 0; index < count; index += 1) {
    const shape = shapes[index % shapes.length];
    const failed = index % 50 === 49;
    const record: RequestRecord = {
      id: orderedIds ? `req_${(start + index).toString(16).padStart(12, '0')}${randomBytes(6).toString('hex')}` : `req_${randomBytes(12).toString('hex')}`,
      time: start + index,
      clientFormat: shape.clientFormat,
      endpoint: shape.endpoint,
      clientKey: index % 3 === 0 ? 'k7Qz' : undefined,
      requestedModel: shape.requestedModel,
      provider: shape.provider,
      model: shape.model,
      status: failed ? 429 : 200,
      stream: index % 2 === 0,
      passthrough: shape.provider !== 'groq',
      inputTokens: failed ? 0 : 1200 + (index % 97) * 131,
      outputTokens: failed ? 0 : 40 + (index % 31) * 7,
      cacheReadTokens: index % 4 === 0 ? 1024 : 0,
      cacheWriteTokens: 0,
      reasoningTokens: shape.model === 'gpt-5' ? 64 : 0,
      costUsd: failed ? null : 0.0000013 * (index % 211),
      timeToFirstTokenMs: failed ? null : 180.5 + (index % 13),
      latencyMs: 900.3 + (index % 17) * 10.1,
    };
    if (failed) record.error = 'Rate limit reached for requests';
    records.push(withDecision ? Object.assign(record, { decision: decisionFor(shape, record) }) : record);
  }
  return records;
}

/** A direct call's routing decision as plan.ts and execute.ts make it: one candidate, one attempt. */
function decisionFor(shape: Shape, record: RequestRecord): unknown {
  const target = `${shape.provider}/${shape.model}`;
  const won = record.status === 200;
  const decision: Record<string, unknown> = {
    via: 'direct',
    strategy: 'direct',
    candidates: [{ target, outcome: 'tried', reason: 'as addressed' }],
    attempts: [{ target, status: record.status, latencyMs: record.latencyMs - 2.5, outcome: won ? 'won' : 'failed', startedMs: 0.4 }],
  };
  if (won) decision.winner = target;
  return decision;
}

/**
 * Adds the records at the set rate, in bursts every {@link tickMs}; resolves once all are added
 * with the CPU microseconds spent inside the bursts (the add() calls alone).
 */
function feed(records: RequestRecord[], add: (record: RequestRecord) => void): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    let next = 0;
    let burstMicroseconds = 0;
    const tick = (): void => {
      const due = recordsPerSecond > 0 ? Math.min(records.length, Math.ceil(((performance.now() - started) / 1000) * recordsPerSecond)) : records.length;
      const before = cpuMicroseconds();
      while (next < due) add(records[next++]);
      burstMicroseconds += cpuMicroseconds() - before;
      if (next < records.length) setTimeout(tick, tickMs);
      else resolve(burstMicroseconds);
    };
    setTimeout(tick, tickMs);
  });
}

function cpuMicroseconds(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

interface RoundResult {
  microsecondsPerRecord: number;
  addMicrosecondsPerRecord: number;
  flushes: number;
  microsecondsPerFlush: number;
  recordsPerFlush: number;
  closeMicroseconds: number;
}

/** The pacing loop's own CPU: the same feed into a counter. */
async function measurePacing(records: RequestRecord[]): Promise<number> {
  let count = 0;
  const before = cpuMicroseconds();
  await feed(records, () => (count += 1));
  return cpuMicroseconds() - before;
}

async function measureStore(records: RequestRecord[], pacingMicroseconds: number): Promise<RoundResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-store-bench-'));
  try {
    const { database } = openDatabase(dataDir);
    const backend = new SqliteRequestLog(database);
    const store = new BatchedRequestLog(backend, { retentionDays: 30, batchSize, onError: (error) => console.error(error) });
    for (let written = 0; written < existingCount; written += 10_000) {
      for (const record of makeRecords(Math.min(10_000, existingCount - written))) store.add(record);
      await store.flush();
    }
    collectGarbage();
    // Every write (timer, high-water mark, close) goes through the backend's write, so this sees
    // them all; node-sqlite3-wasm is synchronous, so the call's CPU is the whole write's.
    const write = backend.write.bind(backend);
    let flushes = 0;
    let flushMicroseconds = 0;
    backend.write = (batch) => {
      const before = cpuMicroseconds();
      const written = write(batch);
      flushes += 1;
      flushMicroseconds += cpuMicroseconds() - before;
      return written;
    };
    const before = cpuMicroseconds();
    const addMicroseconds = await feed(records, (record) => {
      store.add(record);
    });
    const closeBefore = cpuMicroseconds();
    await store.close();
    database.close();
    const after = cpuMicroseconds();
    return {
      microsecondsPerRecord: (after - before - pacingMicroseconds) / records.length,
      addMicrosecondsPerRecord: addMicroseconds / records.length,
      flushes,
      microsecondsPerFlush: flushMicroseconds / Math.max(1, flushes),
      recordsPerFlush: records.length / Math.max(1, flushes),
      closeMicroseconds: after - closeBefore,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts each phase with an empty young generation, so one phase's garbage is not collected in the next. */
function collectGarbage(): void {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') gc();
}

function format(result: RoundResult): string {
  return [
    `${result.microsecondsPerRecord.toFixed(2)} µs/record`,
    `add ${result.addMicrosecondsPerRecord.toFixed(2)} µs`,
    `${result.flushes} flushes of ~${Math.round(result.recordsPerFlush)} at ${result.microsecondsPerFlush.toFixed(0)} µs each`,
    `close ${result.closeMicroseconds} µs`,
  ].join(', ');
}

async function main(): Promise<void> {
  console.log(
    `store-write: ${recordCount} records at ${recordsPerSecond > 0 ? `${recordsPerSecond}/s` : 'once'} into a log of ${existingCount}, ${orderedIds ? 'time-ordered' : 'random'} ids, batchSize ${batchSize ?? 'default'}, ${rounds} rounds`,
  );
  const warmup = makeRecords(Math.min(10_000, recordCount));
  await measureStore(warmup, 0);
  const results: RoundResult[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const records = makeRecords(recordCount);
    collectGarbage();
    const pacing = await measurePacing(records);
    collectGarbage();
    const result = await measureStore(records, pacing);
    console.log(`round ${round + 1}: ${format(result)} (pacing ${(pacing / recordCount).toFixed(2)} µs/record taken off)`);
    results.push(result);
  }
  const sorted = [...results].sort((a, b) => a.microsecondsPerRecord - b.microsecondsPerRecord);
  console.log(`median: ${format(sorted[Math.floor((sorted.length - 1) / 2)])}`);
}

/** Bundles this file (node-sqlite3-wasm stays a package, it loads its .wasm from beside itself) and runs it. */
function runBundled(): void {
  const root = path.resolve(__dirname, '..');
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-store-bench-build-'));
  try {
    const outfile = path.join(workDirectory, 'store-write.js');
    buildSync({
      entryPoints: [path.join(root, 'bench', 'store-write.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['node-sqlite3-wasm', 'esbuild'],
      logLevel: 'warning',
    });
    execFileSync(process.execPath, ['--expose-gc', outfile], {
      stdio: 'inherit',
      env: { ...process.env, STORE_BENCH_BUNDLED: '1', NODE_PATH: path.join(root, 'node_modules') },
    });
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

if (process.env.STORE_BENCH_BUNDLED === '1') void main();
else runBundled();
