/**
 * `node --import tsx bench/governed-callgrind.ts [requests] [build folder...]`: what governance
 * costs in instructions, which do not depend on the machine's load. Each build (a folder with
 * proxy.js and its wasm; the current dist/ by default) runs plain and governed (3 named keys,
 * 5 budgets, rate limits: the bench's governed Switchyard) under `valgrind --tool=callgrind`
 * with instrumentation off; after a warm-up, it is turned on for `requests` requests of the
 * governed case (10 connections) and the instructions per request are printed.
 *
 * Under valgrind a request takes ~50× longer, so work done on timers (the budgets' ledger
 * syncs, rate-limit leases ending, the request log's flush) is counted per request ~50× less
 * often than at full speed: this measures the per-call path; the timers' share is the number
 * of store transactions per second times their cost (see docs/benchmark.md).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { buildCases } from './cases';
import { startChildService, type ChildService } from './child-service';
import { benchRoutes, benchRules } from './routing-config';
import { benchBudgets } from './switchyard-service';

const controlToken = 'bench-callgrind-control-token';

/** Sends `requests` requests; resolves with how many were answered 200 (a few may time out under valgrind). */
async function fire(url: string, requests: number, headers: Record<string, string>, body: string, path_: string): Promise<number> {
  const result = await autocannon({ url: url + path_, method: 'POST', headers, body, connections: 10, amount: requests, timeout: 120 });
  if (result.non2xx > 0 || result.errors > requests / 100) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return result['2xx'];
}

async function measure(entry: string, governed: boolean, upstream: string, work: string, requests: number): Promise<number> {
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
    await fire(service.url, Math.max(200, requests / 2), headers, benchCase!.body, benchCase!.path);
    execFileSync('callgrind_control', ['-i', 'on', String(service.pid)], { stdio: 'ignore' });
    answered = await fire(service.url, requests, headers, benchCase!.body, benchCase!.path);
    execFileSync('callgrind_control', ['-i', 'off', String(service.pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-d', String(service.pid)], { stdio: 'ignore' });
  } finally {
    await service.stop();
  }
  let total = 0;
  for (const file of execFileSync('sh', ['-c', `ls ${outFile}*`]).toString().trim().split('\n')) {
    const match = /^totals:\s*(\d+)/m.exec(readFileSync(file, 'utf8'));
    if (match) total += Number(match[1]);
  }
  return total / answered;
}

async function main(): Promise<void> {
  const [requestsText = '1000', ...builds] = process.argv.slice(2);
  const requests = Number(requestsText);
  const work = mkdtempSync(path.join(os.tmpdir(), 'switchyard-callgrind-'));
  const upstreamScript = path.join(work, 'fake-upstream.js');
  buildSync({ entryPoints: [path.join(__dirname, 'fake-upstream.ts')], outfile: upstreamScript, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  const upstream = await startChildService('upstream', process.execPath, [upstreamScript, '1']);
  try {
    for (const build of builds.length === 0 ? [path.join(__dirname, '..', 'dist')] : builds) {
      const entry = path.resolve(build, 'proxy.js');
      const plain = await measure(entry, false, upstream.url, work, requests);
      const governed = await measure(entry, true, upstream.url, work, requests);
      process.stdout.write(`${build}: instructions/request plain ${(plain / 1e6).toFixed(3)} M, governed ${(governed / 1e6).toFixed(3)} M, governed ÷ plain ${(governed / plain).toFixed(3)}×\n`);
    }
  } finally {
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
