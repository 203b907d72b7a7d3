/**
 * `node --import tsx bench/thread-cpu.ts <build A> <build B> [case] [calls] [rounds]`: CPU per
 * call of each of a proxy's threads, two builds side by side (as bench/ab.ts: `off:<folder>` is
 * sent the case's request without its route, the cache off). Per round, each build in A B, then
 * B A order, is sent a fixed number of calls (10 connections, unique bodies for a miss case) and
 * then left idle for 1.1 s, so that what the calls leave for later (the request log's flush, a
 * probation sweep, the next garbage collection's marking) lands in the window too; the CPU each
 * thread spent in that window, from `/proc/<pid>/task/<tid>/schedstat`, is divided by the calls.
 * Threads are grouped by name: `main` (the event loop), `V8 DefaultWorke` (the garbage
 * collector's helpers and TurboFan), `libuv-worker`, and the rest as Linux names them (Node 20
 * names none of its helpers: all are `node`; `BENCH_TIDS=1` numbers them by creation order).
 * `system:<group>` is the kernel's part of it (from the threads' stime), `faults:<group>` their
 * minor page faults per call.
 *
 * `mixed:<folder>` is that build first sent 300 calls of every case the full bench's plain
 * Switchyard serves (plain, routed, raced, cache miss and hit), as that process has before a case
 * is measured.
 *
 * `governed:<folder>` is the governed Switchyard of the bench (3 named keys, 5 budgets, rate
 * limits) sent the case under its named key: `off:dist governed:dist` and the governed case is
 * what governance costs, by thread.
 *
 * `floor:<mode>` is one of the floor forwarders (bench/floor-forwarder.ts: `floor:undici-stream`,
 * `floor:undici-request`, `floor:node-http`, `floor:piped`) sent the case's plain request: `floor:undici-stream
 * dist` is where Switchyard's CPU beyond the floor's goes, by thread, kernel and page faults.
 *
 * With `BENCH_GC=1` each proxy also runs with `--trace-gc`, and the scavenges, mark-compacts and
 * their pause per 1,000 calls are counted from its output (a wrapper keeps the trace lines off
 * the stdout line that announces the proxy's URL). With `BENCH_OPT=1` it runs with `--trace-opt
 * --trace-deopt`, and the TurboFan compilations and deoptimizations after the warm-up are counted
 * per 1,000 calls, with the functions deoptimized most often (a function recompiled over and over
 * shows there). `BENCH_KEEP=1` keeps the traces and prints where.
 *
 * `BENCH_A_FLAGS` and `BENCH_B_FLAGS` (with `BENCH_GC=1`) start side A or B with more Node/V8
 * flags, a floor as well: `dist dist` with `BENCH_B_FLAGS` alone says what a heap flag does to
 * Switchyard against itself; `floor:undici-stream dist` with both set to it, the ratio to a
 * floor given the same flag.
 *
 * `BENCH_PIN=1` pins as the full bench's load phase does (both proxies on the last core, the load
 * generator and the upstream on the others); `BENCH_CONNECTIONS` sets the load's connections (10;
 * the full bench uses 16).
 *
 * `BENCH_SHARED=1` serves side B from side A's process when both are the same build (`off:dist
 * dist`), as the full bench serves a feature's two sides from one Switchyard: what one side's
 * calls leave in the process (the heap, the collector's timing) then weighs on the other's too.
 *
 * Each line gives the median of the rounds' B ÷ A (lowest–highest) and the pooled ratio, B's
 * CPU over all rounds ÷ A's (every round sends both the same calls): deferred work that lands
 * in one round counts in full, as in the full bench's verdict.
 *
 * Unlike bench/ab.ts, no latency phase: this is for where a change's CPU goes, not for the verdict.
 */
import autocannon from 'autocannon';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseBuildTarget } from './build-target';
import { buildCases, type BenchCase } from './cases';
import { buildSync } from 'esbuild';
import { coreLayout } from './core-layout';
import { startChildService, startFakeUpstream, type ChildService } from './child-service';
import { uniqueMarker } from './payloads';
import { checkReply } from './reply-check';
import { processTree } from './process-cpu';
import { runMain } from './run-main';
import { startGovernedSwitchyard, startSwitchyard } from './switchyard-service';

