/**
 * `npm run bench`: Switchyard against the floor — the cheapest of four minimal Node forwarders
 * (floor-forwarder.ts), all measured in the same run — and against no proxy at all (the fake
 * upstream hit directly). `--peers` adds peer gateways (peers.ts) to the same table; `--quick`
 * runs three cases with short runs, under a minute, for a check before a proxy change lands.
 *
 * Per case it measures, for each target: requests/s and CPU per request under load (autocannon;
 * the proxy pinned to its own core; CPU of its whole process tree read from /proc), latency one
 * request at a time on one keep-alive connection, time to first byte on streams, and whether
 * every streamed chunk arrived. Routed cases (a rule set of 51 rules with fallback chains, and a
 * race) also send the same request unrouted to the same Switchyard, interleaved, and compare the
 * two. Speed is reported, not asserted: the exit code is non-zero only when a request failed, a
 * stream lost chunks, or a routed request was not routed as configured. docs/benchmark.md
 * explains the method.
 *
 * Every case runs `--repeat N` times (default 3, 1 with `--quick`), interleaved: every case
 * once, then every case again. A ratio is the median of the repetitions' ratios, shown with
 * their lowest and highest; `--json <file>` keeps every run of every repetition.
 *
 * Knobs (environment): BENCH_REPEAT (as --repeat), BENCH_SECONDS (measured load seconds per
 * proxy, case and repetition), BENCH_ROUNDS (how many rounds they are split into), BENCH_CASES
 * (parts of case names to run, separated by `,`, or by `;` when a name holds commas; `=<name>`
 * is a whole name), BENCH_STAND_IN=1 (a floor forwarder in the
 * Switchyard slot even when the build exists), BENCH_PIN=0 (no core pinning), BENCH_PROFILE=<dir>
 * (Switchyard writes a V8 CPU profile there when the run ends).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSync } from 'esbuild';
import { Agent } from 'undici';
import { buildCases, type BenchCase } from './cases';
import { startChildService, type ChildService } from './child-service';
import { coreLayout } from './core-layout';
import { floorModes, type FloorMode } from './floor-forwarder';
import { memoryCheck } from './memory';
import { emptyResult, loadPhase, sequentialPhase, warmUp, type CaseLoadState, type MeasureSettings, type Target, type TargetKind, type TargetRequest, type TargetResult } from './measure';
import { replyDeltas } from './payloads';
import { checkReply } from './reply-check';
import { timedRequest } from './timed-request';
import { installPortkey, portkeyRequest, portkeyVersion, startPortkey } from './peers';
import { cpuSource } from './process-cpu';
import { raisePriority, runInPrioritySession } from './priority';
import { cacheOffName, cacheVerdictLines, cpuRatio, floorOf, governanceVerdictLines, markdownTable, redactionOffName, redactionSequentialFactor, redactionVerdictLines, routingTable, routingVerdictLines, soloName, teamVerdictLines, ungovernedName, unroutedName, verdictLines, type CaseOutcome } from './report';
import { checkRouting } from './routing-check';
import { expectedDecisions } from './routing-config';
import { controlToken, startGovernedSwitchyard, startRedactingSwitchyard, startSwitchyard, startTeamSwitchyards } from './switchyard-service';

const root = path.resolve(__dirname, '..');
/** Milliseconds the fake upstream waits between SSE events. */
const upstreamGapMs = 1;
const quick = process.argv.includes('--quick');
const withPeers = process.argv.includes('--peers');
/** What `--quick` runs: one JSON and one stream passthrough, and a translation. */
const quickCases = ['OpenAI → OpenAI 1 KB json', 'Anthropic → Anthropic 1 KB stream', 'Anthropic → compatible 1 KB stream'];
/** The value after a flag (`--repeat 3` or `--repeat=3`), or undefined. */
function flagValue(flag: string): string | undefined {
  const index = process.argv.findIndex((argument) => argument === flag || argument.startsWith(`${flag}=`));
  if (index < 0) return undefined;
  const argument = process.argv[index]!;
  return argument.includes('=') ? argument.slice(argument.indexOf('=') + 1) : process.argv[index + 1];
}
/**
 * How many times each case runs, interleaved (A B C, A B C, …). One run's row moved ±0.3–0.4×
 * on a quiet VM between runs minutes apart (the host's neighbours move both the floor and
 * Switchyard); the median of three runs spread over the whole benchmark is the verdict
 * (docs/benchmark.md, "Sixth round"). `--quick` runs once, to stay under a minute.
 */
