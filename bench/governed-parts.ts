/**
 * `node --import tsx bench/governed-parts.ts [build folder] [calls] [rounds]`: which part of
 * governance costs the CPU. Five Switchyard processes of one build: plain, then named keys with
 * allow-lists alone, with the 5 budgets (and the keys' own), with rate limits, and with all of it
 * (the bench's governed Switchyard). Each round sends every process a burst of `calls` calls
 * (10 connections) in a rotating order, so each idles while the others run, as in the bench;
 * CPU of every thread of its process tree over the burst (schedstat) ÷ the calls, median of the
 * rounds, ÷ plain.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCases } from './cases';
import { startFakeUpstream, type ChildService } from './child-service';
import { benchBudgets, controlToken, startSwitchyard } from './switchyard-service';
import { processTree } from './process-cpu';
import { runMain } from './run-main';

/** CPU nanoseconds of every thread of the process tree so far. */
function cpuNs(pid: number): number {
  let total = 0;
  for (const process of processTree(pid)) {
    for (const thread of readdirSync(`/proc/${process}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${process}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread exited between the listing and the read.
      }
    }
  }
  return total;
}
/** A Switchyard with the three named keys (allow-lists always; budgets and rate limits as asked); resolves with bench-a's key. */
async function startVariant(upstream: string, work: string, entry: string, name: string, budgets: boolean, rate: boolean): Promise<{ service: ChildService; key: string }> {
  const service = (await startSwitchyard(upstream, work, undefined, entry, name, budgets ? { budgets: benchBudgets } : {}))!;
  let key = '';
  for (const keyName of ['bench-a', 'bench-b', 'bench-c']) {
    const body: Record<string, unknown> = { name: keyName, models: ['openai/*', 'anthropic/claude-*'] };
    if (budgets) body.budget = '1000/day';
    if (rate) Object.assign(body, { rpm: 10_000_000, tpm: 10_000_000_000 });
    const response = await fetch(`${service.url}/_switchyard/keys`, { method: 'POST', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = (await response.json()) as { key?: string };
    if (keyName === 'bench-a') key = created.key!;
  }
  return { service, key };
}
async function main(): Promise<void> {
  const [build = 'dist', callsText = '300', roundsText = '8'] = process.argv.slice(2);
  const entry = path.resolve(build, 'proxy.js');
  const [benchCase] = buildCases('governed');
  const work = mkdtempSync(path.join(os.tmpdir(), 'gov7-parts-'));
  const upstream = await startFakeUpstream(work);
  const sides: Array<{ name: string; service: ChildService; key: string; perCall: number[] }> = [];
  const plain = (await startSwitchyard(upstream.url, work, undefined, entry, 'plain'))!;
  sides.push({ name: 'plain', service: plain, key: 'sy-none', perCall: [] });
  for (const [name, budgets, rate] of [['keys+allow-list', false, false], ['+budgets', true, false], ['+rate limits', false, true], ['governed (all)', true, true]] as const) {
    const started = await startVariant(upstream.url, work, entry, name.replace(/\W/g, ''), budgets, rate);
    sides.push({ name, ...started, perCall: [] });
  }
  const fire = (side: (typeof sides)[number], amount: number): Promise<autocannon.Result> => autocannon({ url: side.service.url + benchCase!.path, method: 'POST', headers: { ...benchCase!.headers, authorization: `Bearer ${side.key}` }, body: benchCase!.body, connections: 10, amount });
  for (const side of sides) await fire(side, 5000);
  for (let round = 0; round < Number(roundsText); round++) {
    const order = sides.map((_, index) => sides[(index + round) % sides.length]!);
    for (const side of order) {
      const before = cpuNs(side.service.pid);
      const result = await fire(side, Number(callsText));
      side.perCall.push((cpuNs(side.service.pid) - before) / 1000 / result.requests.total);
    }
  }
  const median = (values: number[]): number => [...values].sort((first, second) => first - second)[Math.floor(values.length / 2)]!;
  const base = median(sides[0]!.perCall);
  for (const side of sides) console.log(`${side.name.padEnd(18)} ${median(side.perCall).toFixed(0).padStart(5)} µs/call  ${(median(side.perCall) / base).toFixed(2)}×  rounds ${side.perCall.map((v) => v.toFixed(0)).join(' ')}`);
  console.log(`load ${os.loadavg()[0]!.toFixed(1)}`);
  for (const side of sides) await side.service.stop();
  await upstream.stop();
}
runMain(main);
