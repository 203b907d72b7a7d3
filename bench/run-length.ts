/**
 * `node --import tsx bench/run-length.ts [case] [short] [long] [rounds]`: does a run's length
 * change the CPU per request the full bench reads? One Switchyard (dist), pinned as the bench's
 * load phase pins it, is sent the case's cache-off request in runs of `short` and `long`
 * requests, alternating (short long, long short, …), each followed by the bench's 1.1 s settle.
 * Each run's CPU (the process tree's, from /proc, as bench/measure.ts reads it) is split into
 * the run itself and its settle, and printed per length: CPU a request over the run, the
 * settle's CPU a run, and both together a request — what the bench charges a run of that
 * length. `BENCH_SIDE=on` sends the cache-on request instead.
 *
 * Written for the thirteenth round (docs/benchmark.md, "Thirteenth round, CPU: the cache miss
 * in the full run"): the full bench gave the cache-on side runs of 1,896 requests and the
 * cache-off side 3,236 (each its own calibration), so a cost fixed per run weighed 1.7× as
 * much per request on one side.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildCases } from './cases';
import { startFakeUpstream, type ChildService } from './child-service';
import { coreLayout } from './core-layout';
import { uniqueMarker } from './payloads';
import { cpuSource, treeCpuNanoseconds } from './process-cpu';
import { runMain } from './run-main';
import { startSwitchyard } from './switchyard-service';

/** The bench's settle after a run on a process measured again next (bench/run.ts). */
const settleMs = 1100;

async function main(): Promise<void> {
  const [caseText = 'OpenAI → OpenAI 1 KB json, cache miss', shortText = '1900', longText = '3200', roundsText = '10'] = process.argv.slice(2);
  const benchCase = buildCases().find((candidate) => candidate.name.toLowerCase().includes(caseText.toLowerCase()));
  if (benchCase === undefined) throw new Error(`no case matches ${caseText}`);
  const lengths = [Number(shortText), Number(longText)];
  const rounds = Number(roundsText);
  const body = process.env.BENCH_SIDE === 'on' ? benchCase.body : benchCase.floorBody;
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-run-length-'));
  const services: ChildService[] = [];
  try {
    const upstream = await startFakeUpstream(workDirectory);
    services.push(upstream);
    const switchyard = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve('dist', 'proxy.js'));
    if (switchyard === undefined) throw new Error('no dist/proxy.js: npm run build');
    services.push(switchyard);
    coreLayout([switchyard.pid], [upstream.pid]).separate();
    const source = cpuSource(switchyard.pid);
    const cpu = (): number => treeCpuNanoseconds(switchyard.pid, source);
    const send = (amount: number) =>
      autocannon({ url: switchyard.url + benchCase.path, method: 'POST', headers: benchCase.headers, body, connections: 10, amount, idReplacement: body.includes(uniqueMarker) });
    // A warm-up as the bench's process has had: several seconds of this load, in runs.
    for (let run = 0; run < 6; run++) await send(3000);
    await sleep(settleMs);
    const totals = lengths.map(() => ({ runNanoseconds: 0, settleNanoseconds: 0, requests: 0, runs: 0 }));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const which of order) {
        const start = cpu();
        const result = await send(lengths[which]!);
        const ran = cpu();
        await sleep(settleMs);
        const settled = cpu();
        const total = totals[which]!;
        total.runNanoseconds += ran - start;
        total.settleNanoseconds += settled - ran;
        total.requests += result.requests.total;
        total.runs += 1;
      }
    }
    process.stdout.write(`${benchCase.name}, ${process.env.BENCH_SIDE === 'on' ? 'cache on' : 'cache off'}, ${rounds} runs of each length, load ${os.loadavg()[0]!.toFixed(2)}\n`);
    for (const [index, total] of totals.entries()) {
      const run = total.runNanoseconds / 1000 / total.requests;
      const settle = total.settleNanoseconds / 1e6 / total.runs;
      const charged = (total.runNanoseconds + total.settleNanoseconds) / 1000 / total.requests;
      process.stdout.write(`  ${String(lengths[index]).padStart(6)} requests a run: ${run.toFixed(1)} µs a request in the run, settle ${settle.toFixed(1)} ms a run, charged ${charged.toFixed(1)} µs a request\n`);
    }
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(main);
