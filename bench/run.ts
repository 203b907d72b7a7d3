/**
 * `npm run bench`: Switchyard against the floor (a bare node:http + undici forwarder) and against
 * no proxy at all (the fake upstream hit directly), all in one run on the same machine.
 *
 * Per case it measures, for each target: requests/s under load (autocannon), latency one request
 * at a time, time to first byte on streams, whether every streamed chunk arrived, and the
 * proxy's CPU time per request read from /proc (Linux only). Speed is reported, not asserted:
 * the exit code is non-zero only when a request failed or a stream lost chunks.
 *
 * Knobs (environment): BENCH_SECONDS (load seconds per target, default 3), BENCH_CASES (comma
 * separated substrings of case names to run), BENCH_STAND_IN=1 (use a second bare forwarder in
 * the Switchyard slot even when the build exists).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { Agent } from 'undici';
import { startChildService, type ChildService } from './child-service';
import { anthropicBody, openaiBody, replyDeltas, type BodySize, type ClientApi } from './payloads';
import { cpuNanoseconds, cpuSource } from './process-cpu';
import { checkReply } from './reply-check';
import { timedRequest } from './timed-request';
import { streamEventCounts } from './upstream-replies';

const root = path.resolve(__dirname, '..');
const loadSeconds = Number(process.env.BENCH_SECONDS ?? '3');
const warmupSeconds = 0.7;
const loadRounds = 3;
const roundSeconds = loadSeconds / loadRounds;
/** Pause after each measured run before reading CPU, so replies in flight finish inside the window. */
const settleMs = 100;
const connections = 10;
const sequentialJsonRequests = 300;
const sequentialStreams = 100;
/** Milliseconds the fake upstream waits between SSE events. */
const upstreamGapMs = 1;
const passthroughCpuTarget = 1.5;
const translationCpuTarget = 3;
const firstByteTargetMs = 1;

type TargetName = 'direct' | 'bare' | 'switchyard';

interface Target {
  name: TargetName;
  url: string;
  /** The proxy process whose CPU is measured; none for `direct`. */
  pid?: number;
  dispatcher: Agent;
}

interface BenchCase {
  name: string;
  kind: 'passthrough' | 'translation';
  api: ClientApi;
  size: BodySize;
  stream: boolean;
  path: string;
  headers: Record<string, string>;
  /** Body sent to Switchyard. */
  body: string;
  /** Body sent to the direct and bare targets (differs only for translation: the model name). */
  floorBody: string;
  /** Exact SSE events a client must receive, for passthrough streams. */
  expectedEvents?: number;
}

interface TargetResult {
  requestsPerSecond: number;
  cpuMicrosecondsPerRequest?: number;
  latencyMs: number[];
  firstByteMs: number[];
  /** Fewest text deltas any checked stream carried. */
  fewestDeltas: number;
  failures: number;
  problems: string[];
}

const openaiHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-openai-0000' };
const anthropicHeaders = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-bench-0000',
  'anthropic-version': '2023-06-01',
};

function buildCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const size of ['1k', '80k'] as const) {
    for (const stream of [false, true]) {
      const label = `${size === '1k' ? '1 KB' : '80 KB'} ${stream ? 'stream' : 'json'}`;
      const openai = openaiBody('gpt-4o-mini', size, stream);
      cases.push({
        name: `OpenAI → OpenAI ${label}`,
        kind: 'passthrough',
        api: 'openai',
        size,
        stream,
        path: '/v1/chat/completions',
        headers: openaiHeaders,
        body: openai,
        floorBody: openai,
        expectedEvents: stream ? streamEventCounts.openai : undefined,
      });
      const anthropic = anthropicBody('claude-sonnet-4-5', size, stream);
      cases.push({
        name: `Anthropic → Anthropic ${label}`,
        kind: 'passthrough',
        api: 'anthropic',
        size,
        stream,
        path: '/v1/messages',
        headers: anthropicHeaders,
        body: anthropic,
        floorBody: anthropic,
        expectedEvents: stream ? streamEventCounts.anthropic : undefined,
      });
    }
  }
  for (const size of ['1k', '80k'] as const) {
    cases.push({
      name: `Anthropic → compatible ${size === '1k' ? '1 KB' : '80 KB'} stream`,
      kind: 'translation',
      api: 'anthropic',
      size,
      stream: true,
      path: '/v1/messages',
      headers: anthropicHeaders,
      body: anthropicBody('fakecompat/bench-model', size, true),
      // The floor cannot translate: it forwards the same Anthropic request to /v1/messages.
      floorBody: anthropicBody('claude-sonnet-4-5', size, true),
    });
  }
  const filter = process.env.BENCH_CASES?.split(',').map((part) => part.trim().toLowerCase());
  if (filter === undefined) return cases;
  return cases.filter((benchCase) => filter.some((part) => benchCase.name.toLowerCase().includes(part)));
}