interface Side {
  name: string;
  /** The build's folder (a floor's: its target text). */
  folder: string;
  service: ChildService;
  /** The node process itself (the service's pid is a wrapper's with BENCH_GC). */
  pid: number;
  unrouted: boolean;
  /** The governed Switchyard's named key (a `governed:` side), sent as the bearer. */
  key?: string;
  gcLog?: string;
  /** A `mixed:` side: first sent the other plain cases, as the full bench's process has served them. */
  mixed: boolean;
  /** Per thread group, CPU µs per call of each round. */
  rounds: Array<Map<string, number>>;
  gc: { scavenges: number; markCompacts: number; pauseMs: number; calls: number };
  /** TurboFan's work over the measured rounds (with BENCH_OPT=1). */
  jit: JitCounts & { calls: number };
}

/** CPU nanoseconds by thread group now. */
function threadNanoseconds(pid: number): Map<string, number> {
  const groups = new Map<string, number>();
  // Node 20 leaves its V8 workers and libuv's pool named `node`; BENCH_TIDS=1 tells them apart by
  // their order of creation (V8's platform workers first, at start-up; libuv's pool at first use).
  const byTid = process.env.BENCH_TIDS === '1';
  const threads = readdirSync(`/proc/${pid}/task`).sort((left, right) => Number(left) - Number(right));
  for (const [rank, thread] of threads.entries()) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${thread}/comm`, 'utf8').trim();
      const name = Number(thread) === pid ? 'main' : byTid ? `${comm}#${rank}` : comm;
      const nanoseconds = Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
      groups.set(name, (groups.get(name) ?? 0) + nanoseconds);
      // Minor page faults (first touches of memory), counted as if nanoseconds: shown per call apart.
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      const faults = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
      groups.set(`faults:${name}`, (groups.get(`faults:${name}`) ?? 0) + faults * 1000);
      // System time alone (stime, clock ticks of 10 ms: coarse, read over many calls), shown apart too.
      const systemTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]);
      groups.set(`system:${name}`, (groups.get(`system:${name}`) ?? 0) + systemTicks * 10_000_000);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return groups;
}

interface GcCounts {
  scavenges: number;
  markCompacts: number;
  pauseMs: number;
}

/** A proxy's trace so far, or nothing when it was not traced or has written nothing yet. */
function traceText(logFile: string | undefined): string {
  if (logFile === undefined) return '';
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

function gcCounts(logFile: string | undefined): GcCounts {
  const counts = { scavenges: 0, markCompacts: 0, pauseMs: 0 };
  for (const line of traceText(logFile).split('\n')) {
    const pause = /, ([\d.]+) \/ [\d.]+ ms/.exec(line);
    if (line.includes('Scavenge')) counts.scavenges++;
    else if (line.includes('Mark-Compact')) counts.markCompacts++;
    else continue;
    if (pause !== null) counts.pauseMs += Number(pause[1]);
    // Incremental marking's steps ran on the main thread before the mark-compact's pause.
    const steps = /\+ ([\d.]+) ms in \d+ steps/.exec(line);
    if (steps !== null) counts.pauseMs += Number(steps[1]);
  }
  return counts;
}

interface JitCounts {
  /** Functions TurboFan finished compiling (`[completed compiling`/`[completed optimizing`). */
  optimized: number;
  /** Eager, soft and lazy bailouts out of optimized code (`[bailout (kind: …`). */
  deoptimized: number;
  /** Optimized code thrown away because an assumption it made no longer holds (`for deoptimization`). */
  invalidated: number;
  /** Bailouts by the function's name. */
  byFunction: Map<string, number>;
}

function jitCounts(logFile: string | undefined): JitCounts {
  const counts: JitCounts = { optimized: 0, deoptimized: 0, invalidated: 0, byFunction: new Map() };
  for (const line of traceText(logFile).split('\n')) {
    if (line.startsWith('[completed compiling') || line.startsWith('[completed optimizing')) counts.optimized++;
    else if (line.startsWith('[bailout (kind:')) {
      counts.deoptimized++;
      const name = /<JSFunction ([^ >]*)/.exec(line)?.[1] ?? '?';
      const reason = /reason: ([^)]*)\)/.exec(line)?.[1] ?? '?';
      const key = `${name || '(anonymous)'} (${reason})`;
      counts.byFunction.set(key, (counts.byFunction.get(key) ?? 0) + 1);
    } else if (line.includes('for deoptimization')) counts.invalidated++;
  }
  return counts;
}

