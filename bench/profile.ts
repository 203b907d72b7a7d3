/**
 * `node --import tsx bench/profile.ts [case name] [seconds] [--floor] [--unrouted]`: Switchyard (or,
 * with `--floor`, the buffered undici.stream floor, for comparison; with `--unrouted`, Switchyard
 * sent the case's request without its route: a cache case with the cache off; the governed case
 * runs the governed Switchyard of `npm run bench` under its named key) under one case's load
 * with a V8 CPU profile, summarised as CPU per request and self time per function and per
 * module, so the hot path's costs can be read without opening DevTools. The profile file is
 * kept (its path is printed) for DevTools or VS Code. Uses the prebuilt dist/ (build first).
 *
 * The load is the benchmark's (autocannon, 10 connections, Switchyard pinned to its own core
 * when taskset is there), after a warm-up, so the profile shows steady-state code, not startup.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { buildCases } from './cases';
import { uniqueMarker } from './payloads';
import { startChildService, startFakeUpstream } from './child-service';
import { coreLayout } from './core-layout';
import { cpuSource, treeCpuNanoseconds } from './process-cpu';
import { startGovernedSwitchyard, startSwitchyard } from './switchyard-service';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Microseconds on the monotonic clock V8's profiler stamps its samples with. */
function monotonicMicroseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time per function and per module of a V8 CPU profile, biggest first, and inclusive time
 * of Switchyard's own functions (time with that function anywhere on the stack), counting only
 * samples between `from` and `to` (monotonic µs): the measured run, without startup or warm-up.
 * Samples are wall time on the main thread: a blocking syscall (fsync) counts though it uses
 * little CPU, and GC on helper threads does not show.
 */
export function summariseProfile(profile: CpuProfile, requests: number, from: number, to: number, top = 30): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfTime = new Map<number, number>();
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    time += profile.timeDeltas[index] ?? 0;
    if (time < from || time > to) continue;
    const id = profile.samples[index]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const inclusive = new Map<string, number>();
  for (const [id, spent] of selfTime) {
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const { functionName, url } = byId.get(node)!.callFrame;
      if (!(url.includes('/dist/') || url.includes('floor-forwarder')) || functionName === '' || seen.has(functionName)) continue;
      seen.add(functionName);
      inclusive.set(functionName, (inclusive.get(functionName) ?? 0) + spent);
    }
  }
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of selfTime) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') continue;
    busy += time;
    const module = url === '' ? '(native)' : url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/').replace(/^node:/, 'node:');
    const key = `${functionName || '(anonymous)'}  ${module}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    const moduleKey = module.startsWith('node:') ? module : module.split('/').slice(0, 2).join('/');
    byModule.set(moduleKey, (byModule.get(moduleKey) ?? 0) + time);
  }
  const rows = (map: Map<string, number>, count: number): string[] =>
    [...map]
      .sort((left, right) => right[1] - left[1])
      .slice(0, count)
      .map(([name, time]) => `${(time / requests).toFixed(1).padStart(7)} µs/req ${((100 * time) / busy).toFixed(1).padStart(5)} %  ${name}`);
  return [
    `JavaScript self time sampled: ${(busy / requests).toFixed(1)} µs/request (${requests} requests)`,
    '',
    'By function:',
    ...rows(byFunction, top),
    '',
    'By module:',
    ...rows(byModule, 15),
    '',
    "Switchyard's functions, inclusive (callees counted):",
    ...rows(inclusive, top),
  ];
}

async function main(): Promise<void> {
  const floor = process.argv.includes('--floor');
  const unrouted = process.argv.includes('--unrouted');
  const [caseName = 'OpenAI → OpenAI 1 KB json', secondsText = '6'] = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
  const benchCase = buildCases().find((candidate) => candidate.name === caseName);
  if (benchCase === undefined) throw new Error(`no case named ${caseName}; see bench/cases.ts`);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-profile-'));
  const profileDirectory = path.join(workDirectory, 'profile');
  const floorScript = path.join(workDirectory, 'floor-forwarder.js');
  buildSync({ entryPoints: [path.join(__dirname, 'floor-forwarder.ts')], outfile: floorScript, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  const upstream = await startFakeUpstream(workDirectory);
  let headers = benchCase.headers;
  let switchyard;
  if (floor) switchyard = await startChildService('floor', process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`, floorScript, 'undici-stream', upstream.url]);
  else if (benchCase.governed !== undefined && !unrouted) {
    process.env.BENCH_PROFILE = profileDirectory;
    const governed = await startGovernedSwitchyard(upstream.url, workDirectory);
    switchyard = governed?.service;
    headers = { ...headers, authorization: `Bearer ${governed?.key ?? ''}` };
  } else switchyard = await startSwitchyard(upstream.url, workDirectory, profileDirectory);
  if (switchyard === undefined) throw new Error('no Switchyard build: run npm run build first');
  try {
    const layout = coreLayout([switchyard.pid], [upstream.pid]);
    layout.separate();
    // `--unrouted`: Switchyard sent the floor's request (a routed or cache case's request without its route).
    const body = floor || unrouted ? benchCase.floorBody : benchCase.body;
    const options = { url: switchyard.url + benchCase.path, method: 'POST' as const, headers, body, connections: 10, idReplacement: body.includes(uniqueMarker) };
    await autocannon({ ...options, duration: 2 });
    const source = cpuSource(switchyard.pid);
    const before = treeCpuNanoseconds(switchyard.pid, source);
    const from = monotonicMicroseconds();
    const measured = await autocannon({ ...options, duration: Number(secondsText) });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const to = monotonicMicroseconds();
    const cpu = treeCpuNanoseconds(switchyard.pid, source) - before;
    const requests = measured.requests.total;
    process.stdout.write(`${benchCase.name}: ${requests} requests, ${(cpu / 1000 / requests).toFixed(0)} µs CPU/request (${measured.non2xx} non-2xx)\n`);
    layout.share();
    await switchyard.stop();
    const file = readdirSync(profileDirectory).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('Switchyard wrote no profile');
    const profile = JSON.parse(readFileSync(path.join(profileDirectory, file), 'utf8')) as CpuProfile;
    process.stdout.write(`${summariseProfile(profile, requests, from, to).join('\n')}\n\nProfile: ${path.join(profileDirectory, file)}\n`);
  } finally {
    await switchyard.stop();
    await upstream.stop();
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
