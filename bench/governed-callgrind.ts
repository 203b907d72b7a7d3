/**
 * `node --import tsx bench/governed-callgrind.ts [requests] [build folder...]`: what governance
 * costs in instructions, which do not depend on the machine's load. Each build (a folder with
 * proxy.js and its wasm; the current dist/ by default) runs plain and governed (3 named keys,
 * 5 budgets, rate limits: the bench's governed Switchyard) under `valgrind --tool=callgrind`
 * with instrumentation off; after a warm-up (`BENCH_WARM_UP` requests, default 1500), it is
 * turned on for `requests` requests of the governed case (10 connections) and the instructions
 * per request are printed: all of them, and without V8's optimizing compiler.
 *
 * Under valgrind a request takes ~50× longer, and V8 compiles the hot functions later in the
 * run: after 300 warm-up requests, TurboFan's compile work was half of every instruction
 * counted (830 of 1,670 M), more on the governed side (more code to compile). At full speed
 * that work is done in the first second and is gone from the steady state, so the figure
 * without it is the one to compare. Work done on timers (the budgets' ledger syncs every 5 s,
 * a rate lease per key and second, the request log's flush) is counted per request ~50× more
 * often than at full speed: at full speed its share is the store transactions per second times
 * their cost (see docs/governance.md).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCases } from './cases';
import { startChildService, startFakeUpstream, type ChildService } from './child-service';
import { benchRoutes, benchRules } from './routing-config';
import { benchBudgets } from './switchyard-service';
import { runMain } from './run-main';

const controlToken = 'bench-callgrind-control-token';

/** Sends `requests` requests; resolves with how many were answered 200 (a few may time out under valgrind). */
async function fire(url: string, requests: number, headers: Record<string, string>, body: string, path_: string): Promise<number> {
  const result = await autocannon({ url: url + path_, method: 'POST', headers, body, connections: 10, amount: requests, timeout: 120 });
  if (result.non2xx > 0 || result.errors > requests / 100) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return result['2xx'];
}

/** Instructions per request: all of them, and without the optimizing compiler's. */
interface Count {
  all: number;
  withoutCompiler: number;
}

/** Sums a callgrind dump's self cost, and the part spent in V8's optimizing compiler (TurboFan, Maglev). */
function countDump(file: string): Count {
  // The dump written at exit, with instrumentation off, holds no events.
  if (!/^events:/m.test(readFileSync(file, 'utf8'))) return { all: 0, withoutCompiler: 0 };
  const lines = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { maxBuffer: 256 * 1024 * 1024 }).toString().split('\n');
  let all = 0;
  let compiler = 0;
  for (const line of lines) {
    const match = /^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const count = Number(match[1]!.replaceAll(',', ''));
    if (match[2]!.includes('PROGRAM TOTALS')) all += count;
    else if (/v8::internal::compiler::|turboshaft|maglev/i.test(match[2]!)) compiler += count;
  }
  return { all, withoutCompiler: all - compiler };
}

async function measure(entry: string, governed: boolean, upstream: string, work: string, requests: number): Promise<Count> {
  const name = `${governed ? 'governed' : 'plain'}-${Math.random().toString(36).slice(2, 8)}`;
  const configPath = path.join(work, `${name}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      providers: { openai: { baseUrl: `${upstream}/v1` }, anthropic: { baseUrl: upstream }, fakecompat: { type: 'openai-compatible', baseUrl: `${upstream}/v1`, apiKeyEnv: 'FAKECOMPAT_API_KEY' } },
      routes: benchRoutes(),
      rules: benchRules(),
      ...(governed ? { budgets: benchBudgets } : {}),
    }),
  );
  const outFile = path.join(work, `${name}.callgrind`);
  let answered = requests;
  const service: ChildService = await startChildService(
    name,
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`, process.execPath, entry, 'serve', '--port', '0', '--config', configPath],
    { ...process.env, OPENAI_API_KEY: 'sk-bench-openai-0000', ANTHROPIC_API_KEY: 'sk-ant-bench-0000', FAKECOMPAT_API_KEY: 'sk-bench-compat-0000', SWITCHYARD_DATA_DIR: path.join(work, `${name}-data`), SWITCHYARD_CONTROL_TOKEN: controlToken },
    600_000,
  );
  try {
    const [benchCase] = buildCases('governed');
    let key = 'sy-bench-unnamed';
    for (const keyName of governed ? ['bench-a', 'bench-b', 'bench-c'] : []) {
      const response = await fetch(`${service.url}/_switchyard/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: keyName, models: ['openai/*', 'anthropic/claude-*'], budget: '1000/day', rpm: 10_000_000, tpm: 10_000_000_000 }),
      });
      const created = (await response.json()) as { key: string };
      if (keyName === 'bench-a') key = created.key;
    }
    const headers = { ...benchCase!.headers, authorization: `Bearer ${key}` };
    await fire(service.url, Number(process.env.BENCH_WARM_UP ?? 1500), headers, benchCase!.body, benchCase!.path);
    execFileSync('callgrind_control', ['-i', 'on', String(service.pid)], { stdio: 'ignore' });
    answered = await fire(service.url, requests, headers, benchCase!.body, benchCase!.path);
    execFileSync('callgrind_control', ['-i', 'off', String(service.pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-d', String(service.pid)], { stdio: 'ignore' });
  } finally {
    await service.stop();
  }
  const total: Count = { all: 0, withoutCompiler: 0 };
  for (const file of execFileSync('sh', ['-c', `ls ${outFile}*`]).toString().trim().split('\n')) {
    const count = countDump(file);
    total.all += count.all;
    total.withoutCompiler += count.withoutCompiler;
  }
  return { all: total.all / answered, withoutCompiler: total.withoutCompiler / answered };
}

async function main(): Promise<void> {
  const [requestsText = '1000', ...builds] = process.argv.slice(2);
  const requests = Number(requestsText);
  const work = mkdtempSync(path.join(os.tmpdir(), 'switchyard-callgrind-'));
  const upstream = await startFakeUpstream(work);
  try {
    for (const build of builds.length === 0 ? [path.join(__dirname, '..', 'dist')] : builds) {
      const entry = path.resolve(build, 'proxy.js');
      const plain = await measure(entry, false, upstream.url, work, requests);
      const governed = await measure(entry, true, upstream.url, work, requests);
      const line = (what: keyof Count): string => `plain ${(plain[what] / 1e6).toFixed(3)} M, governed ${(governed[what] / 1e6).toFixed(3)} M, governed ÷ plain ${(governed[what] / plain[what]).toFixed(3)}×`;
      process.stdout.write(`${build}: instructions/request ${line('all')}; without the optimizing compiler ${line('withoutCompiler')}\n`);
    }
  } finally {
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

runMain(main);
