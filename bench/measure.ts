/** The two measuring phases of a case: load (autocannon) and sequential (latency, first byte). */
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import type { BenchCase } from './cases';
import { cpuSource, treeCpuNanoseconds, treeWaitNanoseconds } from './process-cpu';
import { uniqueMarker } from './payloads';
import { outsideProviderMs, readStamps, startStamping } from './provider-stamps';
import { checkReply } from './reply-check';
import { timedRequest } from './timed-request';

/**
 * What a target is: the upstream hit directly, one of the floor forwarders, Switchyard, the
 * same Switchyard sent a routed case's request unrouted, or a peer gateway.
 */
export type TargetKind = 'direct' | 'floor' | 'switchyard' | 'unrouted' | 'peer';

/** The request a target is sent in a case. */
export interface TargetRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Somewhere to send the case's requests: the upstream itself or a proxy in front of it. */
export interface Target {
  /** Unique in a run, shown in the table. */
  name: string;
  kind: TargetKind;
  url: string;
  /** The proxy process whose CPU (its whole process tree) is measured; none for `direct`. */
  pid?: number;
  /** Keep-alive client used by the sequential phase: one connection, reused. */
  dispatcher: Agent;
  /**
   * Pause after a measured run before reading CPU, so replies in flight and deferred work
   * (Switchyard's request log flushes every second) land inside the run they belong to.
   */
  settleMs: number;
  /** The request for a case; undefined when this target cannot serve the case (it is skipped). */
  requestFor(benchCase: BenchCase): TargetRequest | undefined;
}

export interface TargetResult {
  requestsPerSecond: number;
  /** CPU of every measured run of every repetition ÷ the requests they completed. */
  cpuMicrosecondsPerRequest?: number;
  /** CPU µs/request of each measured load round, by round (for per-round ratios), repetitions one after another. */
  roundCpu: number[];
  /** The repetition (0, 1, …) each entry of `roundCpu` belongs to: ratios pair rounds within one. */
  roundRepetition: number[];
  /** Requests each entry of `roundCpu` completed: a repetition's CPU a request is pooled over them. */
  roundRequests: number[];
  /** Every measured run, for the JSON output: what was counted, as it was counted. */
  runs: RunRecord[];
  /** Totals over every repetition's load runs (direct's too), from which the two figures above are derived. */
  loadTotals: { completed: number; seconds: number; cpuNanoseconds: number; cpuCompleted: number };
  /** Whole-reply times of the sequential phase, milliseconds. */
  latencyMs: number[];
  /** Times to the first body byte of the sequential phase, milliseconds. */
  firstByteMs: number[];
  /**
   * Streams: each sequential call's time outside the fake provider's own (the way in plus the way
   * out, `provider-stamps.ts`), milliseconds, and the round it was sent in (`pacedRound`), so that
   * two targets' calls of one round can be paired.
   */
  outsideProviderMs: number[];
  pacedRound: number[];
  /** Fewest text deltas any sequential stream carried. */
  fewestDeltas: number;
  failures: number;
  problems: string[];
}

/** The machine's state before and after the proxies' load runs, read from the direct runs. */
export interface Bracket {
  /** Direct requests/s: the load generator and the upstream alone. */
  requestsPerSecond: [number, number];
  /** The fake upstream's CPU µs/request in those runs: a fixed workload, so a gauge of the machine. */
  upstreamCpu: [number, number];
  /**
   * How long the proxies waited for a CPU while runnable over the load rounds, as a share of the
   * CPU time they used: near 0 with the core to themselves, high when neighbours held it.
   */
  proxyWaitShare?: number;
}

/** One measured load run of a target, kept whole in the JSON output. */
export interface RunRecord {
  repetition: number;
  round: number;
  /** The process measured (its tree); absent for direct. */
  pid?: number;
  completed: number;
  seconds: number;
  /** CPU of the process tree from this run's start to the next run on the same process (see `runCpu`). */
  cpuMicroseconds?: number;
  /** Time the process tree's threads waited for a CPU while runnable, over the run itself. */
  waitMicroseconds?: number;
  /**
   * When the run started and when its last reply came, milliseconds since the epoch: to line a
   * process's own records up with its runs (bench/gc-probe.cjs's collections, bench/gc-by-run.ts).
   */
  startedAt?: number;
  endedAt?: number;
}