async function run(side: Side, benchCase: BenchCase, calls: number, measure: boolean): Promise<void> {
  const body = side.unrouted ? benchCase.floorBody : benchCase.body;
  const before = threadNanoseconds(side.pid);
  const gcBefore = gcCounts(side.gcLog);
  const jitBefore = jitCounts(side.gcLog);
  const result = await autocannon({
    url: side.service.url + benchCase.path,
    method: 'POST',
    headers: side.key === undefined ? benchCase.headers : { ...benchCase.headers, authorization: `Bearer ${side.key}` },
    body,
    connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
    amount: calls,
    verifyBody: (reply) => checkReply(benchCase.api, benchCase.stream, String(reply), benchCase.kind === 'passthrough' ? benchCase.expectedEvents : undefined, false, benchCase.answer).ok,
    idReplacement: body.includes(uniqueMarker),
  });
  await sleep(1100);
  if (!measure) return;
  if (result.errors + result.non2xx + result.mismatches > 0) throw new Error(`${side.name}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.mismatches} mismatches`);
  const after = threadNanoseconds(side.pid);
  const round = new Map<string, number>();
  for (const [name, nanoseconds] of after) round.set(name, (nanoseconds - (before.get(name) ?? 0)) / 1000 / result.requests.total);
  side.rounds.push(round);
  const gcAfter = gcCounts(side.gcLog);
  side.gc.scavenges += gcAfter.scavenges - gcBefore.scavenges;
  side.gc.markCompacts += gcAfter.markCompacts - gcBefore.markCompacts;
  side.gc.pauseMs += gcAfter.pauseMs - gcBefore.pauseMs;
  side.gc.calls += result.requests.total;
  const jitAfter = jitCounts(side.gcLog);
  side.jit.optimized += jitAfter.optimized - jitBefore.optimized;
  side.jit.deoptimized += jitAfter.deoptimized - jitBefore.deoptimized;
  side.jit.invalidated += jitAfter.invalidated - jitBefore.invalidated;
  for (const [name, count] of jitAfter.byFunction) {
    const added = count - (jitBefore.byFunction.get(name) ?? 0);
    if (added > 0) side.jit.byFunction.set(name, (side.jit.byFunction.get(name) ?? 0) + added);
  }
  side.jit.calls += result.requests.total;
}

