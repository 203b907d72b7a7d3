/**
 * `node --import tsx bench/heap-snapshot.ts <target>… [--case <case>] [--calls N] [--again M] [--during]`: what holds
 * a proxy's JavaScript heap as the bench runs it. Each target (a build folder holding proxy.js,
 * `cache:<folder>` sent the case's cache-miss variant, `mixed:<folder>` first sent 300 calls of
 * every case the full bench's plain Switchyard serves — plain, routed, raced, cache miss and hit —
 * as that process has before a case is measured, or `floor:<mode>`, a floor forwarder of
 * bench/floor-forwarder.ts) is started with `--heapsnapshot-signal=SIGUSR2`, sent the case
 * (default "OpenAI → OpenAI 80 KB json") N times (default 3,000; 16 connections, as the bench),
 * then a snapshot is taken after 1.1 s idle (V8 collects everything it can before writing one:
 * what is left is live) and summarised by bench/heap-summary.ts: self size by type and
 * constructor, the largest strings, the largest holders by retained size. The snapshots stay in
 * the printed folder for DevTools (Memory tab, Load). `--again M` sends M more calls to the same
 * process and takes a second snapshot: whatever grows with calls shows as the difference.
 * `--during` takes each snapshot 1 s into the calls instead, with calls in flight.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { buildCases } from './cases';
import { startChildService, startFakeUpstream, type ChildService } from './child-service';
import { formatHeapSummary, summariseHeapSnapshot } from './heap-summary';
import { uniqueMarker } from './payloads';
import { runMain } from './run-main';
import { startSwitchyard } from './switchyard-service';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1]!;
}

/** Waits until a new snapshot in `folder` stops growing, and returns its path. */
async function awaitSnapshot(folder: string, known: Set<string>): Promise<string> {
  for (let attempt = 0; attempt < 600; attempt++) {
    await sleep(250);
    const fresh = readdirSync(folder).filter((file) => file.endsWith('.heapsnapshot') && !known.has(file));
    if (fresh.length === 0) continue;
    const file = path.join(folder, fresh[0]!);
    const size = statSync(file).size;
    await sleep(1000);
    if (size > 0 && statSync(file).size === size) {
      known.add(fresh[0]!);
      return file;
    }
  }
  throw new Error(`no heap snapshot appeared in ${folder}`);
}

async function main(): Promise<void> {
  const caseText = option('--case', 'OpenAI → OpenAI 80 KB json');
  const calls = Number(option('--calls', '3000'));
  const again = Number(option('--again', '0'));
  // --during: the snapshot is taken 1 s into the calls, with 16 calls in flight: what holds a
  // call's buffers while it runs.
  const during = process.argv.includes('--during');
  const targets = process.argv.slice(2).filter((argument, index, all) => !argument.startsWith('--') && !(all[index - 1]?.startsWith('--') && all[index - 1] !== '--during'));
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-heap-'));
  process.stdout.write(`snapshots in ${workDirectory}\n`);
  const upstream = await startFakeUpstream(workDirectory);
  const known = new Set<string>();
  try {
    for (const target of targets) {
      const floor = target.startsWith('floor:') ? target.slice('floor:'.length) : undefined;
      const cached = target.startsWith('cache:');
      const mixed = target.startsWith('mixed:');
      const folder = cached || mixed ? target.slice(target.indexOf(':') + 1) : target;
      const cases = buildCases();
      const wanted = cached ? `${caseText}, cache miss` : caseText;
      const benchCase = cases.find((candidate) => candidate.name.toLowerCase().startsWith(wanted.toLowerCase()) && (cached || !candidate.name.includes(',')));
      if (benchCase === undefined) throw new Error(`no case matches ${wanted}`);
      const flags = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${workDirectory}`];
      let service: ChildService | undefined;
      if (floor !== undefined) {
        const script = path.join(workDirectory, 'floor-forwarder.js');
        buildSync({ entryPoints: [path.join(__dirname, 'floor-forwarder.ts')], outfile: script, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
        service = await startChildService(`floor-${floor}`, process.execPath, [...flags, script, floor, upstream.url]);
      } else {
        const saved = process.env.BENCH_NODE_FLAGS;
        process.env.BENCH_NODE_FLAGS = [saved ?? '', ...flags].join(' ');
        service = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(folder, 'proxy.js'), `switchyard-${known.size}`);
        if (saved === undefined) delete process.env.BENCH_NODE_FLAGS;
        else process.env.BENCH_NODE_FLAGS = saved;
      }
      if (service === undefined) throw new Error(`no proxy.js in ${folder}`);
      try {
        const body = floor !== undefined ? benchCase.floorBody : benchCase.body;
        let sent = 0;
        if (mixed) {
          for (const other of cases) {
            if (other === benchCase || other.governed !== undefined || other.team !== undefined || other.redaction !== undefined) continue;
            // BENCH_MIXED: only the cases whose names hold it (finding which case leaves something).
            if (process.env.BENCH_MIXED !== undefined && !other.name.includes(process.env.BENCH_MIXED)) continue;
            const otherBody = other.body;
            await autocannon({ url: service.url + other.path, method: 'POST', headers: other.headers, body: otherBody, connections: 16, amount: 300, idReplacement: otherBody.includes(uniqueMarker) });
          }
        }
        for (const amount of again > 0 ? [calls, again] : [calls]) {
          const load = autocannon({
            url: service.url + benchCase.path,
            method: 'POST',
            headers: benchCase.headers,
            body,
            connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
            amount,
            idReplacement: body.includes(uniqueMarker),
          });
          let file: string | undefined;
          if (during) {
            await sleep(1000);
            process.kill(service.pid, 'SIGUSR2');
            file = await awaitSnapshot(workDirectory, known);
          }
          const result = await load;
          // During: the calls in flight while V8 writes the snapshot (seconds) may time out.
          if (result.errors + result.non2xx > 0 && !during) throw new Error(`${target}: ${result.errors} errors, ${result.non2xx} non-2xx`);
          sent += amount;
          if (file === undefined) {
            await sleep(1100);
            process.kill(service.pid, 'SIGUSR2');
            file = await awaitSnapshot(workDirectory, known);
          }
          process.stdout.write(`\n== ${target} (${benchCase.name}, ${during ? 'during' : 'after'} ${sent} calls): ${path.basename(file)}\n`);
          process.stdout.write(formatHeapSummary(summariseHeapSnapshot(file)));
        }
        // What the process reported: a case that failed inside it shows here, not as a non-2xx.
        const reported = service.recentOutput().split('\n').filter((line) => /error|warning/i.test(line));
        if (reported.length > 0) process.stdout.write(`\nits last errors and warnings:\n${reported.join('\n')}\n`);
      } finally {
        await service.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
}

runMain(main);
