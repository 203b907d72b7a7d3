/**
 * `node --import tsx bench/governed-rate.ts <build folder> [requests per second] [seconds]`: the
 * CPU a plain and a governed Switchyard (the bench's: 3 named keys, 5 budgets, rate limits) of
 * one build spend per second at a fixed, low request rate (autocannon `overallRate`, 4
 * connections), four rounds interleaved, from /proc (the process tree's utime + stime, 10 ms
 * ticks). At 2 requests a second what is left is each proxy's work per unit of time — timers,
 * store transactions — not per call: what governance costs a proxy that is not busy.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCases } from './cases';
import { startFakeUpstream } from './child-service';
import { startGovernedSwitchyard, startSwitchyard } from './switchyard-service';
import { processTree } from './process-cpu';
import { runMain } from './run-main';

/** CPU milliseconds of the process tree so far. */
function cpuMs(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return total;
}
async function main(): Promise<void> {
  const [build, rateText = '100', secondsText = '10'] = process.argv.slice(2);
  const [governedCase] = buildCases('governed');
  const work = mkdtempSync(path.join(os.tmpdir(), 'gov7-rate-'));
  const upstream = await startFakeUpstream(work);
  const plain = (await startSwitchyard(upstream.url, work, undefined, path.resolve(build!, 'proxy.js'), 'plain'))!;
  const governed = (await startGovernedSwitchyard(upstream.url, work, path.resolve(build!, 'proxy.js'), 'gov'))!;
  const headers = { ...governedCase!.headers, authorization: `Bearer ${governed.key}` };
  const sides = [['plain', plain], ['governed', governed.service]] as const;
  for (const [, service] of sides) await autocannon({ url: service.url + governedCase!.path, method: 'POST', headers, body: governedCase!.body, connections: 10, amount: 3000 });
  for (let round = 0; round < 4; round++) {
    // A B, then B A: a stretch of the host's noise lands on both.
    for (const [name, service] of round % 2 === 0 ? sides : [...sides].reverse()) {
      const before = cpuMs(service.pid);
      const result = await autocannon({ url: service.url + governedCase!.path, method: 'POST', headers, body: governedCase!.body, connections: 4, overallRate: Number(rateText), duration: Number(secondsText) });
      const used = cpuMs(service.pid) - before;
      console.log(`${name} round ${round}: ${result.requests.total} requests, ${used} ms CPU, ${((used * 1000) / result.requests.total).toFixed(0)} µs/request, ${(used / Number(secondsText)).toFixed(1)} ms CPU/s, non2xx ${result.non2xx}`);
    }
  }
  await plain.stop();
  await governed.service.stop();
  await upstream.stop();
}
runMain(main);