/** The rounds' sum: every round sends the same calls, so B's sum over A's is the pooled ratio (Σ CPU ÷ Σ calls each side). */
function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length / 2;
  return sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const [buildA, buildB, caseText = 'OpenAI → OpenAI 1 KB json, cache miss', callsText = '3000', roundsText = '6'] = process.argv.slice(2);
  if (buildA === undefined || buildB === undefined) throw new Error('usage: bench/thread-cpu.ts <build A> <build B> [case] [calls] [rounds]');
  const calls = Number(callsText);
  const rounds = Number(roundsText);
  // One case, its name containing `case` (commas included: cache cases' names have one).
  const benchCase = buildCases().find((candidate) => candidate.name.toLowerCase().includes(caseText.toLowerCase()));
  if (benchCase === undefined) throw new Error(`no case matches ${caseText}`);
  const nodeFlags = [...(process.env.BENCH_GC === '1' ? ['--trace-gc'] : []), ...(process.env.BENCH_OPT === '1' ? ['--trace-opt', '--trace-deopt'] : [])];
  const traceGc = nodeFlags.length > 0;
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-threads-'));
  const services: ChildService[] = [];
  const nodePids: number[] = [];
  try {
    const upstream = await startFakeUpstream(workDirectory);
    services.push(upstream);
    const sides: Side[] = [];
    let floorScript: string | undefined;
    for (const [name, build] of [['A', buildA], ['B', buildB]] as const) {
      const floor = build.startsWith('floor:') ? build.slice('floor:'.length) : undefined;
      const { folder, role } = parseBuildTarget(build);
      const unrouted = role === 'off';
      const governed = role === 'governed';
      // BENCH_SHARED=1: B is served by A's process when both are the same build (`off:dist dist`),
      // as the full bench serves a feature's two sides from one Switchyard: what one side's
      // calls leave behind (the heap, the collector's timing) is then in the other side's too.
      const sharedWith = name === 'B' && process.env.BENCH_SHARED === '1' && floor === undefined && !governed && role !== 'mixed' ? sides.find((side) => side.folder === folder) : undefined;
      if (sharedWith !== undefined) {
        sides.push({ ...sharedWith, name, unrouted, rounds: [], gc: { scavenges: 0, markCompacts: 0, pauseMs: 0, calls: 0 }, jit: { optimized: 0, deoptimized: 0, invalidated: 0, byFunction: new Map(), calls: 0 } });
        continue;
      }
      let launcher: string[] = [];
      let gcLog: string | undefined;
      if (traceGc) {
        gcLog = path.join(workDirectory, `gc-${name}.log`);
        const wrapper = path.join(workDirectory, `gc-${name}.sh`);
        // The URL line goes on to stdout; the trace goes to the log.
        // BENCH_A_FLAGS / BENCH_B_FLAGS: Node/V8 flags for one side (a floor as well): the same
        // build with and without a heap flag, or the floor and Switchyard both with it.
        const sideFlags = (process.env[`BENCH_${name}_FLAGS`] ?? '').split(' ').filter((flag) => flag !== '');
        writeFileSync(wrapper, `#!/bin/bash\nnode="$1"; shift\n"$node" ${[...nodeFlags, ...sideFlags].join(' ')} "$@" | while IFS= read -r line; do case "$line" in *http://*) echo "$line";; *) echo "$line" >> ${JSON.stringify(gcLog)};; esac; done\n`);
        chmodSync(wrapper, 0o755);
        launcher = [wrapper];
      }
      if (floor !== undefined && floorScript === undefined) {
        floorScript = path.join(workDirectory, 'floor-forwarder.js');
        buildSync({ entryPoints: [path.join(__dirname, 'floor-forwarder.ts')], outfile: floorScript, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
      }
      const started = floor !== undefined
        ? await startChildService(`floor-${name}`, launcher[0] ?? process.execPath, [...(launcher.length > 0 ? [process.execPath] : []), floorScript!, floor, upstream.url]).then((service) => ({ service, key: undefined }))
        : governed
        ? await startGovernedSwitchyard(upstream.url, workDirectory, path.resolve(folder, 'proxy.js'), `switchyard-${name}`, launcher)
        : await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(folder, 'proxy.js'), `switchyard-${name}`, {}, {}, launcher).then((service) => (service === undefined ? undefined : { service, key: undefined }));
      if (started === undefined) throw new Error(`no proxy.js in ${folder}`);
      const { service, key } = started;
      services.push(service);
      const pid = traceGc ? processTree(service.pid).find((candidate) => candidate !== service.pid && readFileSync(`/proc/${candidate}/comm`, 'utf8').trim() === 'node') : service.pid;
      if (pid === undefined) throw new Error(`${name}: no node process under the wrapper`);
      if (traceGc) nodePids.push(pid);
      // A floor forwards the plain request, as the bench's floors do.
      sides.push({ name, folder, service, pid, unrouted: unrouted || floor !== undefined, key, gcLog, mixed: role === 'mixed', rounds: [], gc: { scavenges: 0, markCompacts: 0, pauseMs: 0, calls: 0 }, jit: { optimized: 0, deoptimized: 0, invalidated: 0, byFunction: new Map(), calls: 0 } });
    }
    const [a, b] = sides as [Side, Side];
    // BENCH_PIN=1: as the full bench's load phase, both proxies on the last core, the load
    // generator and the upstream on the others (bench/core-layout.ts).
    const layout = process.env.BENCH_PIN === '1' ? coreLayout([...new Set([a.pid, b.pid])], [upstream.pid]) : undefined;
    layout?.separate();
    if (layout !== undefined) process.stdout.write(`${layout.description}\n`);
    // `mixed:`: every other case the full bench's plain process serves first (300 calls each), so
    // its heap and V8's feedback hold every path, as there.
    // BENCH_BEFORE=<calls>: every process (a shared one once) is first sent that many calls of
    // each case the full bench measures before the cache cases (plain, routed, raced), as the
    // full bench's process has served them when the cache miss is measured.
    const before = Number(process.env.BENCH_BEFORE ?? 0);
    const primed = new Set<number>();
    for (const side of sides) {
      if ((!side.mixed && before === 0) || primed.has(side.pid)) continue;
      primed.add(side.pid);
      for (const other of buildCases()) {
        if (other === benchCase || other.governed !== undefined || other.team !== undefined || other.redaction !== undefined) continue;
        if (before > 0 && other.cache !== undefined) continue;
        await autocannon({ url: side.service.url + other.path, method: 'POST', headers: other.headers, body: other.body, connections: 16, amount: before > 0 ? before : 300, idReplacement: other.body.includes(uniqueMarker) });
      }
    }
    await run(a, benchCase, calls, false);
    await run(b, benchCase, calls, false);
    // BENCH_A_CALLS / BENCH_B_CALLS: a side's calls a round when they differ (the full bench's two
    // targets on one process get run lengths of their own calibration: 1,896 against 3,236).
    const callsOf = (side: Side): number => Number(process.env[`BENCH_${side.name}_CALLS`] ?? calls);
    for (let round = 0; round < rounds; round++) for (const side of round % 2 === 0 ? [a, b] : [b, a]) await run(side, benchCase, callsOf(side), true);
    process.stdout.write(`${benchCase.name}, ${callsOf(a)} / ${callsOf(b)} calls × ${rounds} rounds, load ${os.loadavg()[0]!.toFixed(2)}\n`);
    const names = [...new Set(sides.flatMap((side) => side.rounds.flatMap((round) => [...round.keys()])))];
    const total = (round: Map<string, number>): number => [...round].reduce((sum, [name, value]) => (name.startsWith('faults:') || name.startsWith('system:') ? sum : sum + value), 0);
    for (const name of [...names, 'all']) {
      const of = (side: Side): number[] => side.rounds.map((round) => (name === 'all' ? total(round) : round.get(name) ?? 0));
      const ratios = of(a).map((value, round) => of(b)[round]! / value);
      const unit = name.startsWith('faults:') ? '  ' : 'µs';
      if (process.env.BENCH_ROUNDS === '1') process.stdout.write(`  ${name} rounds A ${of(a).map((value) => value.toFixed(1)).join(' ')} | B ${of(b).map((value) => value.toFixed(1)).join(' ')}\n`);
      process.stdout.write(`  ${name.padEnd(16)} A ${median(of(a)).toFixed(1).padStart(7)} ${unit}  B ${median(of(b)).toFixed(1).padStart(7)} ${unit}  B − A ${(median(of(b)) - median(of(a))).toFixed(1).padStart(6)} ${unit}  B ÷ A ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}), pooled ${(sum(of(b)) / sum(of(a))).toFixed(2)}×\n`);
    }
    if (process.env.BENCH_OUTPUT !== undefined) for (const side of sides) for (const line of side.service.recentOutput().split('\n')) if (line.includes(process.env.BENCH_OUTPUT)) process.stdout.write(`  ${side.name}: ${line}\n`);
    for (const side of sides) {
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${side.pid}/status`, 'utf8'))?.[1];
      process.stdout.write(`  RSS ${side.name}: ${(Number(rss) / 1024).toFixed(1)} MB\n`);
    }
    if (process.env.BENCH_OPT === '1') {
      for (const side of sides) {
        const per = (count: number): string => ((count * 1000) / side.jit.calls).toFixed(2);
        const top = [...side.jit.byFunction].sort((left, right) => right[1] - left[1]).slice(0, 8);
        process.stdout.write(`  JIT ${side.name}: per 1,000 calls after the warm-up ${per(side.jit.optimized)} TurboFan compilations, ${per(side.jit.deoptimized)} bailouts, ${per(side.jit.invalidated)} invalidations\n`);
        for (const [name, count] of top) process.stdout.write(`    ${String(count).padStart(5)} ${name}\n`);
      }
    }
    if (process.env.BENCH_GC === '1') {
      for (const side of sides) {
        const per = (count: number): string => ((count * 1000) / side.gc.calls).toFixed(1);
        process.stdout.write(`  GC ${side.name}: per 1,000 calls ${per(side.gc.scavenges)} scavenges, ${per(side.gc.markCompacts)} mark-compacts, ${per(side.gc.pauseMs)} ms of pauses\n`);
      }
    }
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    // Under the wrapper the proxy is the wrapper's child: stopped on its own.
    for (const pid of nodePids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone with its wrapper.
      }
    }
    // BENCH_KEEP=1 leaves the traces (gc-A.log, gc-B.log) for reading line by line.
    if (process.env.BENCH_KEEP === '1') process.stdout.write(`  kept ${workDirectory}\n`);
    // A wrapper may still be appending its last trace lines: retried.
    else {
      try {
        rmSync(workDirectory, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch {
        // Left in the temporary folder: the measurement is printed, and nothing else is in it.
      }
    }
  }
}

if (require.main === module) runMain(main);
