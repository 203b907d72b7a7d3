/**
 * `node --import tsx bench/lease-stall.ts [seconds] [connections]`: how long governance's store
 * transactions hold the event loop under a governed load (issue 9's leftover). A Switchyard in
 * this process, solo (SQLite in a temporary data folder on the same disk as the user's), with the
 * bench's governance (5 budgets, 3 named keys with rpm and tpm); load from `autocannon` in a child
 * process. Prints the event loop's delay histogram, and each rate reservation, settlement and
 * ledger exchange timed (they are synchronous, so their wall time is the stall), with the same
 * load ungoverned as the baseline.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseConfig } from '../proxy/config/load-config';
import { createProxy } from '../proxy/create-proxy';
import { RateAccounts } from '../proxy/policy/rate-accounts';
import type { Storage, StorageSettings } from '../proxy/store/storage';
import { openSqliteStorage } from '../proxy/store/sqlite/sqlite-storage';
import { buildCases } from './cases';
import { startFakeUpstream } from './child-service';
import { benchRoutes, benchRules } from './routing-config';
import { benchBudgets } from './switchyard-service';
import { runMain } from './run-main';

const controlToken = 'bench-lease-stall-control-token';

/** Calls whose lease was short, so they waited for a store transaction (RateAccounts.reserve). */
let waitedForLease = 0;
const reserveLease = RateAccounts.prototype.reserve;
RateAccounts.prototype.reserve = function (this: RateAccounts, ...args: Parameters<RateAccounts['reserve']>) {
  waitedForLease++;
  return reserveLease.apply(this, args);
};

/** Durations (ms) of one kind of store call. */
class Timings {
  readonly values: number[] = [];
  summary(seconds: number): string {
    if (this.values.length === 0) return 'none';
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!.toFixed(2);
    return `${(sorted.length / seconds).toFixed(1)}/s, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
  }
}

/** Wraps an async store method so the time until its promise settles is recorded. */
function timed<Target extends object>(target: Target, method: keyof Target, timings: Timings): void {
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  (target as Record<string, unknown>)[method as string] = async (...args: unknown[]): Promise<unknown> => {
    const started = performance.now();
    try {
      return await original(...args);
    } finally {
      timings.values.push(performance.now() - started);
    }
  };
}

async function run(governed: boolean, upstream: string, seconds: number, connections: number): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-lease-stall-'));
  const reserve = new Timings();
  const settle = new Timings();
  const exchange = new Timings();
  const openStorage = async (settings: StorageSettings): Promise<Storage> => {
    const storage = openSqliteStorage(settings);
    timed(storage.rateCounters, 'reserve', reserve);
    timed(storage.rateCounters, 'settle', settle);
    timed(storage.spendLedger, 'exchange', exchange);
    return storage;
  };
  const config = parseConfig({
    providers: { openai: { baseUrl: `${upstream}/v1` }, anthropic: { baseUrl: upstream }, fakecompat: { type: 'openai-compatible', baseUrl: `${upstream}/v1`, apiKeyEnv: 'FAKECOMPAT_API_KEY' } },
    routes: benchRoutes(),
    rules: benchRules(),
    ...(governed ? { budgets: benchBudgets } : {}),
  });
  const proxy = await createProxy({
    config,
    env: { OPENAI_API_KEY: 'sk-bench-openai-0000', ANTHROPIC_API_KEY: 'sk-ant-bench-0000', FAKECOMPAT_API_KEY: 'sk-bench-compat-0000' },
    host: '127.0.0.1',
    port: 0,
    controlToken,
    storage: { dataDir, retentionDays: 30, flushIntervalMs: 1000 },
    shutdown: () => {},
    openStorage,
  });
  try {
    let key = 'sy-bench-unnamed';
    for (const name of governed ? ['bench-a', 'bench-b', 'bench-c'] : []) {
      const response = await fetch(`${proxy.url}/_switchyard/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, models: ['openai/*', 'anthropic/claude-*'], budget: '1000/day', rpm: 10_000_000, tpm: 10_000_000_000 }),
      });
      const created = (await response.json()) as { key: string };
      if (name === 'bench-a') key = created.key;
    }
    const [benchCase] = buildCases('governed');
    /** Runs the load; resolves with autocannon's latency summary line. */
    const load = (duration: number): Promise<string> =>
      new Promise((resolve, reject) => {
        const options = JSON.stringify({ url: proxy.url + benchCase!.path, method: 'POST', headers: { ...benchCase!.headers, authorization: `Bearer ${key}` }, body: benchCase!.body, connections, duration });
        const script = `require('autocannon')(${options}, (error, r) => { if (error) throw error; console.log(\`\${r.requests.total} calls (\${r.non2xx} not 2xx), latency p50 \${r.latency.p50} ms, p99 \${r.latency.p99} ms, max \${r.latency.max} ms\`); })`;
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.join(__dirname, '..') });
        let output = '';
        child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
        child.on('exit', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`autocannon exited ${code}`))));
      });
    await load(3); // warm-up
    for (const timings of [reserve, settle, exchange]) timings.values.length = 0;
    waitedForLease = 0;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const calls = await load(seconds);
    delay.disable();
    const ms = (nanoseconds: number): string => (nanoseconds / 1e6).toFixed(2);
    process.stdout.write(
      `${governed ? 'governed' : 'plain   '}: ${calls}\n  event loop delay p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, p99.9 ${ms(delay.percentile(99.9))} ms, max ${ms(delay.max)} ms\n` +
        (governed ? `  calls that waited for a rate lease: ${waitedForLease}\n  rate reserve ${reserve.summary(seconds)}\n  rate settle ${settle.summary(seconds)}\n  ledger exchange ${exchange.summary(seconds)}\n` : ''),
    );
  } finally {
    await proxy.close({ graceMs: 0 });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const connections = Number(process.argv[3] ?? 10);
  const work = mkdtempSync(path.join(os.tmpdir(), 'switchyard-lease-stall-up-'));
  const upstream = await startFakeUpstream(work);
  try {
    await run(false, upstream.url, seconds, connections);
    await run(true, upstream.url, seconds, connections);
  } finally {
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

runMain(main);