const repeat = Math.max(1, Math.round(Number(flagValue('--repeat') ?? process.env.BENCH_REPEAT ?? (quick ? '1' : '3'))) || 1);
/** Where every repetition's every run is written (JSON); a file in the temporary folder unless `--json <file>`. */
const jsonPath = flagValue('--json') ?? path.join(os.tmpdir(), `switchyard-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
/**
 * Short rounds, many of them: a CPU ratio is the median of per-round ratios, and neighbours'
 * load and V8's GC and JIT phases move single rounds by ±30 %; the median of ten steadies what
 * the median of three could not (docs/benchmark.md, "Fifth round"). Repeated cases have fewer
 * rounds per run (more in all) to keep a full run under twenty minutes.
 */
const loadRounds = Number(process.env.BENCH_ROUNDS ?? (quick ? '6' : repeat > 1 ? '4' : '10'));
/** Rounds of a case whose two targets are one Switchyard (they pause between runs). */
const sharedProcessRounds = quick || repeat > 1 ? 2 : 3;
/** Load put through a feature's own Switchyard once, before its first case (see `warmUp`). */
const featureWarmUpSeconds = quick ? 1 : 8;
/** Load put through each plain target (direct, the floors, Switchyard) before the first case. */
const rigWarmUpSeconds = quick ? 0.5 : 4;
/** The feature processes already warmed, by pid. */
const warmedFeatureProcesses = new Set<number>();
/** A measured round's length: each run is the requests its proxy serves in this time. */
const roundSeconds = quick ? 0.2 : 0.3;
const settings: MeasureSettings = {
  connections: 10,
  warmupSeconds: quick ? 0.3 : 0.8,
  rewarmSeconds: 0.3,
  loadRounds,
  sharedProcessRounds,
  roundSeconds: process.env.BENCH_SECONDS === undefined ? roundSeconds : Number(process.env.BENCH_SECONDS) / loadRounds,
  // Longer than the request log's flush interval (1 s), so each round's CPU includes writing
  // its own records: a shorter settle would leave that cost outside the measurement.
  settleMs: 1100,
  sequentialRequests: quick ? 100 : 300,
  sequentialStreams: quick ? 20 : 100,
};
/**
 * `--quick` measures the two buffered undici floors, the cheapest in full runs so far: each
 * autocannon run lasts at least a second whatever its duration, and four floors would not fit
 * in a minute. A full run measures all four.
 */
const quickFloors: readonly FloorMode[] = ['undici-stream', 'undici-request'];
/** Floors have no deferred work: a short settle lets replies in flight finish. */
const floorSettleMs = 150;

/** Names in the table. */
const floorNames: Record<FloorMode, string> = {
  'undici-stream': 'floor: buffered + undici.stream',
  'undici-request': 'floor: buffered + undici.request',
  'node-http': 'floor: buffered + node:http client',
  piped: 'floor: streamed body + undici.request',
};

/**
 * Bundles the fake upstream and the floor forwarders to plain JavaScript, as Switchyard itself
 * is bundled, so no TypeScript loader runs inside a measured process.
 */
function bundleChildScripts(workDirectory: string): { upstream: string; floor: string } {
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
  return { upstream: bundle('fake-upstream'), floor: bundle('floor-forwarder') };
}

const startedAt = performance.now();

function progress(text: string): void {
  process.stderr.write(`  ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s  ${text}\n`);
}

/** The floors' request: the case's request unrouted, untranslated (direct gets the same). */
function floorRequest(benchCase: BenchCase): TargetRequest {
  return { path: benchCase.path, headers: benchCase.headers, body: benchCase.floorBody };
}

/** One request of the case through the target: undefined when it answered whole, else what went wrong. */
async function probe(target: Target, benchCase: BenchCase): Promise<string | undefined> {
  const request = target.requestFor(benchCase)!;
  try {
    const reply = await timedRequest(target.dispatcher, target.url + request.path, request.headers, request.body);
    if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`;
    const check = checkReply(benchCase.api, benchCase.stream, reply.body, undefined, true, benchCase.answer);
    return check.ok ? undefined : (check.problem ?? 'incomplete reply');
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The JSON output: the settings and, per case and target, every measured run of every
 * repetition (CPU, requests, wait for the core, the process), the repetitions' ratios to the
 * floor and the one-at-a-time samples — what the table summarises, kept for a later look (is
 * one process slow throughout a run? did one repetition drift?).
 */
function runReport(outcomes: readonly CaseOutcome[], tookSeconds: number, priority: string): unknown {
  const cpu = os.cpus();
  return {
    node: process.version,
    cpu: `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}`,
    loadAverage: os.loadavg(),
    priority,
    quick,
    repeat,
    settings,
    tookSeconds,
    cases: outcomes.map((outcome) => {
      const floor = floorOf(outcome);
      const floorResult = floor === undefined ? undefined : outcome.results.get(floor);
      return {
        name: outcome.benchCase.name,
        kind: outcome.benchCase.kind,
        floor,
        brackets: outcome.brackets,
        targets: outcome.targets.map(({ name, kind }) => {
          const result = outcome.results.get(name)!;
          const ratio = kind === 'floor' || kind === 'direct' ? undefined : cpuRatio(result, floorResult);
          return {
            name,
            kind,
            requestsPerSecond: result.requestsPerSecond,
            cpuMicrosecondsPerRequest: result.cpuMicrosecondsPerRequest,
            ratioToFloor: ratio,
            runs: result.runs,
            latencyMs: result.latencyMs,
            firstByteMs: result.firstByteMs,
            failures: result.failures,
            problems: result.problems,
          };
        }),
      };
    }),
  };
}

async function main(): Promise<number> {
  if (process.platform !== 'linux') {
    process.stderr.write('The benchmark reads proxy CPU time from /proc and runs on Linux only.\n');
    return 1;
  }
  const started = performance.now();
  // Before any service starts: they inherit it.
  const priority = raisePriority();
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
  const services: ChildService[] = [];
  const agents: Agent[] = [];
  /** Stopped after the services: the team case's PostgreSQL and Redis. */
  const stopAfter: Array<() => Promise<void>> = [];
  try {
    const scripts = bundleChildScripts(workDirectory);
    const portkeyEntry = withPeers ? installPortkey(progress) : undefined;
    const upstream = await startChildService('upstream', process.execPath, [scripts.upstream, String(upstreamGapMs)]);
    services.push(upstream);
    let switchyard = await startSwitchyard(upstream.url, workDirectory);
    const standIn = switchyard === undefined;
    if (switchyard === undefined) {
      process.stderr.write('No Switchyard build (bin/switchyard.js, dist/proxy.js) or BENCH_STAND_IN=1: a floor forwarder (undici.stream) stands in.\n');
      switchyard = await startChildService('switchyard', process.execPath, [scripts.floor, 'undici-stream', upstream.url]);
    }
    services.push(switchyard);
    // One Switchyard process per repetition: processes of one build, measured in the same
    // seconds, differ by ±0.25–0.5× for as long as they live (docs/benchmark.md, "Sixth round"),
    // so repetitions on one process would all carry its luck. BENCH_PROCESSES=1: one for all.
    const switchyards = [switchyard];
    const processCount = standIn ? 1 : Math.min(repeat, Number(process.env.BENCH_PROCESSES ?? repeat) || 1);
    for (let index = 1; index < processCount; index++) {
      const another = await startSwitchyard(upstream.url, workDirectory, undefined, undefined, `switchyard-${index + 1}`);
      if (another === undefined) throw new Error('could not start a second Switchyard process');
      services.push(another);
      switchyards.push(another);
    }
    // The floors too, one set per repetition, started the same way: with one floor process for
    // the whole run, a lucky one (the cheapest floor read 95–152 µs a 1 KB call on one process
    // where the other three read 140–284 on theirs) set every repetition's floor, while each
    // repetition's Switchyard drew its own luck — the ratio compared a process's best case with
    // the median of three. The floor is still the cheapest of the four by name.
    const floorSets: Array<Array<{ mode: FloorMode; service: ChildService }>> = [];
    for (let index = 0; index < processCount; index++) {
      const floors: Array<{ mode: FloorMode; service: ChildService }> = [];
      for (const mode of quick ? quickFloors : floorModes) {
        const service = await startChildService(`floor ${mode}${index === 0 ? '' : ` ${index + 1}`}`, process.execPath, [scripts.floor, mode, upstream.url]);
        services.push(service);
        floors.push({ mode, service });
      }
      floorSets.push(floors);
    }
    const portkey = portkeyEntry === undefined ? undefined : await startPortkey(portkeyEntry);
    if (portkey !== undefined) services.push(portkey);
    const cases = process.env.BENCH_CASES === undefined && quick ? buildCases().filter((benchCase) => quickCases.includes(benchCase.name)) : buildCases(process.env.BENCH_CASES);
    // The governed case needs a second Switchyard with named keys, budgets and rate limits: one
    // per repetition, as the plain ones, so that its ratio is not one process's luck (three
    // governed processes of one build read 1.22×, 1.38× and 1.66× the plain one in the same
    // minutes: docs/benchmark.md, "The governed call's CPU").
    const governedProcesses: Array<{ service: ChildService; key: string }> = [];
    if (!standIn && cases.some((benchCase) => benchCase.governed !== undefined)) {
      for (let index = 0; index < processCount; index++) {
        const started = await startGovernedSwitchyard(upstream.url, workDirectory, undefined, index === 0 ? 'governed' : `governed-${index + 1}`);
        if (started === undefined) break;
        services.push(started.service);
        governedProcesses.push(started);
      }
    }
    // The team case needs Switchyards on PostgreSQL and Redis, which are started for it: one
    // process per repetition on the same two servers, as a team runs several proxies.
    const team = standIn || !cases.some((benchCase) => benchCase.team !== undefined) ? undefined : await startTeamSwitchyards(upstream.url, workDirectory, processCount);
    if (team !== undefined) {
      services.push(...team.services);
      stopAfter.push(team.stop);
    }
    // The redaction cases need a second Switchyard with redaction on: one per repetition, as the
    // governed one (the 50 KB source-code row's repetitions read 1.35–1.80× on one process).
    const redactingProcesses: ChildService[] = [];
    if (!standIn && cases.some((benchCase) => benchCase.redaction !== undefined)) {
      for (let index = 0; index < processCount; index++) {
        const started = await startRedactingSwitchyard(upstream.url, workDirectory, index === 0 ? 'redacting' : `redacting-${index + 1}`);
        if (started === undefined) break;
        services.push(started);
        redactingProcesses.push(started);
      }
    }
    const proxyPids = [
      ...floorSets.flat().map(({ service }) => service.pid),
      ...switchyards.map((service) => service.pid),
      ...governedProcesses.map((governed) => governed.service.pid),
      ...(team === undefined ? [] : team.services.map((service) => service.pid)),
      ...redactingProcesses.map((redacting) => redacting.pid),
      ...(portkey === undefined ? [] : [portkey.pid]),
    ];
    const layout = coreLayout(proxyPids, [upstream.pid]);

    const makeTarget = (name: string, kind: TargetKind, url: string, pid: number | undefined, settleMs: number, requestFor: Target['requestFor']): Target => {
      const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 1 });
      agents.push(dispatcher);
      return { name, kind, url, pid, dispatcher, settleMs, requestFor };
    };
    const direct = makeTarget('direct', 'direct', upstream.url, undefined, floorSettleMs, floorRequest);
    const portkeyTarget = portkey === undefined ? undefined : makeTarget(`portkey ${portkeyVersion}`, 'peer', portkey.url, portkey.pid, settings.settleMs, portkeyRequest(upstream.url));
    // Each governed process has keys of its own; the plain one beside it is sent the same request (its key only labels the call there).
    const governedRequest = (key: string) => (benchCase: BenchCase): TargetRequest => ({ path: benchCase.path, headers: { ...benchCase.headers, authorization: `Bearer ${key}` }, body: benchCase.body });
    const governedTargets = governedProcesses.map(({ service, key }) => ({ target: makeTarget('switchyard', 'switchyard', service.url, service.pid, settings.settleMs, governedRequest(key)), request: governedRequest(key) }));
    const teamProcessTargets = team === undefined ? [] : team.services.map((service) => makeTarget('switchyard', 'switchyard', service.url, service.pid, settings.settleMs, floorRequest));
    const redactingTargets = redactingProcesses.map((redacting) => makeTarget('switchyard', 'switchyard', redacting.url, redacting.pid, settings.settleMs, floorRequest));
    /** Every case's possible targets with one Switchyard process in the Switchyard slots. */
    const targetSetFor = (service: ChildService, index: number) => {
      const switchyardTarget = makeTarget('switchyard', 'switchyard', service.url, service.pid, settings.settleMs, (benchCase) => ({ path: benchCase.path, headers: benchCase.headers, body: benchCase.body }));
      const floorTargets = floorSets[index]!.map(({ mode, service: floor }) => makeTarget(floorNames[mode], 'floor', floor.url, floor.pid, floorSettleMs, floorRequest));
      const targets = [direct, ...floorTargets, switchyardTarget, ...(portkeyTarget === undefined ? [] : [portkeyTarget])];
      // Routed cases send the same request unrouted to the same Switchyard instead of measuring
      // the floors again (their unrouted cases do).
      const routedTargets = [direct, switchyardTarget, makeTarget(unroutedName, 'unrouted', service.url, service.pid, settings.settleMs, floorRequest)];
      // The governed case: the governed Switchyard in the Switchyard slot under a named key, the
      // plain one beside it with the same request, interleaved.
      const governed = governedTargets.length === 0 ? undefined : governedTargets[index % governedTargets.length]!;
      const governedSet = governed === undefined ? targets : [direct, governed.target, makeTarget(ungovernedName, 'unrouted', service.url, service.pid, settings.settleMs, governed.request)];
      // The team case: the team Switchyard in the Switchyard slot, the solo one beside it, interleaved.
      const teamTarget = teamProcessTargets.length === 0 ? undefined : teamProcessTargets[index % teamProcessTargets.length]!;
      const teamTargets = teamTarget === undefined ? undefined : [direct, teamTarget, makeTarget(soloName, 'unrouted', service.url, service.pid, settings.settleMs, floorRequest)];
      // The redaction cases: the redacting Switchyard in the Switchyard slot, the plain one beside it, interleaved.
      const redactingTarget = redactingTargets.length === 0 ? undefined : redactingTargets[index % redactingTargets.length]!;
      const redactionTargets = redactingTarget === undefined ? undefined : [direct, redactingTarget, makeTarget(redactionOffName, 'unrouted', service.url, service.pid, settings.settleMs, floorRequest)];
      // The response-cache cases: the same Switchyard with the cache off beside it (the request
      // naming the model directly, where no route turns the cache on), interleaved.
      const cacheTargets = [direct, switchyardTarget, makeTarget(cacheOffName, 'unrouted', service.url, service.pid, settings.settleMs, floorRequest)];
      return { targets, routedTargets, governedTargets: governedSet, teamTargets, redactionTargets, cacheTargets };
    };
    const targetSets = switchyards.map((service, index) => targetSetFor(service, index));
    const { targets } = targetSets[0]!;
    const checkAgent = new Agent({ keepAliveTimeout: 60_000 });
    agents.push(checkAgent);

    process.stderr.write(
      `Benchmark${quick ? ' (quick)' : ''}: ${cases.length} cases × ${targets.length} targets (routed: direct, switchyard routed and unrouted); ` +
        `CPU from /proc/<pid>/${cpuSource(upstream.pid)} over each proxy's process tree; ${priority}\n`,
    );
    // The first case met every process cold — the floors, the fake upstream and autocannon as
    // much as Switchyard: the same floor read 334–596 µs a 1 KB call there and ~115–156 µs two
    // cases later, so the first row (OpenAI 1 KB json, every run) was DRIFT and its ratio noise.
    // Each repetition's processes get the first case's load just before that repetition starts:
    // warmed all at the start, the second and third sets then sat idle for the ~7 minutes of
    // the first repetition and met the first case as if never warmed (its first rounds read
    // Switchyard 872, 582, 402, 297 µs a call against 162–200 in the set just
    // warmed: docs/benchmark.md, "The last run").
    const firstCase = cases.find((benchCase) => benchCase.routing === undefined && benchCase.cache === undefined && benchCase.governed === undefined && benchCase.team === undefined && benchCase.redaction === undefined);
    const warmRepetition = async (repetition: number): Promise<void> => {
      if (firstCase === undefined) return;
      const set = targetSets[repetition % targetSets.length]!;
      const processes = repetition === 0 ? set.targets : set.targets.filter((each) => each.kind === 'switchyard' || each.kind === 'floor');
      progress(`warming ${repetition === 0 ? 'every target' : `run ${repetition + 1}'s processes`} with ${firstCase.name}`);
      // Pinned as they will be measured: warmed unpinned, the processes met their core under
      // load first in the first case (docs/benchmark.md, "The last run" of session 26).
      layout.separate();
      for (const target of processes) {
        if (target.requestFor(firstCase) !== undefined) await warmUp(target, firstCase, settings, rigWarmUpSeconds);
      }
      layout.share();
    };

    const outcomes: CaseOutcome[] = [];
    const routingProblems: string[] = [];
    const peerNotes: string[] = [];
    /** Each case's targets, results and load state, kept across its repetitions. */
    const prepared = new Map<BenchCase, { outcome: CaseOutcome; leftOut: Set<string>; loadState: CaseLoadState }>();
    const mainPids = new Set(switchyards.map((service) => service.pid));
    // Repetitions interleaved — A B C, A B C — so a stretch of the host's noise lands on one
    // repetition of a case, not on all of them (docs/benchmark.md, "Sixth round").
    for (let repetition = 0; repetition < repeat; repetition++) {
      const of = repeat > 1 ? ` (run ${repetition + 1} of ${repeat})` : '';
      const set = targetSets[repetition % targetSets.length]!;
      // With one process set for every repetition (BENCH_PROCESSES=1) the set was never idle.
      if (repetition < targetSets.length) await warmRepetition(repetition);
      for (const benchCase of cases) {
        if (benchCase.team !== undefined && set.teamTargets === undefined) continue;
        if (benchCase.redaction !== undefined && set.redactionTargets === undefined) continue;
        const candidates = benchCase.redaction !== undefined ? set.redactionTargets! : benchCase.team !== undefined ? set.teamTargets! : benchCase.governed !== undefined ? set.governedTargets : benchCase.cache !== undefined ? set.cacheTargets : benchCase.routing === undefined ? set.targets : set.routedTargets;
        let entry = prepared.get(benchCase);
        if (entry === undefined) {
          if (repetition > 0) continue;
          const leftOut = new Set<string>();
          for (const target of candidates) {
            if (target.requestFor(benchCase) === undefined) continue;
            // A peer that cannot serve a case (an API it lacks, a bug on this Node) is left out of
            // that case, and the reason printed, rather than measured failing.
            const problem = target.kind === 'peer' ? await probe(target, benchCase) : undefined;
            if (problem === undefined) continue;
            leftOut.add(target.name);
            peerNotes.push(`NOTE ${target.name} left out of ${benchCase.name}: ${problem}`);
          }
          if (benchCase.routing !== undefined && !standIn) {
            const problems = await checkRouting(checkAgent, switchyard.url, controlToken, benchCase, expectedDecisions.unrouted);
            routingProblems.push(...problems.map((problem) => `${benchCase.name}: ${problem}`));
          }
          const measured = candidates.filter((target) => target.requestFor(benchCase) !== undefined && !leftOut.has(target.name));
          const results = new Map<string, TargetResult>(measured.map((target) => [target.name, emptyResult()]));
          entry = { outcome: { benchCase, targets: measured.map(({ name, kind }) => ({ name, kind })), results, brackets: [] }, leftOut, loadState: {} };
          prepared.set(benchCase, entry);
          outcomes.push(entry.outcome);
        }
        const { outcome, leftOut, loadState } = entry;
        // This repetition's targets: the same names, the Switchyard slots on this repetition's process.
        const caseTargets = candidates.filter((target) => target.requestFor(benchCase) !== undefined && !leftOut.has(target.name));
        layout.separate();
        for (const target of caseTargets) {
          // A feature's own Switchyard is new to the load here; so is the plain one beside it when
          // no plain case warmed it first (`BENCH_CASES=governed`: its 963 µs a call, cold,
          // against the warm governed one's 304 read as a 0.33× PASS). Both get the same warm-up.
          const coldPlain = firstCase === undefined && target.kind === 'unrouted';
          if ((target.kind !== 'switchyard' && !coldPlain) || target.pid === undefined || (mainPids.has(target.pid) && !coldPlain) || warmedFeatureProcesses.has(target.pid)) continue;
          progress(`${benchCase.name}: warming ${coldPlain ? 'the plain Switchyard beside the feature' : "the feature's own Switchyard"}`);
          warmedFeatureProcesses.add(target.pid);
          await warmUp(target, benchCase, settings, featureWarmUpSeconds);
        }
        progress(`${benchCase.name}${of}: load`);
        const bracket = await loadPhase(caseTargets, benchCase, settings, outcome.results, upstream.pid, repetition, loadState);
        if (bracket !== undefined) outcome.brackets.push(bracket);
        progress(`${benchCase.name}${of}: one at a time`);
        layout.share();
        // The one-at-a-time requests are split over the repetitions and their samples pooled:
        // percentiles of latency want many samples more than several moments. The redaction
        // cases' verdict is a p95 of a millisecond: they take more (report.ts).
        await sequentialPhase(caseTargets, benchCase, settings, outcome.results, (benchCase.redaction === undefined ? 1 : redactionSequentialFactor) / repeat);
      }
    }

    const cpu = os.cpus();
    const lines = [
      '',
      `Node ${process.version} on ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}. Load: autocannon, ${settings.connections} ` +
        `connections, ${settings.warmupSeconds} s warm-up per target, then ${loadRounds} runs per proxy of the requests its warm-up served in ${settings.roundSeconds.toFixed(2)} s, ` +
        `in rotating order, between two direct runs` +
        (repeat > 1
          ? `; every case run ${repeat} times, interleaved, ${switchyards.length > 1 ? `each run on its own Switchyard and floor processes (${switchyards.length} sets)` : 'on one Switchyard process and one of each floor'} ` +
            `(a ${settings.rewarmSeconds} s warm-up per target before each later run, ${settings.warmupSeconds} s for a process new to the case), its ratios the median of the runs'`
          : '') +
        `; ${layout.description}; ${priority}. One at a time: ${settings.sequentialRequests} requests (${settings.sequentialRequests * redactionSequentialFactor} for the redaction cases) ` +
        `or ${settings.sequentialStreams} streams per target on one keep-alive connection, interleaved. Upstream streams ${replyDeltas.length} text deltas ` +
        `${upstreamGapMs} ms apart.` +
        (standIn ? ' **Switchyard slot: stand-in floor forwarder (no build found, or BENCH_STAND_IN=1).**' : ''),
      '',
      ...markdownTable(outcomes),
      '',
      ...verdictLines(outcomes, standIn),
    ];
    if (peerNotes.length > 0) lines.push('', ...peerNotes);
    const routing = routingTable(outcomes);
    if (routing.length > 0) lines.push('', ...routing, '', ...routingVerdictLines(outcomes, standIn));
    const governance = governanceVerdictLines(outcomes, standIn);
    if (governance.length > 0) lines.push('', ...governance);
    const teamLines = teamVerdictLines(outcomes, standIn);
    if (teamLines.length > 0) lines.push('', ...teamLines);
    const redactionLines = redactionVerdictLines(outcomes, standIn);
    if (redactionLines.length > 0) lines.push('', ...redactionLines);
    const cache = cacheVerdictLines(outcomes, standIn);
    if (cache.length > 0) lines.push('', ...cache);
    let failed = routingProblems.length > 0;
    for (const problem of routingProblems) lines.push(`ERROR routing not as configured — ${problem}`);
    for (const { benchCase, results, targets: measured } of outcomes) {
      for (const [name, result] of results) {
        if (result.failures === 0) continue;
        // A peer's failures are reported, not the benchmark's: it is someone else's gateway.
        const peer = measured.find((target) => target.name === name)?.kind === 'peer';
        if (!peer) failed = true;
        lines.push(`${peer ? 'WARN' : 'ERROR'} ${benchCase.name} via ${name}: ${result.failures} failed requests — ${result.problems.join(' | ')}`);
      }
    }
    const tookSeconds = (performance.now() - started) / 1000;
    writeFileSync(jsonPath, JSON.stringify(runReport(outcomes, tookSeconds, priority), null, 1) + '\n');
    lines.push('', `Took ${tookSeconds.toFixed(0)} s. Every run of every repetition: ${jsonPath}`);
    process.stdout.write(lines.join('\n') + '\n');
    if (failed) {
      for (const service of services) process.stderr.write(`--- ${service.name}: last output ---\n${service.recentOutput()}\n`);
    }
    return failed ? 1 : 0;
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all(services.map((service) => service.stop()));
    await Promise.all(stopAfter.map((stop) => stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

(runInPrioritySession() ?? (process.argv.includes('--memory') ? memoryCheck() : main())).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
