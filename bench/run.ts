/**
 * `npm run bench`: Switchyard against the floor (a bare node:http + undici forwarder) and against
 * no proxy at all (the fake upstream hit directly), all in one run on the same machine.
 *
 * Per case it measures, for each target: requests/s under load (autocannon), latency one request
 * at a time, time to first byte on streams, whether every streamed chunk arrived, and the
 * proxy's CPU time per request read from /proc (Linux only). Routed cases (a rule set of 51
 * rules with fallback chains, and a race) also send the same request unrouted to the same
 * Switchyard, interleaved, and compare the two. Speed is reported, not asserted: the exit code
 * is non-zero only when a request failed, a stream lost chunks, or a routed request was not
 * routed as configured.
 *
 * Knobs (environment): BENCH_SECONDS (measured load seconds per proxy and case, default 2.4),
 * BENCH_CASES (comma-separated parts of case names to run), BENCH_STAND_IN=1 (a second bare
 * forwarder in the Switchyard slot even when the build exists), BENCH_PIN=0 (no core pinning),
 * BENCH_PROFILE=<dir> (Switchyard writes a V8 CPU profile there when the run ends).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSync } from 'esbuild';
import { Agent } from 'undici';
import { buildCases } from './cases';
import { startChildService, type ChildService } from './child-service';
import { coreLayout } from './core-layout';
import { emptyResult, loadPhase, sequentialPhase, type MeasureSettings, type Target, type TargetName, type TargetResult } from './measure';
import { replyDeltas } from './payloads';
import { cpuSource } from './process-cpu';
import { governanceVerdictLines, markdownTable, routingTable, routingVerdictLines, verdictLines, type CaseOutcome } from './report';
import { checkRouting } from './routing-check';
import { benchRoutes, benchRules, expectedDecisions } from './routing-config';

const root = path.resolve(__dirname, '..');
/** Lets the routing check read request records from Switchyard's control API. */
const controlToken = 'bench-control-token-0000';
/** Milliseconds the fake upstream waits between SSE events. */
const upstreamGapMs = 1;
const loadRounds = 3;
const settings: MeasureSettings = {
  connections: 10,
  warmupSeconds: 0.6,
  loadRounds,
  roundSeconds: Number(process.env.BENCH_SECONDS ?? '2.4') / loadRounds,
  // Longer than the request log's flush interval (1 s), so each round's CPU includes writing
  // its own records: a shorter settle would leave that cost outside the measurement.
  settleMs: 1100,
  sequentialRequests: 300,
  sequentialStreams: 100,
};

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

/** The governed case's 5 budgets: everyone, a provider, a model glob, a key, and one that only warns. */
const benchBudgets = [
  { name: 'team-daily', limitUsd: 1000, period: 'day' },
  { name: 'openai-monthly', match: { provider: 'openai' }, limitUsd: 20000, period: 'month' },
  { name: 'mini-weekly', match: { model: 'openai/gpt-4o-mini*' }, limitUsd: 5000, period: 'week' },
  { name: 'bench-key', match: { key: 'bench-a' }, limitUsd: 1000, period: 'day' },
  { name: 'warn-only', limitUsd: 500, period: 'day', action: 'warn' },
];

/**
 * A second Switchyard with governance on (the 5 budgets, 3 named keys with allow-lists, a budget
 * each and rate limits far above the load), and the key the governed case sends.
 */
