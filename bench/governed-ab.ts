/**
 * `node --import tsx bench/governed-ab.ts [rounds] [seconds] [build folder...]`: the governed
 * case alone — each build (a folder holding proxy.js and its wasm, e.g. a copy of dist/; the
 * current build by default) served plain and with 3 named keys, 5 budgets and rate limits (the
 * governed Switchyard of `npm run bench`), every service's load run interleaved in a rotating
 * order each round, CPU of each proxy's process tree per request. Prints governed ÷ plain per
 * build (median of the per-round ratios, lowest–highest): what governance costs, without the
 * rest of the bench, and with two builds a before/after measured in the same minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { loadRun, median, type Side } from './ab';
import { buildCases } from './cases';
import { startFakeUpstream, type ChildService } from './child-service';
import { coreLayout } from './core-layout';
import { startGovernedSwitchyard, startSwitchyard } from './switchyard-service';
import { runMain } from './run-main';

interface Pair {
  build: string;
  plain: Side;
  governed: Side;
}

async function main(): Promise<void> {
  const [roundsText = '8', secondsText = '2', ...builds] = process.argv.slice(2);
  const rounds = Number(roundsText);
  const seconds = Number(secondsText);
  const [governedCase] = buildCases('governed');
  if (governedCase === undefined) throw new Error('no governed case in bench/cases.ts');
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-governed-ab-'));
  const services: ChildService[] = [];
  try {
    const upstream = await startFakeUpstream(workDirectory);
    services.push(upstream);
    const side = (name: 'A' | 'B', service: ChildService): Side => ({ name, service, dispatcher: new Agent({ connections: 1 }), rounds: [], latencyMs: [], firstByteMs: [], failures: 0 });
    const pairs: Pair[] = [];
    for (const [index, build] of (builds.length === 0 ? [undefined] : builds).entries()) {
      const entry = build === undefined ? undefined : path.resolve(build, 'proxy.js');
      const plain = await startSwitchyard(upstream.url, workDirectory, undefined, entry, `plain-${index}`);
      const governed = await startGovernedSwitchyard(upstream.url, workDirectory, entry, `governed-${index}`);
      if (plain === undefined || governed === undefined) throw new Error('no Switchyard build: npm run build first');
      services.push(plain, governed.service);
      pairs.push({ build: build ?? 'dist', plain: side('A', plain), governed: { ...side('B', governed.service), key: governed.key } as Side & { key: string } });
    }
    const key = (pairs[0]!.governed as Side & { key: string }).key;
    const caseFor = (current: Side): typeof governedCase => {
      // Every service gets a governed key; a plain one requires none and only labels it.
      const own = (current as Side & { key?: string }).key ?? key;
      return { ...governedCase, headers: { ...governedCase.headers, authorization: `Bearer ${own}` } };
    };
    const sides = pairs.flatMap((pair) => [pair.plain, pair.governed]);
    const layout = coreLayout(sides.map((current) => current.service.pid), [upstream.pid]);
    layout.separate();
    // Warm: the first seconds of a fresh process are compilation, not the steady cost.
    for (let warm = 0; warm < 2; warm++) for (const current of sides) await loadRun(current, caseFor(current), 2, false);
    for (let round = 0; round < rounds; round++) {
      const order = sides.map((_, index) => sides[(index + round) % sides.length]!);
      if (round % 2 === 1) order.reverse();
      for (const current of order) await loadRun(current, caseFor(current), seconds, true);
    }
    for (const pair of pairs) {
      const ratios = pair.plain.rounds.map((cpu, round) => pair.governed.rounds[round]! / cpu);
      const cpu = (current: Side): string => `${median(current.rounds).toFixed(0)} µs`;
      process.stdout.write(
        `${pair.build}: governed ÷ plain CPU/request ${median(ratios).toFixed(3)}× (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}; rounds ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')}); plain ${cpu(pair.plain)}, governed ${cpu(pair.governed)}` +
          (pair.plain.failures + pair.governed.failures > 0 ? `; FAILED requests: plain ${pair.plain.failures}, governed ${pair.governed.failures}` : '') +
          '\n',
      );
    }
    await Promise.all(sides.map((current) => current.dispatcher.close()));
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

runMain(main);
