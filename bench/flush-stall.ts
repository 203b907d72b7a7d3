/**
 * `node --import tsx bench/flush-stall.ts [flushes] [records a flush]`: how long the request
 * log's batch write holds the event loop, with the SQLite writer thread and without it
 * (`writerThread: false`, every write on the main thread as before), interleaved. A timer
 * ticks every millisecond meanwhile; `monitorEventLoopDelay` gives the loop's delay over each
 * variant's flushes, and each flush's longest gap between ticks is its stall; a variant that
 * does not flush at all shows the machine's own noise. The database is
 * in a temporary folder on the same disk as the user's (the fsyncs are real).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RequestRecord } from '../proxy/store/request-record';
import { openSqliteStorage } from '../proxy/store/sqlite/sqlite-storage';
import { runMain } from './run-main';

let sequence = 0;

function record(): RequestRecord {
  sequence += 1;
  return {
    id: `req_${process.pid}_${sequence}`,
    time: Date.now(),
    clientFormat: 'openai-chat',
    endpoint: '/v1/chat/completions',
    requestedModel: 'gpt-4o',
    provider: 'openai',
    model: 'gpt-4o',
    status: 200,
    stream: true,
    passthrough: true,
    inputTokens: 1000,
    outputTokens: 200,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.0045,
    timeToFirstTokenMs: 300,
    latencyMs: 900,
    tool: 'Claude Code',
    userAgent: 'claude-cli/2.1.105 (external, cli)',
  } as RequestRecord;
}

interface Variant {
  name: string;
  /** Undefined: no flush at all, the ticker alone (the machine's own noise). */
  writerThread: boolean | undefined;
  stalls: number[];
  flushMs: number[];
  /** The main thread's busy time (event loop utilisation's active ms) over each flush. */
  mainBusyMs: number[];
  loopP99: number[];
  loopMax: number[];
}

async function flushes(variant: Variant, count: number, size: number): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-flush-stall-'));
  const storage = openSqliteStorage({ dataDir, retentionDays: 0, flushIntervalMs: 60_000, writerThread: variant.writerThread ?? false });
  try {
    // Warm: the thread started, the statements prepared, the table's pages in the cache.
    await storage.writer?.start();
    for (let index = 0; index < size; index++) storage.requestLog.add(record());
    await storage.requestLog.flush();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    for (let round = 0; round < count; round++) {
      // Below the log's batch size (2000), so only the flush below writes.
      if (variant.writerThread !== undefined) for (let index = 0; index < size; index++) storage.requestLog.add(record());
      let last = performance.now();
      let longest = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const started = performance.now();
      const utilisation = performance.eventLoopUtilization();
      if (variant.writerThread !== undefined) await storage.requestLog.flush();
      variant.flushMs.push(performance.now() - started);
      variant.mainBusyMs.push(performance.eventLoopUtilization(utilisation).active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(ticker);
      variant.stalls.push(longest);
    }
    delay.disable();
    variant.loopP99.push(delay.percentile(99) / 1e6);
    variant.loopMax.push(delay.max / 1e6);
  } finally {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!.toFixed(2);
  return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20);
  const size = Math.min(1999, Number(process.argv[3] ?? 500));
  const variants: Variant[] = [
    { name: 'no flush     ', writerThread: undefined, stalls: [], flushMs: [], mainBusyMs: [], loopP99: [], loopMax: [] },
    { name: 'main thread  ', writerThread: false, stalls: [], flushMs: [], mainBusyMs: [], loopP99: [], loopMax: [] },
    { name: 'writer thread', writerThread: true, stalls: [], flushMs: [], mainBusyMs: [], loopP99: [], loopMax: [] },
  ];
  // Interleaved in rounds, so a change in the machine's load falls on both alike.
  for (let round = 0; round < 4; round++) for (const variant of variants) await flushes(variant, Math.ceil(count / 4), size);
  process.stdout.write(`${count} flushes of ${size} records each, load ${os.loadavg()[0]!.toFixed(1)}\n`);
  for (const variant of variants) {
    process.stdout.write(
      `${variant.name}: loop stall per flush ${summary(variant.stalls)}; flush wall time ${summary(variant.flushMs)}; main thread busy ${summary(variant.mainBusyMs)}; event loop delay p99 ${summary(variant.loopP99)} (per round), max ${summary(variant.loopMax)}\n`,
    );
  }
}

runMain(main);