function bodyFor(target: Target, benchCase: BenchCase): string {
  return target.name === 'switchyard' ? benchCase.body : benchCase.floorBody;
}

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

function loadOptions(target: Target, benchCase: BenchCase, seconds: number): autocannon.Options {
  return {
    url: target.url + benchCase.path,
    method: 'POST',
    headers: benchCase.headers,
    body: bodyFor(target, benchCase),
    connections,
    duration: seconds,
  };
}

/** One measured autocannon run against one target, added to the target's load totals. */
async function loadRound(target: Target, benchCase: BenchCase, totals: LoadTotals): Promise<void> {
  const source = target.pid === undefined ? undefined : cpuSource(target.pid);
  const cpuBefore = target.pid === undefined || source === undefined ? 0 : cpuNanoseconds(target.pid, source);
  const measured = await autocannon({
    ...loadOptions(target, benchCase, roundSeconds),
    verifyBody: (body) => checkReply(benchCase.api, benchCase.stream, String(body), benchCase.expectedEvents, false).ok,
  });
  // Let replies still in flight and batched work (the request log) land inside the window.
  await sleep(settleMs);
  const cpuAfter = target.pid === undefined || source === undefined ? 0 : cpuNanoseconds(target.pid, source);
  totals.cpuNanoseconds += cpuAfter - cpuBefore;
  totals.completed += measured.requests.total;
  totals.seconds += measured.duration;
  totals.errors += measured.errors;
  totals.non2xx += measured.non2xx;
  totals.mismatches += measured.mismatches;
}

interface LoadTotals {
  cpuNanoseconds: number;
  completed: number;
  seconds: number;
  errors: number;
  non2xx: number;
  mismatches: number;
}

/**
 * Load on every target: a warm-up each, then `loadRounds` short measured runs per target in a
 * rotating order, so drift (GC state, the upstream's heap, a noisy neighbour) spreads over all
 * targets instead of landing on whichever runs first.
 */
async function loadPhase(targets: Target[], benchCase: BenchCase, results: Map<TargetName, TargetResult>): Promise<void> {
  for (const target of targets) await autocannon(loadOptions(target, benchCase, warmupSeconds));
  const totals = new Map<TargetName, LoadTotals>();
  for (const target of targets) {
    totals.set(target.name, { cpuNanoseconds: 0, completed: 0, seconds: 0, errors: 0, non2xx: 0, mismatches: 0 });
  }
  for (let round = 0; round < loadRounds; round++) {
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(round + offset) % targets.length];
      const targetTotals = totals.get(target.name);
      if (targetTotals !== undefined) await loadRound(target, benchCase, targetTotals);
    }
  }
  for (const target of targets) {
    const result = results.get(target.name);
    const targetTotals = totals.get(target.name);
    if (result === undefined || targetTotals === undefined) continue;
    result.requestsPerSecond = targetTotals.seconds > 0 ? targetTotals.completed / targetTotals.seconds : 0;
    if (target.pid !== undefined && targetTotals.completed > 0) {
      result.cpuMicrosecondsPerRequest = targetTotals.cpuNanoseconds / 1_000 / targetTotals.completed;
    }
    const failed = targetTotals.errors + targetTotals.non2xx + targetTotals.mismatches;
    if (failed > 0) {
      result.failures += failed;
      result.problems.push(
        `load: ${targetTotals.errors} connection errors, ${targetTotals.non2xx} non-2xx, ${targetTotals.mismatches} incomplete replies`,
      );
    }
  }
}