export interface MeasureSettings {
  connections: number;
  warmupSeconds: number;
  /** Measured runs per proxy target and repetition; direct runs once before and once after them. */
  loadRounds: number;
  /** Warm-up of a repetition after the first, whose rate is known: the case's paths back in the JIT's and caches' hands. */
  rewarmSeconds: number;
  /** Rounds when two targets are one process (they pause between runs): fewer, as long in all. */
  sharedProcessRounds: number;
  roundSeconds: number;
  /** Settle for processes with deferred work (Switchyard, peers); floors need little. */
  settleMs: number;
  sequentialRequests: number;
  sequentialStreams: number;
}

export function emptyResult(): TargetResult {
  return {
    requestsPerSecond: 0,
    roundCpu: [],
    roundRepetition: [],
    roundRequests: [],
    runs: [],
    loadTotals: { completed: 0, seconds: 0, cpuNanoseconds: 0, cpuCompleted: 0 },
    latencyMs: [],
    firstByteMs: [],
    outsideProviderMs: [],
    pacedRound: [],
    fewestDeltas: Number.POSITIVE_INFINITY,
    failures: 0,
    problems: [],
  };
}

/**
 * The exact SSE event count a target's stream must carry. A peer gateway may frame a stream its
 * own way (re-chunked, keep-alive comments): its deltas and text are checked, not its event count.
 */
function expectedEvents(target: Target, benchCase: BenchCase): number | undefined {
  return target.kind === 'peer' ? undefined : benchCase.expectedEvents;
}

function recordProblem(result: TargetResult, problem: string): void {
  result.failures++;
  if (result.problems.length < 3) result.problems.push(problem);
}

/**
 * How often autocannon looks at its clock. Its default, once a second, made every run last at
 * least a second whatever its duration, so a case could not have more than a few rounds.
 */
const sampleIntervalMs = 100;

function loadOptions(target: Target, request: TargetRequest, settings: MeasureSettings, length: { seconds: number } | { requests: number }): autocannon.Options {
  return {
    url: target.url + request.path,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections: settings.connections,
    sampleInt: sampleIntervalMs,
    ...('seconds' in length ? { duration: length.seconds } : { amount: length.requests }),
    // A body with the unique marker is a new question on every request (the cache-miss cases).
    idReplacement: request.body.includes(uniqueMarker),
  };
}

interface LoadTotals {
  completed: number;
  seconds: number;
  errors: number;
  non2xx: number;
  incomplete: number;
}

function emptyTotals(): LoadTotals {
  return { completed: 0, seconds: 0, errors: 0, non2xx: 0, incomplete: 0 };
}

interface RoundMeasure {
  completed: number;
  seconds: number;
  cpuNanoseconds: number;
}

/** One run of a target under load: what autocannon counted, added to the target's totals. */
async function loadRun(target: Target, benchCase: BenchCase, settings: MeasureSettings, totals: LoadTotals, length: { seconds: number } | { requests: number }): Promise<{ completed: number; seconds: number }> {
  const request = target.requestFor(benchCase)!;
  const measured = await autocannon({
    ...loadOptions(target, request, settings, length),
    // Text is not compared here: autocannon decodes each read alone, garbling split characters.
    verifyBody: (body) => checkReply(benchCase.api, benchCase.stream, String(body), expectedEvents(target, benchCase), false, benchCase.answer).ok,
  });
  totals.completed += measured.requests.total;
  totals.seconds += measured.duration;
  totals.errors += measured.errors;
  totals.non2xx += measured.non2xx;
  totals.incomplete += measured.mismatches;
  return { completed: measured.requests.total, seconds: measured.duration };
}

/** A direct run: the upstream's own CPU over it, read after a short settle (a gauge of the machine). */
async function directRun(target: Target, benchCase: BenchCase, settings: MeasureSettings, totals: LoadTotals, upstreamPid: number): Promise<RoundMeasure> {
  const readCpu = cpuReader(upstreamPid);
  const cpuBefore = readCpu();
  const run = await loadRun(target, benchCase, settings, totals, { seconds: settings.roundSeconds });
  await sleep(target.settleMs);
  return { ...run, cpuNanoseconds: readCpu() - cpuBefore };
}

function cpuReader(pid: number): () => number {
  const source = cpuSource(pid);
  return () => treeCpuNanoseconds(pid, source);
}

/** One measured run of a proxy: its process, where the process's CPU counter stood at its start, and what it served. */
export interface ProxyRun {
  pid: number;
  cpuAtStart: number;
  completed: number;
}

/**
 * Each run's CPU, in nanoseconds: from its start to the start of the next run on the same
 * process, or to the process's reading after the last run and a settle. Work a process defers
 * past its run (Switchyard writes its request log once a second) lands on its own counter
 * while the others are measured, so it is counted in its own run without a pause after every
 * run; only a process measured twice in a row (two targets of one Switchyard) pauses between
 * the two (see `loadPhase`), so that its deferred work is not the other target's.
 */