async function startGovernedSwitchyard(upstream: string, workDirectory: string): Promise<{ service: ChildService; key: string } | undefined> {
  const directory = path.join(workDirectory, 'governed');
  mkdirSync(directory, { recursive: true });
  const service = await startSwitchyard(upstream, directory, { budgets: benchBudgets });
  if (service === undefined) return undefined;
  let key = '';
  for (const name of ['bench-a', 'bench-b', 'bench-c']) {
    const response = await fetch(`${service.url}/_switchyard/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, models: ['openai/*', 'anthropic/claude-*'], budget: '1000/day', rpm: 10_000_000, tpm: 10_000_000_000 }),
    });
    const created = (await response.json()) as { key?: string };
    if (created.key === undefined) throw new Error(`could not create bench key ${name}: ${JSON.stringify(created)}`);
    if (name === 'bench-a') key = created.key;
  }
  return { service, key };
}

/** Starts the built Switchyard, or returns undefined when there is no build yet. */
async function startSwitchyard(upstream: string, workDirectory: string, extra: Record<string, unknown> = {}): Promise<ChildService | undefined> {
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
      // Every case runs with them: unrouted requests miss all 51 rules, as they would in a
      // real config of that size.
      routes: benchRoutes(),
      rules: benchRules(),
      ...extra,
    }),
  );
  const profile = process.env.BENCH_PROFILE;
  const nodeOptions = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`];
  return startChildService('switchyard', process.execPath, [...nodeOptions, entry, 'serve', '--port', '0', '--config', configPath], {
    ...process.env,
    OPENAI_API_KEY: 'sk-bench-openai-0000',
    ANTHROPIC_API_KEY: 'sk-ant-bench-0000',
    FAKECOMPAT_API_KEY: 'sk-bench-compat-0000',
    SWITCHYARD_DATA_DIR: path.join(workDirectory, 'data'),
    SWITCHYARD_CONTROL_TOKEN: controlToken,
  });
}

function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
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
    const scripts = bundleChildScripts(workDirectory);
    const upstream = await startChildService('upstream', process.execPath, [scripts.upstream, String(upstreamGapMs)]);
    services.push(upstream);
    const bare = await startChildService('bare', process.execPath, [scripts.bareForwarder, upstream.url]);
    services.push(bare);
    let switchyard = await startSwitchyard(upstream.url, workDirectory);
    const standIn = switchyard === undefined;
    if (switchyard === undefined) {
      process.stderr.write('No Switchyard build (bin/switchyard.js, dist/proxy.js) or BENCH_STAND_IN=1: a second bare forwarder stands in.\n');
      switchyard = await startChildService('switchyard', process.execPath, [scripts.bareForwarder, upstream.url]);
    }
    services.push(switchyard);
    const cases = buildCases(process.env.BENCH_CASES);
    const governed = standIn || !cases.some((benchCase) => benchCase.governed !== undefined) ? undefined : await startGovernedSwitchyard(upstream.url, workDirectory);
    if (governed !== undefined) services.push(governed.service);
    const layout = coreLayout([bare.pid, switchyard.pid, ...(governed === undefined ? [] : [governed.service.pid])], [upstream.pid]);

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
    // Routed cases send the same request unrouted to the same Switchyard instead of measuring
    // the bare forwarder again (their unrouted cases do).
    const routedTargets = [targets[0]!, targets[2]!, makeTarget('unrouted', switchyard.url, switchyard.pid)];
    const checkAgent = new Agent({ keepAliveTimeout: 60_000 });
    agents.push(checkAgent);
    // The governed case: the governed Switchyard in the Switchyard slot, the plain one beside it.
    const governedTargets =
      governed === undefined ? targets : [targets[0]!, makeTarget('switchyard', governed.service.url, governed.service.pid), makeTarget('ungoverned', switchyard.url, switchyard.pid)];

    process.stderr.write(`Benchmark: ${cases.length} cases × 3 targets (routed: direct, switchyard routed and unrouted); CPU from /proc/<pid>/${cpuSource(bare.pid)}\n`);
    const outcomes: CaseOutcome[] = [];
    const routingProblems: string[] = [];
    for (const benchCase of cases) {
      if (benchCase.governed !== undefined && governed !== undefined) benchCase.headers.authorization = `Bearer ${governed.key}`;
      const caseTargets = benchCase.governed !== undefined ? governedTargets : benchCase.routing === undefined ? targets : routedTargets;
      if (benchCase.routing !== undefined && !standIn) {
        const problems = await checkRouting(checkAgent, switchyard.url, controlToken, benchCase, expectedDecisions.unrouted);
        routingProblems.push(...problems.map((problem) => `${benchCase.name}: ${problem}`));
      }
      const results = new Map<TargetName, TargetResult>(caseTargets.map((target) => [target.name, emptyResult()]));
      progress(`${benchCase.name}: load`);
      layout.separate();
      await loadPhase(caseTargets, benchCase, settings, results);
      progress(`${benchCase.name}: one at a time`);
      layout.share();
      await sequentialPhase(caseTargets, benchCase, settings, results);
      outcomes.push({ benchCase, results });
    }

    const cpu = os.cpus();
    const lines = [
      '',
      `Node ${process.version} on ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}. Load: autocannon, ${settings.connections} ` +
        `connections, ${settings.warmupSeconds} s warm-up, then ${loadRounds} × ${settings.roundSeconds.toFixed(1)} s per proxy ` +
        `in rotating order (direct: 1 run); ${layout.description}. One at a time: ${settings.sequentialRequests} requests ` +
        `or ${settings.sequentialStreams} streams per target, interleaved. Upstream streams ${replyDeltas.length} text deltas ` +
        `${upstreamGapMs} ms apart.` +
        (standIn ? ' **Switchyard slot: stand-in bare forwarder (no build found, or BENCH_STAND_IN=1).**' : ''),
      '',
      ...markdownTable(outcomes),
      '',
      ...verdictLines(outcomes, standIn),
    ];
    const routing = routingTable(outcomes);
    if (routing.length > 0) lines.push('', ...routing, '', ...routingVerdictLines(outcomes, standIn));
    const governance = governanceVerdictLines(outcomes, standIn);
    if (governance.length > 0) lines.push('', ...governance);
    let failed = routingProblems.length > 0;
    for (const problem of routingProblems) lines.push(`ERROR routing not as configured — ${problem}`);
    for (const { benchCase, results } of outcomes) {
      for (const [name, result] of results) {
        if (result.failures === 0) continue;
        failed = true;
        lines.push(`ERROR ${benchCase.name} via ${name}: ${result.failures} failed requests — ${result.problems.join(' | ')}`);
      }
    }
    lines.push('', `Took ${((performance.now() - started) / 1000).toFixed(0)} s.`);
    process.stdout.write(lines.join('\n') + '\n');
    if (failed) {
      for (const service of services) process.stderr.write(`--- ${service.name}: last output ---\n${service.recentOutput()}\n`);
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
