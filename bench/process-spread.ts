/**
 * `node --import tsx bench/process-spread.ts [processes] [repetitions] ["<case name>"] [build folder] [-- <node flags>]`:
 * is a Switchyard *process* sometimes slow throughout, or is a slow row the moment it ran in?
 *
 * Starts several Switchyard processes of one build (default four, from dist/) and the floor
 * (buffered + undici.stream) against one fake upstream, and measures them all under the case's
 * load exactly as `npm run bench` does — pinned to the proxies' core, runs of a fixed number of
 * requests in rotating order, CPU to the next run on the same process — for `repetitions`
 * load phases of five rounds each. Prints each process's ratio to the floor per repetition and
 * over all of them. A process slow throughout reads high in every repetition while its
 * siblings, measured in the same seconds, do not; a slow moment reads high on every process
 * in one repetition. Node flags after `--` (e.g. `--max-semi-space-size=16`) are given to every
 * Switchyard process; `BENCH_SPREAD_FLAGS_ODD=1` gives them to every other process only (an A/B
 * of a flag across processes).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { Agent } from 'undici';
import { buildCases } from './cases';
import { startChildService, type ChildService } from './child-service';
import { coreLayout } from './core-layout';
import { emptyResult, loadPhase, warmUp, type CaseLoadState, type MeasureSettings, type Target, type TargetResult } from './measure';
import { cpuRatio } from './report';
import { startSwitchyard } from './switchyard-service';
import { runMain } from './run-main';

/** Transparent huge pages and resident memory of a process, from /proc (a per-process state that could make one slow). */
function memoryOf(pid: number): string {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) / 1024;
    return `RSS ${field('Rss').toFixed(0)} MB, huge pages ${field('AnonHugePages').toFixed(0)} MB`;
  } catch {
    return 'memory unknown';
  }
}

/**
 * CPU seconds a process has used so far: its main thread's, and its other threads' together
 * (V8's helpers — concurrent GC, TurboFan — and libuv's pool; Node 20 names them all `node`).
 */
function threadCpu(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = thread === String(pid) ? 'main thread' : 'other threads';
      const seconds = Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
      byName.set(name, (byName.get(name) ?? 0) + seconds);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return byName;
}

/** Minor page faults the process has taken so far (a heap that gives pages back and takes them again pays them in the kernel). */
function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

function describeThreads(before: Map<string, number>, after: Map<string, number>): string {
  const used = [...after].map(([name, seconds]) => [name, seconds - (before.get(name) ?? 0)] as const).filter(([, seconds]) => seconds > 0.005);
  const total = used.reduce((sum, [, seconds]) => sum + seconds, 0);
  return used
    .sort((left, right) => right[1] - left[1])
    .map(([name, seconds]) => `${name} ${Math.round((seconds / total) * 100)} %`)
    .join(', ');
}