export function runCpu(runs: readonly ProxyRun[], finalCpu: ReadonlyMap<number, number>): number[] {
  return runs.map((run, index) => {
    const next = runs.slice(index + 1).find((later) => later.pid === run.pid);
    const end = next === undefined ? finalCpu.get(run.pid) : next.cpuAtStart;
    return end === undefined ? Number.NaN : end - run.cpuAtStart;
  });
}

/** The proxies' load runs in order: every round runs each proxy once, rotating who goes first. */
export function loadSchedule<T>(proxies: readonly T[], rounds: number): T[] {
  const schedule: T[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < proxies.length; offset++) schedule.push(proxies[(round + offset) % proxies.length]!);
  }
  return schedule;
}

/**
 * Puts `seconds` of the case's load through one target, measuring nothing. A feature's own
 * Switchyard process (governed, redacting, team) is otherwise compared, after the case's short
 * warm-up, with the main Switchyard that has served every earlier case: V8 has optimised far
 * more of the main one, and the feature was charged for a cold JIT (the governed case read 3.79×
 * in a full run and 0.99× alone with longer rounds).
 */
export async function warmUp(target: Target, benchCase: BenchCase, settings: MeasureSettings, seconds: number): Promise<void> {
  // In runs of a second at most: every run ends by closing its connections, and a process
  // warmed by one long run met that path for the first time in the first measured round —
  // ~70 deoptimisations (wrong map, dependency changes in Node's socket and stream code and
  // undici's) and a wave of TurboFan recompiles there (docs/benchmark.md, "Sixth round").
  for (let left = seconds; left > 0.05; left -= warmUpRunSeconds) {
    await autocannon(loadOptions(target, target.requestFor(benchCase)!, settings, { seconds: Math.min(warmUpRunSeconds, left) }));
  }
}

/** The longest single warm-up run (see `warmUp`). */
const warmUpRunSeconds = 1;

/** What a case keeps from one repetition to the next: how many requests each proxy's run is. */
export interface CaseLoadState {
  requestsPerRun?: Map<string, number>;
  /** Targets (by process and name) that have had this case's full warm-up. */
  warmed?: Set<string>;
}

/**
 * Load on every target: a JIT warm-up each, then short measured runs in a rotating order, so
 * drift (GC state, the upstream's heap, a noisy neighbour) spreads over the proxies instead of
 * landing on whichever runs first. Direct runs before the first round and after the last: the
 * proxies are bracketed by two measurements of the machine alone, and the bracket says whether
 * it drifted in between.
 *
 * A measured run is a fixed number of requests (the target's warm-up rate × the round's
 * length), not a duration: a run cut at a deadline aborts the requests in flight, whose CPU
 * was spent but which are not counted (ten 80 KB streams of ~100 in a round).
 *
 * Called once per repetition of the case (`repetition` 0, 1, …; other cases run in between):
 * the first measures each proxy's rate in its warm-up, later ones keep that run length and
 * warm up for `rewarmSeconds` only. Results accumulate over the repetitions.
 */
