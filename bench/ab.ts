/**
 * `node --import tsx bench/ab.ts <build A> <build B> [cases] [rounds]`: two builds of Switchyard
 * (folders holding a proxy.js and its wasm, e.g. copies of dist/ before and after a change) side
 * by side, interleaved, in one run: the way to tell whether a change to the hot path helped on a
 * machine where two runs minutes apart differ by more than the change.
 *
 * Per case: a warm-up each, then `rounds` load runs per build in A B B A order (each pinned to
 * the proxies' core, CPU of the process tree from /proc, a settle past the request log's flush),
 * then 300 requests (or 100 streams) one at a time, alternating A and B on one keep-alive
 * connection each. Prints B ÷ A CPU/request (median of the per-pair ratios, lowest–highest) and
 * the p50 latency and first-byte differences. `cases` is a comma-separated list of parts of
 * case names, as BENCH_CASES; default: OpenAI and Anthropic 1 KB JSON. A build written
 * `off:<folder>` is sent the case's request without its route (a cache case with the cache
 * off, as bench/instructions.ts does): `off:dist dist` is a cache case's own comparison.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { parseBuildTarget } from './build-target';
import { buildCases, type BenchCase } from './cases';
import { startFakeUpstream, type ChildService } from './child-service';
import { coreLayout } from './core-layout';
import { cpuSource, treeCpuNanoseconds } from './process-cpu';
import { uniqueMarker } from './payloads';
import { checkReply } from './reply-check';
import { percentile } from './report';
import { startSwitchyard } from './switchyard-service';
import { timedRequest } from './timed-request';

export interface Side {
  name: 'A' | 'B';
  service: ChildService;
  /** The case's body this side is sent: without the route for an `off:` build. */
  unrouted?: boolean;
  dispatcher: Agent;
  rounds: number[];
  latencyMs: number[];
  firstByteMs: number[];
  failures: number;
}

export async function loadRun(side: Side, benchCase: BenchCase, seconds: number, measure: boolean): Promise<void> {
  const source = cpuSource(side.service.pid);
  const before = treeCpuNanoseconds(side.service.pid, source);
  const result = await autocannon({
    url: side.service.url + benchCase.path,
    method: 'POST',
    headers: benchCase.headers,
    body: bodyOf(side, benchCase),
    connections: 10,
    duration: seconds,
    verifyBody: (body) => checkReply(benchCase.api, benchCase.stream, String(body), benchCase.kind === 'passthrough' ? benchCase.expectedEvents : undefined, false, benchCase.answer).ok,
    idReplacement: bodyOf(side, benchCase).includes(uniqueMarker),
  });
  if (!measure) return;
  await sleep(1100);
  side.failures += result.errors + result.non2xx + result.mismatches;
  if (result.requests.total > 0) side.rounds.push((treeCpuNanoseconds(side.service.pid, source) - before) / 1000 / result.requests.total);
}

function bodyOf(side: Side, benchCase: BenchCase): string {
  return side.unrouted === true ? benchCase.floorBody : benchCase.body;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const [buildA, buildB, casesText = 'OpenAI → OpenAI 1 KB json,Anthropic → Anthropic 1 KB json', roundsText = '4'] = process.argv.slice(2);
  if (buildA === undefined || buildB === undefined) throw new Error('usage: bench/ab.ts <build A folder> <build B folder> [cases] [rounds]');
  const rounds = Number(roundsText);
  const cases = buildCases(casesText).filter((benchCase) => benchCase.routing === undefined);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-ab-'));
  const services: ChildService[] = [];
  try {
    const upstream = await startFakeUpstream(workDirectory);
    services.push(upstream);
    const sides: Side[] = [];
    for (const [name, build] of [['A', buildA], ['B', buildB]] as const) {
      const { folder, role } = parseBuildTarget(build);
      const unrouted = role === 'off';
      const service = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(folder, 'proxy.js'), `switchyard-${name}`);
      if (service === undefined) throw new Error(`no proxy.js in ${folder}`);
      services.push(service);
      sides.push({ name, service, unrouted, dispatcher: new Agent({ keepAliveTimeout: 60_000, connections: 1 }), rounds: [], latencyMs: [], firstByteMs: [], failures: 0 });
    }
    const [a, b] = sides as [Side, Side];
    const layout = coreLayout([a.service.pid, b.service.pid], [upstream.pid]);
    for (const benchCase of cases) {
      for (const side of sides) {
        side.rounds = [];
        side.latencyMs = [];
        side.firstByteMs = [];
      }
      layout.separate();
      await loadRun(a, benchCase, 1, false);
      await loadRun(b, benchCase, 1, false);
      for (let round = 0; round < rounds; round++) {
        // A B, then B A: neither build always runs first after the other's settle.
        for (const side of round % 2 === 0 ? [a, b] : [b, a]) await loadRun(side, benchCase, 1, true);
      }
      layout.share();
      const count = benchCase.stream ? 100 : 300;
      for (let index = 0; index < count; index++) {
        for (const side of index % 2 === 0 ? [a, b] : [b, a]) {
          const body = bodyOf(side, benchCase).replace(uniqueMarker, `${side.name}-${index}`);
          const reply = await timedRequest(side.dispatcher, side.service.url + benchCase.path, benchCase.headers, body);
          if (reply.status !== 200) {
            side.failures++;
            continue;
          }
          side.latencyMs.push(reply.totalMs);
          side.firstByteMs.push(reply.firstByteMs);
        }
      }
      const ratios = a.rounds.map((cpu, round) => b.rounds[round]! / cpu);
      const cpu = (side: Side): string => `${median(side.rounds).toFixed(0)} µs (${side.rounds.map((value) => value.toFixed(0)).join(', ')})`;
      const latency = percentile(b.latencyMs, 0.5) - percentile(a.latencyMs, 0.5);
      const firstByte = percentile(b.firstByteMs, 0.5) - percentile(a.firstByteMs, 0.5);
      process.stdout.write(
        `${benchCase.name}: CPU/request A ${cpu(a)}, B ${cpu(b)}; B ÷ A ${median(ratios).toFixed(2)}× ` +
          `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); one at a time p50 B − A ${latency >= 0 ? '+' : ''}${latency.toFixed(3)} ms` +
          (benchCase.stream ? `, first byte p50 B − A ${firstByte >= 0 ? '+' : ''}${firstByte.toFixed(3)} ms` : '') +
          (a.failures + b.failures > 0 ? `; FAILED requests: A ${a.failures}, B ${b.failures}` : '') +
          '\n',
      );
    }
    await Promise.all(sides.map((side) => side.dispatcher.close()));
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
