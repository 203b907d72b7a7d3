/** The two measuring phases of a case: load (autocannon) and sequential (latency, first byte). */
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import type { BenchCase } from './cases';
import { cpuSource, treeCpuNanoseconds } from './process-cpu';
import { uniqueMarker } from './payloads';
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
  cpuMicrosecondsPerRequest?: number;
  /** CPU µs/request of each measured load round, by round (for per-round ratios). */
  roundCpu: number[];
  /** Whole-reply times of the sequential phase, milliseconds. */
  latencyMs: number[];
  /** Times to the first body byte of the sequential phase, milliseconds. */
  firstByteMs: number[];
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
}

export interface MeasureSettings {
  connections: number;
  warmupSeconds: number;
  /** Measured runs per proxy target; direct runs once before and once after them. */
  loadRounds: number;
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
    latencyMs: [],
    firstByteMs: [],
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

function loadOptions(target: Target, request: TargetRequest, settings: MeasureSettings, seconds: number): autocannon.Options {
  return {
    url: target.url + request.path,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections: settings.connections,
    duration: seconds,
    // A body with the unique marker is a new question on every request (the cache-miss cases).
    idReplacement: request.body.includes(uniqueMarker),
  };
}

interface LoadTotals {
  cpuNanoseconds: number;
  completed: number;
  seconds: number;
  errors: number;
  non2xx: number;
  incomplete: number;
  rounds: number[];
}

function emptyTotals(): LoadTotals {
  return { cpuNanoseconds: 0, completed: 0, seconds: 0, errors: 0, non2xx: 0, incomplete: 0, rounds: [] };
}

interface RoundMeasure {
  completed: number;
  seconds: number;
  cpuNanoseconds: number;
}

/** One measured autocannon run against one target, added to the target's totals. */
async function loadRound(target: Target, benchCase: BenchCase, settings: MeasureSettings, totals: LoadTotals, cpuPid: number | undefined): Promise<RoundMeasure> {
  const request = target.requestFor(benchCase)!;
  const readCpu = cpuPid === undefined ? () => 0 : cpuReader(cpuPid);
  const cpuBefore = readCpu();
  const measured = await autocannon({
    ...loadOptions(target, request, settings, settings.roundSeconds),
    // Text is not compared here: autocannon decodes each read alone, garbling split characters.
    verifyBody: (body) => checkReply(benchCase.api, benchCase.stream, String(body), expectedEvents(target, benchCase), false, benchCase.answer).ok,
  });
  await sleep(target.settleMs);
  const cpu = readCpu() - cpuBefore;
  totals.cpuNanoseconds += cpu;
  totals.completed += measured.requests.total;
  totals.seconds += measured.duration;
  totals.errors += measured.errors;
  totals.non2xx += measured.non2xx;
  totals.incomplete += measured.mismatches;
  if (measured.requests.total > 0) totals.rounds.push(cpu / 1_000 / measured.requests.total);
  return { completed: measured.requests.total, seconds: measured.duration, cpuNanoseconds: cpu };
}

function cpuReader(pid: number): () => number {
  const source = cpuSource(pid);
  return () => treeCpuNanoseconds(pid, source);
}

/**
 * Load on every target: a JIT warm-up each, then short measured runs in a rotating order, so
 * drift (GC state, the upstream's heap, a noisy neighbour) spreads over the proxies instead of
 * landing on whichever runs first. Direct runs before the first round and after the last: the
 * proxies are bracketed by two measurements of the machine alone, and the bracket says whether
 * it drifted in between.
 */
/**
 * Puts `seconds` of the case's load through one target, measuring nothing. A feature's own
 * Switchyard process (governed, redacting, team) is otherwise compared, after the case's short
 * warm-up, with the main Switchyard that has served every earlier case: V8 has optimised far
 * more of the main one, and the feature was charged for a cold JIT (the governed case read 3.79×
 * in a full run and 0.99× alone with longer rounds).
 */
export async function warmUp(target: Target, benchCase: BenchCase, settings: MeasureSettings, seconds: number): Promise<void> {
  await autocannon(loadOptions(target, target.requestFor(benchCase)!, settings, seconds));
}

export async function loadPhase(
  targets: Target[],
  benchCase: BenchCase,
  settings: MeasureSettings,
  results: Map<string, TargetResult>,
  upstreamPid: number,
): Promise<Bracket | undefined> {
  // The direct target needs no warm-up of its own: every proxy's warm-up warms the upstream.
  for (const target of targets) {
    if (target.kind !== 'direct') await autocannon(loadOptions(target, target.requestFor(benchCase)!, settings, settings.warmupSeconds));
  }
  const totals = new Map<string, LoadTotals>(targets.map((target) => [target.name, emptyTotals()]));
  const direct = targets.find((target) => target.kind === 'direct');
  const proxies = targets.filter((target) => target.pid !== undefined);
  const bracket: RoundMeasure[] = [];
  const directRun = async (): Promise<void> => {
    if (direct !== undefined) bracket.push(await loadRound(direct, benchCase, settings, totals.get(direct.name)!, upstreamPid));
  };
  await directRun();
  for (let round = 0; round < settings.loadRounds; round++) {
    for (let offset = 0; offset < proxies.length; offset++) {
      const target = proxies[(round + offset) % proxies.length]!;
      await loadRound(target, benchCase, settings, totals.get(target.name)!, target.pid);
    }
  }
  await directRun();
  for (const target of targets) {
    const result = results.get(target.name);
    const targetTotals = totals.get(target.name);
    if (result === undefined || targetTotals === undefined) continue;
    result.requestsPerSecond = targetTotals.seconds > 0 ? targetTotals.completed / targetTotals.seconds : 0;
    if (target.pid !== undefined && targetTotals.completed > 0) {
      result.cpuMicrosecondsPerRequest = targetTotals.cpuNanoseconds / 1_000 / targetTotals.completed;
      result.roundCpu = targetTotals.rounds;
    }
    const failed = targetTotals.errors + targetTotals.non2xx + targetTotals.incomplete;
    if (failed > 0) {
      result.failures += failed;
      result.problems.push(
        `under load: ${targetTotals.errors} connection errors, ${targetTotals.non2xx} non-2xx, ` +
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
): Promise<void> {
  const count = benchCase.stream ? settings.sequentialStreams : settings.sequentialRequests;
  // Unique requests stay unique across the cases and runs of one process.
  sequentialRun += 1;
  const unproxied = targets.filter((target) => target.pid === undefined);
  const proxies = targets.filter((target) => target.pid !== undefined);
  const orders = [
    [...unproxied, ...proxies],
    [...unproxied, ...[...proxies].reverse()],
  ];
  for (let index = 0; index < count; index++) {
    for (const target of orders[index % 2]!) {
      const result = results.get(target.name);
      const request = target.requestFor(benchCase);
      if (result === undefined || request === undefined) continue;
      try {
        const body = request.body.includes(uniqueMarker) ? request.body.replace(uniqueMarker, `${sequentialRun}-${index}-${target.name}`) : request.body;
        const reply = await timedRequest(target.dispatcher, target.url + request.path, request.headers, body);
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
      } catch (error) {
        recordProblem(result, (error as Error).message);
      }
    }
  }
}
