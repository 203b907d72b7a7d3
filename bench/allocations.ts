/**
 * `node --import tsx bench/allocations.ts <target>… [--cases "<part of a case name>"] [--calls 3000] [--top 25]`:
 * the bytes a call allocates on the JavaScript heap, by the innermost function of the proxy's
 * own bundle on the stack (Switchyard's `proxy.js`, which bundles undici, or the floor's
 * script), so the young generation's traffic — what the scavenger copies and promotes — can be
 * laid at a function's door. A target is a build folder (a copy of `dist/`), `off:<folder>` (that
 * build sent the case's request without its route: a cache case with the cache off) or a floor
 * (`floor:undici-stream`, any mode of `floor-forwarder.ts`, sent the plain request). A cache
 * miss case's calls each get a unique body, as in the bench.
 *
 * Each target runs alone with a preload that starts V8's sampling heap profiler on SIGUSR2
 * (every 256 bytes on average, keeping the samples of objects the collector freed) and stops it
 * and writes the profile on the next; between the two the target is sent `--calls` calls (10
 * connections) after 6,000 of warm-up, and 1.5 s idle follows so the request log's flush is in
 * it. Sampled sizes are estimates: two runs of one build differ by a few percent.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { parseBuildTarget } from './build-target';
import { buildCases } from './cases';
import { uniqueMarker } from './payloads';
import { startChildService, startFakeUpstream, type ChildService } from './child-service';
import { runMain } from './run-main';
import { startSwitchyard } from './switchyard-service';

/** Runs inside the target: SIGUSR2 starts sampling, the next one writes the profile to PROFILE_FILE. */
const preloadSource = `
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    fs.writeFileSync(process.env.SWITCHYARD_BENCH_PROFILE_FILE, error ? '{}' : JSON.stringify(result.profile));
  });
});
`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

interface SamplingProfile {
  head: ProfileNode;
  samples: Array<{ size: number; nodeId: number }>;
}

/** Bytes by the innermost frame from `ownScript` on each sample's stack (`(runtime) <frame>` when none). */
function bytesByOwner(profile: SamplingProfile, ownScript: string): { total: number; owners: Map<string, number> } {
  const bytesAt = new Map<number, number>();
  for (const sample of profile.samples) bytesAt.set(sample.nodeId, (bytesAt.get(sample.nodeId) ?? 0) + sample.size);
  const owners = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode, owner: string | undefined): void => {
    const frame = node.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber + 1}`;
    const own = frame.url.endsWith(ownScript) ? name : owner;
    const bytes = bytesAt.get(node.id) ?? 0;
    if (bytes > 0) {
      total += bytes;
      const key = own ?? `(outside the bundle) ${name}`;
      owners.set(key, (owners.get(key) ?? 0) + bytes);
    }
    for (const child of node.children) walk(child, own);
  };
  walk(profile.head, undefined);
  return { total, owners };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { cases: { type: 'string', default: 'OpenAI → OpenAI 1 KB json' }, calls: { type: 'string', default: '3000' }, top: { type: 'string', default: '25' } },
  });
  if (positionals.length === 0) throw new Error('usage: bench/allocations.ts <build folder | floor:MODE>… [--cases part] [--calls N] [--top N]');
  const calls = Number(values.calls);
  const top = Number(values.top);
  const benchCase = buildCases().find((candidate) => candidate.name === values.cases) ?? buildCases().find((candidate) => candidate.name.includes(values.cases));
  if (benchCase === undefined) throw new Error(`no case matches ${values.cases}`);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-allocations-'));
  const preload = path.join(workDirectory, 'sampling-preload.js');
  writeFileSync(preload, preloadSource);
  const upstream = await startFakeUpstream(workDirectory);
  try {
    process.stdout.write(`${benchCase.name}, ${calls} calls after 6,000, sampled every 256 bytes, load ${os.loadavg()[0]!.toFixed(2)}\n`);
    for (const [index, target] of positionals.entries()) {
      const profileFile = path.join(workDirectory, `profile-${index}.json`);
      const env = { ...process.env, SWITCHYARD_BENCH_PROFILE_FILE: profileFile };
      const floor = target.startsWith('floor:') ? target.slice('floor:'.length) : undefined;
      let service: ChildService | undefined;
      let ownScript = 'proxy.js';
      if (floor !== undefined) {
        const script = path.join(workDirectory, 'floor-forwarder.js');
        if (!existsSync(script)) buildSync({ entryPoints: [path.join(__dirname, 'floor-forwarder.ts')], outfile: script, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
        ownScript = 'floor-forwarder.js';
        service = await startChildService(target, process.execPath, ['--require', preload, script, floor, upstream.url], env);
      } else {
        service = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(parseBuildTarget(target).folder, 'proxy.js'), `switchyard-${index}`, {}, { SWITCHYARD_BENCH_PROFILE_FILE: profileFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim() });
        if (service === undefined) throw new Error(`no proxy.js in ${target}`);
      }
      try {
        // `off:<folder>` is sent the request without its route (a cache case: the cache off), as a floor is.
        const body = floor === undefined && parseBuildTarget(target).role !== 'off' ? benchCase.body : benchCase.floorBody;
        const send = (amount: number): Promise<autocannon.Result> => autocannon({ url: service!.url + benchCase.path, method: 'POST', headers: benchCase.headers, body, connections: 10, amount, idReplacement: body.includes(uniqueMarker) });
        await send(6000);
        await sleep(1500);
        process.kill(service.pid, 'SIGUSR2');
        await sleep(200);
        const result = await send(calls);
        await sleep(1500);
        process.kill(service.pid, 'SIGUSR2');
        for (let waited = 0; !existsSync(profileFile) && waited < 100; waited += 1) await sleep(100);
        if (result.errors + result.non2xx > 0) throw new Error(`${target}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        await sleep(500);
        const { total, owners } = bytesByOwner(JSON.parse(readFileSync(profileFile, 'utf8')) as SamplingProfile, ownScript);
        process.stdout.write(`\n${target}: ${Math.round(total / result.requests.total).toLocaleString('en-US')} bytes a call\n`);
        for (const [owner, bytes] of [...owners].sort((left, right) => right[1] - left[1]).slice(0, top)) {
          process.stdout.write(`  ${Math.round(bytes / result.requests.total).toLocaleString('en-US').padStart(7)}  ${owner}\n`);
        }
      } finally {
        await service.stop();
      }
    }
  } finally {
    await upstream.stop();
    rmSync(workDirectory, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

if (require.main === module) runMain(main);