async function main(): Promise<void> {
  const separator = process.argv.indexOf('--');
  const positional = process.argv.slice(2, separator < 0 ? undefined : separator);
  const nodeFlags = separator < 0 ? [] : process.argv.slice(separator + 1);
  const [processesText = '4', repetitionsText = '4', caseName = 'OpenAI → OpenAI 1 KB json', build = 'dist'] = positional;
  const processes = Number(processesText);
  const repetitions = Number(repetitionsText);
  const benchCase = buildCases().find((candidate) => candidate.name === caseName);
  if (benchCase === undefined) throw new Error(`no case named ${caseName}`);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-spread-'));
  const services: ChildService[] = [];
  const agents: Agent[] = [];
  try {
    const script = (name: string): string => {
      const outfile = path.join(workDirectory, `${name}.js`);
      buildSync({ entryPoints: [path.join(__dirname, `${name}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
      return outfile;
    };
    const upstream = await startChildService('upstream', process.execPath, [script('fake-upstream'), '1']);
    services.push(upstream);
    const floor = await startChildService('floor', process.execPath, [script('floor-forwarder'), 'undici-stream', upstream.url]);
    services.push(floor);
    const switchyards: ChildService[] = [];
    for (let index = 0; index < processes; index++) {
      const flagged = process.env.BENCH_SPREAD_FLAGS_ODD !== '1' || index % 2 === 1;
      const previous = process.env.BENCH_NODE_FLAGS;
      process.env.BENCH_NODE_FLAGS = [previous ?? '', ...(flagged ? nodeFlags : [])].join(' ');
      const service = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(build, 'proxy.js'), `switchyard-${index + 1}`);
      if (previous === undefined) delete process.env.BENCH_NODE_FLAGS;
      else process.env.BENCH_NODE_FLAGS = previous;
      if (service === undefined) throw new Error(`no proxy.js in ${build}`);
      services.push(service);
      switchyards.push(service);
    }
    const target = (name: string, service: ChildService, kind: Target['kind']): Target => {
      const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 1 });
      agents.push(dispatcher);
      return { name, kind, url: service.url, pid: service.pid, dispatcher, settleMs: 1100, requestFor: () => ({ path: benchCase.path, headers: benchCase.headers, body: benchCase.body }) };
    };
    const floorTarget = target('floor', floor, 'floor');
    const processTargets = switchyards.map((service, index) => target(`switchyard ${index + 1}${nodeFlags.length > 0 && (process.env.BENCH_SPREAD_FLAGS_ODD !== '1' || index % 2 === 1) ? ' (flags)' : ''}`, service, 'switchyard'));
    const targets = [floorTarget, ...processTargets];
    const settings: MeasureSettings = { connections: 10, warmupSeconds: 0.8, rewarmSeconds: 0.3, loadRounds: 5, sharedProcessRounds: 2, roundSeconds: 0.3, settleMs: 1100, sequentialRequests: 0, sequentialStreams: 0 };
    const layout = coreLayout([floor.pid, ...switchyards.map((service) => service.pid)], [upstream.pid]);
    layout.separate();
    // BENCH_SPREAD_WARMUP: seconds of load per process before the first repetition (V8 was still
    // compiling hot functions with TurboFan 20–35 s into a Switchyard's load: docs/benchmark.md).
    const warmUpSeconds = Number(process.env.BENCH_SPREAD_WARMUP ?? 4);
    for (const each of targets) await warmUp(each, benchCase, settings, warmUpSeconds);
    const results = new Map<string, TargetResult>(targets.map((each) => [each.name, emptyResult()]));
    const state: CaseLoadState = {};
    const threadsBefore = new Map([floor, ...switchyards].map((service) => [service.pid, threadCpu(service.pid)]));
    const faultsBefore = new Map([floor, ...switchyards].map((service) => [service.pid, minorFaults(service.pid)]));
    const faultsPerRequest = (service: ChildService, name: string): string => {
      const completed = results.get(name)!.runs.reduce((sum, run) => sum + run.completed, 0);
      return ((minorFaults(service.pid) - faultsBefore.get(service.pid)!) / completed).toFixed(2);
    };
    for (let repetition = 0; repetition < repetitions; repetition++) {
      await loadPhase(targets, benchCase, settings, results, upstream.pid, repetition, state);
      process.stderr.write(`repetition ${repetition + 1} of ${repetitions} done\n`);
    }
    process.stdout.write(`${benchCase.name}, ${processes} Switchyard processes of ${build}${nodeFlags.length > 0 ? ` (flags: ${nodeFlags.join(' ')})` : ''}, ${repetitions} repetitions of 5 rounds, load average ${os.loadavg()[0]!.toFixed(1)}\n`);
    process.stdout.write(`floor ${results.get('floor')!.cpuMicrosecondsPerRequest!.toFixed(0)} µs/request, ${faultsPerRequest(floor, 'floor')} page faults/request; CPU by thread: ${describeThreads(threadsBefore.get(floor.pid)!, threadCpu(floor.pid))}\n`);
    for (const [index, each] of processTargets.entries()) {
      const ratio = cpuRatio(results.get(each.name), results.get('floor'))!;
      process.stdout.write(
        `${each.name}: ${results.get(each.name)!.cpuMicrosecondsPerRequest!.toFixed(0)} µs/request, ${faultsPerRequest(switchyards[index]!, each.name)} page faults/request, ÷ floor ${ratio.value.toFixed(2)}× ` +
          `(per repetition ${ratio.repetitions.map((value) => value.toFixed(2)).join(', ')}); ${memoryOf(switchyards[index]!.pid)}; CPU by thread: ` +
          `${describeThreads(threadsBefore.get(switchyards[index]!.pid)!, threadCpu(switchyards[index]!.pid))}\n`,
      );
    }
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

runMain(main);
