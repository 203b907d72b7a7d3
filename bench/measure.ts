/** The two measuring phases of a case: load (autocannon) and sequential (latency, first byte). */
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import type { BenchCase } from './cases';
import { cpuNanoseconds, cpuSource } from './process-cpu';
import { checkReply } from './reply-check';
import { timedRequest } from './timed-request';

/**
 * `unrouted`: the same Switchyard process sent a routed case's request without routing (the
 * case's `floorBody`), measured interleaved with the routed one so drift hits both alike.
 * `ungoverned`: for a governed case, the plain Switchyard sent the same request, interleaved with
 * the governed Switchyard (named keys, budgets, rate limits) in the `switchyard` slot.
 */
export type TargetName = 'direct' | 'bare' | 'switchyard' | 'unrouted' | 'ungoverned';

/** Somewhere to send the case's requests: the upstream itself or a proxy in front of it. */
export interface Target {
  name: TargetName;
  url: string;
  /** The proxy process whose CPU is measured; none for `direct`. */
  pid?: number;
  /** Keep-alive client used by the sequential phase. */
  dispatcher: Agent;
}

export interface TargetResult {
  requestsPerSecond: number;
  cpuMicrosecondsPerRequest?: number;
  /** Whole-reply times of the sequential phase, milliseconds. */
  latencyMs: number[];
  /** Times to the first body byte of the sequential phase, milliseconds. */
  firstByteMs: number[];
  /** Fewest text deltas any sequential stream carried. */
  fewestDeltas: number;
  failures: number;
  problems: string[];
}

export interface MeasureSettings {
  connections: number;
  warmupSeconds: number;
  /** Measured runs per proxy target; the direct target gets one. */
  loadRounds: number;
  roundSeconds: number;
  /** Pause after a measured run before reading CPU, so replies in flight finish inside it. */
  settleMs: number;
  sequentialRequests: number;
  sequentialStreams: number;
}

export function emptyResult(): TargetResult {
  return {
    requestsPerSecond: 0,
    latencyMs: [],
    firstByteMs: [],
    fewestDeltas: Number.POSITIVE_INFINITY,
    failures: 0,
    problems: [],
  };
}

function recordProblem(result: TargetResult, problem: string): void {
  result.failures++;
  if (result.problems.length < 3) result.problems.push(problem);
}

function bodyFor(target: Target, benchCase: BenchCase): string {
  return target.name === 'switchyard' ? benchCase.body : benchCase.floorBody;
}

function loadOptions(target: Target, benchCase: BenchCase, settings: MeasureSettings, seconds: number): autocannon.Options {
  return {
    url: target.url + benchCase.path,
    method: 'POST',
    headers: benchCase.headers,
    body: bodyFor(target, benchCase),
    connections: settings.connections,
    duration: seconds,
  };
}

interface LoadTotals {
  cpuNanoseconds: number;
  completed: number;
  seconds: number;
  errors: number;
  non2xx: number;
  incomplete: number;
}

/** One measured autocannon run against one target, added to the target's totals. */
async function loadRound(target: Target, benchCase: BenchCase, settings: MeasureSettings, totals: LoadTotals): Promise<void> {
  const readCpu = target.pid === undefined ? () => 0 : cpuReader(target.pid);
  const cpuBefore = readCpu();
  const measured = await autocannon({
    ...loadOptions(target, benchCase, settings, settings.roundSeconds),
    // Text is not compared here: autocannon decodes each read alone, garbling split characters.
    verifyBody: (body) => checkReply(benchCase.api, benchCase.stream, String(body), benchCase.expectedEvents, false).ok,
  });
  await sleep(settings.settleMs);
  totals.cpuNanoseconds += readCpu() - cpuBefore;
  totals.completed += measured.requests.total;
  totals.seconds += measured.duration;
  totals.errors += measured.errors;
  totals.non2xx += measured.non2xx;
  totals.incomplete += measured.mismatches;
}

function cpuReader(pid: number): () => number {
  const source = cpuSource(pid);
  return () => cpuNanoseconds(pid, source);
}

/**
 * Load on every target: a warm-up each, then short measured runs in a rotating order, so drift
 * (GC state, the upstream's heap, a noisy neighbour) spreads over the proxies instead of landing
 * on whichever runs first. The direct target only sets the scale: one run.
 */
export async function loadPhase(
  targets: Target[],
  benchCase: BenchCase,
  settings: MeasureSettings,
  results: Map<TargetName, TargetResult>,
): Promise<void> {
  for (const target of targets) {
    await autocannon(loadOptions(target, benchCase, settings, settings.warmupSeconds));
  }
  const totals = new Map<TargetName, LoadTotals>();
  for (const target of targets) {
    totals.set(target.name, { cpuNanoseconds: 0, completed: 0, seconds: 0, errors: 0, non2xx: 0, incomplete: 0 });
  }
  const proxies = targets.filter((target) => target.pid !== undefined);
  for (let round = 0; round < settings.loadRounds; round++) {
    const order = proxies.map((_, offset) => proxies[(round + offset) % proxies.length]);
    if (round === 0) order.unshift(...targets.filter((target) => target.pid === undefined));
    for (const target of order) {
      const targetTotals = totals.get(target.name);
      if (targetTotals !== undefined) await loadRound(target, benchCase, settings, targetTotals);
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
    const failed = targetTotals.errors + targetTotals.non2xx + targetTotals.incomplete;
    if (failed > 0) {
      result.failures += failed;
      result.problems.push(
        `under load: ${targetTotals.errors} connection errors, ${targetTotals.non2xx} non-2xx, ` +
          `${targetTotals.incomplete} incomplete replies`,
      );
    }
  }
}

/**
 * Requests one at a time, round-robin over the targets so drift hits them all alike: direct
 * first, then the proxies, in reverse order every other round. Two targets in one process
 * (routed and unrouted Switchyard) need that: the request that follows the other's in the same
 * process comes a few tenths of a millisecond sooner to its first byte than one after an idle
 * spell, and a fixed order would hand that to the same target every time.
 */
export async function sequentialPhase(
  targets: Target[],
  benchCase: BenchCase,
  settings: MeasureSettings,
  results: Map<TargetName, TargetResult>,
): Promise<void> {
  const count = benchCase.stream ? settings.sequentialStreams : settings.sequentialRequests;
  const unproxied = targets.filter((target) => target.pid === undefined);
  const proxies = targets.filter((target) => target.pid !== undefined);
  const orders = [
    [...unproxied, ...proxies],
    [...unproxied, ...[...proxies].reverse()],
  ];
  for (let index = 0; index < count; index++) {
    for (const target of orders[index % 2]!) {
      const result = results.get(target.name);
      if (result === undefined) continue;
      try {
        const reply = await timedRequest(target.dispatcher, target.url + benchCase.path, benchCase.headers, bodyFor(target, benchCase));
        if (reply.status !== 200) {
          recordProblem(result, `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);
          continue;
        }
        const check = checkReply(benchCase.api, benchCase.stream, reply.body, benchCase.expectedEvents);
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