export async function loadPhase(
  targets: Target[],
  benchCase: BenchCase,
  settings: MeasureSettings,
  results: Map<string, TargetResult>,
  upstreamPid: number,
  repetition = 0,
  state: CaseLoadState = {},
): Promise<Bracket | undefined> {
  const proxies = targets.filter((target) => target.pid !== undefined);
  // Two targets on one process (a routed and an unrouted request to one Switchyard) pause
  // between their runs, so fewer and longer rounds keep the case's time in bounds.
  const sharedProcess = new Set(proxies.map((target) => target.pid)).size < proxies.length;
  const rounds = sharedProcess ? settings.sharedProcessRounds : settings.loadRounds;
  const roundSeconds = (settings.roundSeconds * settings.loadRounds) / rounds;
  // The direct target needs no warm-up of its own: every proxy's warm-up warms the upstream.
  let requestsPerRun = state.requestsPerRun;
  if (requestsPerRun === undefined) {
    requestsPerRun = new Map<string, number>();
    for (const target of proxies) {
      await warmUp(target, benchCase, settings, settings.warmupSeconds);
      // The run length is read from a short run after the warm-up, not from the warm-up itself:
      // a process meeting the case for the first time spends part of its warm-up compiling, and
      // a length read from it was up to 4x short (the first case of a run: Switchyard 175
      // requests a run against ~700 later), and short runs read dear (a run's fixed costs, and
      // the collector's and the request log's deferred work, spread over fewer requests).
      const calibration = await autocannon(loadOptions(target, target.requestFor(benchCase)!, settings, { seconds: settings.rewarmSeconds }));
      const rate = calibration.duration > 0 ? calibration.requests.total / calibration.duration : 0;
      requestsPerRun.set(target.name, Math.max(2 * settings.connections, Math.round(rate * roundSeconds)));
    }
    state.requestsPerRun = requestsPerRun;
    state.warmed = new Set(proxies.map((target) => `${target.pid} ${target.name}`));
  } else {
    // A process that has not served this case yet (each repetition may have its own Switchyard)
    // gets the full warm-up; one that has, a short one.
    for (const target of proxies) {
      const key = `${target.pid} ${target.name}`;
      await warmUp(target, benchCase, settings, state.warmed?.has(key) === true ? settings.rewarmSeconds : settings.warmupSeconds);
      state.warmed?.add(key);
    }
  }
  const totals = new Map<string, LoadTotals>(targets.map((target) => [target.name, emptyTotals()]));
  const direct = targets.find((target) => target.kind === 'direct');
  const bracket: RoundMeasure[] = [];
  const measureDirect = async (): Promise<void> => {
    if (direct !== undefined) bracket.push(await directRun(direct, benchCase, { ...settings, roundSeconds }, totals.get(direct.name)!, upstreamPid));
  };
  await measureDirect();
  const readers = new Map(proxies.map((target) => [target.pid!, cpuReader(target.pid!)]));
  const proxyPids = [...readers.keys()];
  const waitBefore = proxyPids.reduce((sum, pid) => sum + treeWaitNanoseconds(pid), 0);
  const schedule = loadSchedule(proxies, rounds);
  const runs: ProxyRun[] = [];
  const runSeconds: number[] = [];
  const runWait: number[] = [];
  const runTimes: Array<{ startedAt: number; endedAt: number }> = [];
  for (let index = 0; index < schedule.length; index++) {
    const target = schedule[index]!;
    const waitAtStart = treeWaitNanoseconds(target.pid!);
    const cpuAtStart = readers.get(target.pid!)!();
    const startedAt = Date.now();
    const run = await loadRun(target, benchCase, settings, totals.get(target.name)!, { requests: requestsPerRun.get(target.name)! });
    runTimes.push({ startedAt, endedAt: Date.now() });
    runWait.push(treeWaitNanoseconds(target.pid!) - waitAtStart);
    runs.push({ pid: target.pid!, cpuAtStart, completed: run.completed });
    runSeconds.push(run.seconds);
    if (schedule[index + 1]?.pid === target.pid) await sleep(target.settleMs);
  }
  await sleep(Math.max(0, ...proxies.map((target) => target.settleMs)));
  const finalCpu = new Map([...readers].map(([pid, read]) => [pid, read()]));
  const waited = proxyPids.reduce((sum, pid) => sum + treeWaitNanoseconds(pid), 0) - waitBefore;
  const cpuOfRuns = runCpu(runs, finalCpu);
  const ran = cpuOfRuns.reduce((sum, cpu) => sum + (Number.isFinite(cpu) ? cpu : 0), 0);
  await measureDirect();
  for (const target of targets) {
    const result = results.get(target.name);
    const targetTotals = totals.get(target.name);
    if (result === undefined || targetTotals === undefined) continue;
    result.loadTotals.completed += targetTotals.completed;
    result.loadTotals.seconds += targetTotals.seconds;
    result.requestsPerSecond = result.loadTotals.seconds > 0 ? result.loadTotals.completed / result.loadTotals.seconds : 0;
    if (target.pid !== undefined) {
      let round = 0;
      schedule.forEach((scheduled, index) => {
        if (scheduled !== target) return;
        const run = runs[index]!;
        const cpu = cpuOfRuns[index]!;
        result.runs.push({ repetition, round: round++, pid: run.pid, completed: run.completed, seconds: runSeconds[index]!, cpuMicroseconds: cpu / 1_000, waitMicroseconds: runWait[index]! / 1_000, ...runTimes[index]! });
        if (!Number.isFinite(cpu)) return;
        result.loadTotals.cpuNanoseconds += cpu;
        result.loadTotals.cpuCompleted += run.completed;
        if (run.completed > 0) {
          result.roundCpu.push(cpu / 1_000 / run.completed);
          result.roundRepetition.push(repetition);
          result.roundRequests.push(run.completed);
        }
      });
      if (result.loadTotals.cpuCompleted > 0) result.cpuMicrosecondsPerRequest = result.loadTotals.cpuNanoseconds / 1_000 / result.loadTotals.cpuCompleted;
    }
    const failed = targetTotals.errors + targetTotals.non2xx + targetTotals.incomplete;
    if (failed > 0) {
      result.failures += failed;
      result.problems.push(
        `under load${repetition > 0 ? ` (repetition ${repetition + 1})` : ''}: ${targetTotals.errors} connection errors, ${targetTotals.non2xx} non-2xx, ` +
          `${targetTotals.incomplete} incomplete replies`,
      );
    }
  }
  if (bracket.length !== 2) return undefined;
  const rate = (run: RoundMeasure): number => (run.seconds > 0 ? run.completed / run.seconds : 0);
  const upstreamCpu = (run: RoundMeasure): number => (run.completed > 0 ? run.cpuNanoseconds / 1_000 / run.completed : 0);
  return {
    requestsPerSecond: [rate(bracket[0]!), rate(bracket[1]!)],
    upstreamCpu: [upstreamCpu(bracket[0]!), upstreamCpu(bracket[1]!)],
    ...(ran > 0 ? { proxyWaitShare: waited / ran } : {}),
  };
}