/** Sequential requests, round-robin over the targets so drift hits them all alike. */
async function sequentialPhase(targets: Target[], benchCase: BenchCase, results: Map<TargetName, TargetResult>): Promise<void> {
  const count = benchCase.stream ? sequentialStreams : sequentialJsonRequests;
  for (let index = 0; index < count; index++) {
    for (const target of targets) {
      const result = results.get(target.name);
      if (result === undefined) continue;
      try {
        const reply = await timedRequest(target.dispatcher, target.url + benchCase.path, benchCase.headers, bodyFor(target, benchCase));
        if (reply.status !== 200) {
          result.failures++;
          if (result.problems.length < 3) result.problems.push(`HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);
          continue;
        }
        const check = checkReply(benchCase.api, benchCase.stream, reply.body, benchCase.expectedEvents);
        if (benchCase.stream) result.fewestDeltas = Math.min(result.fewestDeltas, check.deltas);
        if (!check.ok) {
          result.failures++;
          if (result.problems.length < 3) result.problems.push(check.problem ?? 'incomplete reply');
          continue;
        }
        result.latencyMs.push(reply.totalMs);
        result.firstByteMs.push(reply.firstByteMs);
      } catch (error) {
        result.failures++;
        if (result.problems.length < 3) result.problems.push((error as Error).message);
      }
    }
  }
}

function emptyResult(): TargetResult {
  return {
    requestsPerSecond: 0,
    latencyMs: [],
    firstByteMs: [],
    fewestDeltas: Number.POSITIVE_INFINITY,
    failures: 0,
    problems: [],
  };
}

async function runCase(targets: Target[], benchCase: BenchCase): Promise<Map<TargetName, TargetResult>> {
  const results = new Map<TargetName, TargetResult>();
  for (const target of targets) results.set(target.name, emptyResult());
  progress(`${benchCase.name}: load`);
  await loadPhase(targets, benchCase, results);
  progress(`${benchCase.name}: sequential latency`);
  await sequentialPhase(targets, benchCase, results);
  return results;
}

function formatMs(value: number): string {
  return Number.isNaN(value) ? '—' : value.toFixed(2);
}

function formatSigned(value: number): string {
  if (Number.isNaN(value)) return '—';
  return (value >= 0 ? '+' : '') + value.toFixed(2);
}

interface CaseOutcome {
  benchCase: BenchCase;
  results: Map<TargetName, TargetResult>;
}

function tableRows(outcome: CaseOutcome): string[] {
  const { benchCase, results } = outcome;
  const direct = results.get('direct');
  const bare = results.get('bare');
  const rows: string[] = [];
  for (const [name, result] of results) {
    const p50 = percentile(result.latencyMs, 0.5);
    const p99 = percentile(result.latencyMs, 0.99);
    const isProxy = name !== 'direct' && direct !== undefined;
    const addedP50 = isProxy ? p50 - percentile(direct.latencyMs, 0.5) : Number.NaN;
    const addedP99 = isProxy ? p99 - percentile(direct.latencyMs, 0.99) : Number.NaN;
    const firstByte =
      benchCase.stream && isProxy
        ? `${formatSigned(percentile(result.firstByteMs, 0.5) - percentile(direct.firstByteMs, 0.5))} / ${formatSigned(
            percentile(result.firstByteMs, 0.99) - percentile(direct.firstByteMs, 0.99),
          )}`
        : benchCase.stream
          ? `${formatMs(percentile(result.firstByteMs, 0.5))} / ${formatMs(percentile(result.firstByteMs, 0.99))}`
          : '—';
    const cpu = result.cpuMicrosecondsPerRequest;
    const ratio =
      name === 'switchyard' && cpu !== undefined && bare?.cpuMicrosecondsPerRequest !== undefined
        ? `${(cpu / bare.cpuMicrosecondsPerRequest).toFixed(2)}×`
        : '—';
    const chunks = benchCase.stream
      ? `${Number.isFinite(result.fewestDeltas) ? result.fewestDeltas : 0}/${replyDeltas.length}`
      : '—';
    rows.push(
      `| ${benchCase.name} | ${name} | ${Math.round(result.requestsPerSecond)} | ${formatMs(p50)} / ${formatMs(p99)} | ` +
        `${isProxy ? `${formatSigned(addedP50)} / ${formatSigned(addedP99)}` : '—'} | ${firstByte} | ` +
        `${cpu === undefined ? '—' : Math.round(cpu)} | ${ratio} | ${chunks} |`,
    );
  }
  return rows;
}

/** PASS/FAIL lines against the targets; returns them with whether any failed. */
function verdicts(outcomes: CaseOutcome[], standIn: boolean): string[] {
  const lines: string[] = [];
  const label = standIn ? ' [stand-in: Switchyard slot is a bare forwarder]' : '';
  for (const { benchCase, results } of outcomes) {
    const switchyard = results.get('switchyard');
    const bare = results.get('bare');
    const direct = results.get('direct');
    if (switchyard === undefined || bare === undefined || direct === undefined) continue;
    const limit = benchCase.kind === 'passthrough' ? passthroughCpuTarget : translationCpuTarget;
    if (switchyard.cpuMicrosecondsPerRequest !== undefined && bare.cpuMicrosecondsPerRequest !== undefined) {
      const ratio = switchyard.cpuMicrosecondsPerRequest / bare.cpuMicrosecondsPerRequest;
      lines.push(
        `${ratio <= limit ? 'PASS' : 'FAIL'} ${benchCase.name}: CPU/request ${ratio.toFixed(2)}× bare (target ≤ ${limit}×)${label}`,
      );
    }
    if (benchCase.stream) {
      const kept = switchyard.failures === 0 && switchyard.fewestDeltas === replyDeltas.length;
      lines.push(`${kept ? 'PASS' : 'FAIL'} ${benchCase.name}: every chunk kept${label}`);
      const added = percentile(switchyard.firstByteMs, 0.5) - percentile(direct.firstByteMs, 0.5);
      lines.push(
        `${added <= firstByteTargetMs ? 'PASS' : 'FAIL'} ${benchCase.name}: first byte +${added.toFixed(2)} ms p50 over direct (target ≤ ${firstByteTargetMs} ms)${label}`,
      );
    }
  }
  return lines;
}

/**
 * Bundles the fake upstream and the bare forwarder to plain JavaScript, as Switchyard itself is
 * bundled, so no TypeScript loader runs inside a measured process.
 */
function bundleChildScripts(workDirectory: string): { upstream: string; bareForwarder: string } {
  const bundle = (name: string): string => {
    const outfile = path.join(workDirectory, `${name}.js`);
    buildSync({
      entryPoints: [path.join(root, 'bench', `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
    });
    return outfile;
  };
  return { upstream: bundle('fake-upstream'), bareForwarder: bundle('bare-forwarder') };
}

/**
 * How children are started: on two or more cores, the proxies run on the last core and the load
 * generator (this process) and the fake upstream on the others, so a proxy never fights the
 * load generator for a core and its numbers do not depend on where the scheduler put it.
 */
interface Pinning {
  command: string;
  proxyArgs: string[];
  loadArgs: string[];
  description: string;
}

function pinToCores(): Pinning {
  const cores = os.cpus().length;
  const unpinned = { command: '/usr/bin/env', proxyArgs: [], loadArgs: [], description: 'not pinned' };
  if (cores < 2 || process.env.BENCH_PIN === '0') return unpinned;
  const proxyCore = String(cores - 1);
  const loadCores = cores === 2 ? '0' : `0-${cores - 2}`;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', loadCores, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return unpinned;
  }
  return {
    command: 'taskset',
    proxyArgs: ['-c', proxyCore],
    loadArgs: ['-c', loadCores],
    description: `proxies pinned to core ${proxyCore}, load generator and upstream to core ${loadCores}`,
  };
}

async function startSwitchyard(upstream: string, workDirectory: string, pinning: Pinning): Promise<ChildService | undefined> {
  const entry = path.join(root, 'bin', 'switchyard.js');
  if (process.env.BENCH_STAND_IN === '1' || !existsSync(entry) || !existsSync(path.join(root, 'dist', 'proxy.js'))) {
    return undefined;
  }
  const configPath = path.join(workDirectory, 'switchyard.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      providers: {
        openai: { baseUrl: `${upstream}/v1` },
        anthropic: { baseUrl: upstream },
        fakecompat: { type: 'openai-compatible', baseUrl: `${upstream}/v1`, apiKeyEnv: 'FAKECOMPAT_API_KEY' },
      },
    }),
  );
  const dataDirectory = path.join(workDirectory, 'data');
  return startChildService('switchyard', pinning.command, [...pinning.proxyArgs, process.execPath, entry, 'serve', '--port', '0', '--config', configPath], {
    ...process.env,
    OPENAI_API_KEY: 'sk-bench-openai-0000',
    ANTHROPIC_API_KEY: 'sk-ant-bench-0000',
    FAKECOMPAT_API_KEY: 'sk-bench-compat-0000',
    SWITCHYARD_DATA_DIR: dataDirectory,
  });
}