let sequentialRun = 0;

/**
 * Requests one at a time on one keep-alive connection per target, round-robin over the targets
 * so drift hits them all alike: direct first, then the proxies, in reverse order every other
 * round. Two targets in one process (routed and unrouted Switchyard) need that: the request
 * that follows the other's in the same process comes a few tenths of a millisecond sooner to
 * its first byte than one after an idle spell, and a fixed order would hand that to the same
 * target every time.
 */
export async function sequentialPhase(
  targets: Target[],
  benchCase: BenchCase,
  settings: MeasureSettings,
  results: Map<string, TargetResult>,
  /** This repetition's share of the case's requests; the samples of all repetitions are pooled. */
  share = 1,
): Promise<void> {
  const count = Math.ceil((benchCase.stream ? settings.sequentialStreams : settings.sequentialRequests) * share);
  // Unique requests stay unique across the cases and runs of one process.
  sequentialRun += 1;
  const unproxied = targets.filter((target) => target.pid === undefined);
  const proxies = targets.filter((target) => target.pid !== undefined);
  const orders = [
    [...unproxied, ...proxies],
    [...unproxied, ...[...proxies].reverse()],
  ];
  // Streams: the fake provider stamps each reply, so each call's time outside its pacing is known.
  const provider = benchCase.stream ? targets.find((target) => target.kind === 'direct') : undefined;
  const sent: Array<{ result: TargetResult; round: number; sentNs: number; endedNs: number; kept: boolean }> = [];
  if (provider !== undefined) await startStamping(provider.url);
  for (let index = 0; index < count; index++) {
    for (const target of orders[index % 2]!) {
      const result = results.get(target.name);
      const request = target.requestFor(benchCase);
      if (result === undefined || request === undefined) continue;
      try {
        const body = request.body.includes(uniqueMarker) ? request.body.replace(uniqueMarker, `${sequentialRun}-${index}-${target.name}`) : request.body;
        const reply = await timedRequest(target.dispatcher, target.url + request.path, request.headers, body);
        const call = { result, round: sequentialRun * 1_000_000 + index, sentNs: reply.sentNs, endedNs: reply.endedNs, kept: false };
        sent.push(call);
        if (reply.status !== 200) {
          recordProblem(result, `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);
          continue;
        }
        const check = checkReply(benchCase.api, benchCase.stream, reply.body, expectedEvents(target, benchCase), true, benchCase.answer);
        if (benchCase.stream) result.fewestDeltas = Math.min(result.fewestDeltas, check.deltas);
        if (!check.ok) {
          recordProblem(result, check.problem ?? 'incomplete reply');
          continue;
        }
        result.latencyMs.push(reply.totalMs);
        result.firstByteMs.push(reply.firstByteMs);
        call.kept = true;
      } catch (error) {
        recordProblem(result, (error as Error).message);
      }
    }
  }
  if (provider === undefined) return;
  const stamps = await readStamps(provider.url);
  // One stamp a call in the order sent; a call that never reached the provider breaks the
  // match, and then no call of the phase is split (the whole-call times stand alone).
  if (stamps.length !== sent.length) return;
  for (const [at, call] of sent.entries()) {
    if (!call.kept) continue;
    call.result.outsideProviderMs.push(outsideProviderMs(call, stamps[at]!));
    call.result.pacedRound.push(call.round);
  }
}