async function main(): Promise<number> {
  if (process.platform !== 'linux') {
    process.stderr.write('The benchmark reads proxy CPU time from /proc and runs on Linux only.\n');
    return 1;
  }
  const started = performance.now();
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
  const services: ChildService[] = [];
  const agents: Agent[] = [];
  try {
    const pinning = pinToCores();
    const scripts = bundleChildScripts(workDirectory);
    const upstream = await startChildService('upstream', pinning.command, [
      ...pinning.loadArgs,
      process.execPath,
      scripts.upstream,
      String(upstreamGapMs),
    ]);
    services.push(upstream);
    const bare = await startChildService('bare', pinning.command, [
      ...pinning.proxyArgs,
      process.execPath,
      scripts.bareForwarder,
      upstream.url,
    ]);
    services.push(bare);
    let switchyard = await startSwitchyard(upstream.url, workDirectory, pinning);
    const standIn = switchyard === undefined;
    if (switchyard === undefined) {
      process.stderr.write('Switchyard build not found (bin/switchyard.js, dist/proxy.js): a second bare forwarder stands in.\n');
      switchyard = await startChildService('switchyard', pinning.command, [
        ...pinning.proxyArgs,
        process.execPath,
        scripts.bareForwarder,
        upstream.url,
      ]);
    }
    services.push(switchyard);

    const makeTarget = (name: TargetName, url: string, pid?: number): Target => {
      const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 1 });
      agents.push(dispatcher);
      return { name, url, pid, dispatcher };
    };
    const targets = [
      makeTarget('direct', upstream.url),
      makeTarget('bare', bare.url, bare.pid),
      makeTarget('switchyard', switchyard.url, switchyard.pid),
    ];

    const cases = buildCases();
    process.stderr.write(
      `Benchmark: ${cases.length} cases × 3 targets, ${loadSeconds} s load each, ${os.cpus().length} CPUs, ` +
        `CPU from /proc ${cpuSource(bare.pid)}, ${pinning.description}\n`,
    );
    const outcomes: CaseOutcome[] = [];
    for (const benchCase of cases) outcomes.push({ benchCase, results: await runCase(targets, benchCase) });

    const lines: string[] = [];
    lines.push('');
    lines.push(
      `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; load: autocannon, ${connections} connections, ` +
        `${loadRounds} × ${roundSeconds.toFixed(1)} s per target after a ${warmupSeconds} s warm-up; latency: ${sequentialJsonRequests} requests (${sequentialStreams} streams) one at a time; ` +
        `upstream streams ${replyDeltas.length} text deltas ${upstreamGapMs} ms apart; ${pinning.description}.` +
        (standIn ? ' **Switchyard slot: stand-in bare forwarder.**' : ''),
    );
    lines.push('');
    lines.push(
      '| case | target | req/s | latency p50 / p99 ms | added p50 / p99 ms | first byte p50 / p99 ms (added) | CPU µs/req | CPU vs bare | chunks |',
    );
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const outcome of outcomes) lines.push(...tableRows(outcome));
    lines.push('');
    lines.push(...verdicts(outcomes, standIn));

    let failed = false;
    for (const { benchCase, results } of outcomes) {
      for (const [name, result] of results) {
        if (result.failures === 0) continue;
        failed = true;
        lines.push(`ERROR ${benchCase.name} on ${name}: ${result.failures} failed requests — ${result.problems.join(' | ')}`);
      }
    }
    lines.push('');
    lines.push(`Took ${((performance.now() - started) / 1000).toFixed(0)} s.`);
    process.stdout.write(lines.join('\n') + '\n');
    if (failed) {
      for (const service of services) process.stderr.write(`--- ${service.name} output ---\n${service.recentOutput()}\n`);
    }
    return failed ? 1 : 0;
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
