/**
 * `node --import tsx bench/instructions.ts <target>… [--cases <parts>] [--calls N] [--warm-up N] [--functions N]`:
 * machine instructions per call, counted by valgrind (callgrind), for builds of Switchyard
 * (folders holding a proxy.js and its wasm, e.g. copies of dist/) and the floor forwarders
 * (`floor:undici-stream`, `floor:undici-request`, `floor:node-http`, `floor:piped`), and `off:<folder>`: that
 * build sent the case's request without its route (for a cache case: the cache off). A body
 * with the cache cases' unique marker is made a new question on every call. `redact:<folder>`
 * runs that build with `redaction.mode` `redact` (the redaction cases' other side).
 * `governed:<folder>` runs the bench's governed Switchyard under its named key, and with such a
 * target only the governed case is run (`off:<folder>` beside it: the plain one, same request).
 *
 * CPU time per request moves ±10–30 % with the machine's load; an instruction count hardly
 * moves, so a change of a few percent shows on a machine busy with other people's builds. Each
 * target runs alone under valgrind (instrumentation off), is warmed up with `--warm-up` calls,
 * then instrumentation is switched on for exactly `--calls` calls (10 connections) and a settle
 * longer than a request record's longest wait to be written (5.5 s, before and after), and the count is read from callgrind's dump.
 * The first target is the reference for the ratios. `--functions N` also prints each target's top
 * N functions by instructions per call, JavaScript ones named from V8's perf map
 * (callgrind-functions.ts): where the instructions go, not only how many; `--keep <folder>`
 * keeps each target's named main-thread dump there (for `callgrind_annotate --tree=both`).
 *
 * What it does not show: time spent waiting (latency), and costs that are not instructions
 * (cache misses, syscalls' time in the kernel — only the user-space instructions around them).
 * Valgrind runs threads one at a time, so a worker thread's instructions are counted like the
 * main thread's. Numbers are for comparing builds in one run, not for absolute claims.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { parseBuildTarget } from './build-target';
import { buildCases, caseMatches, type BenchCase } from './cases';
import { uniqueMarker } from './payloads';
import { startChildService, type ChildService } from './child-service';
import { startGovernedSwitchyard, startSwitchyard } from './switchyard-service';
import { nameCompiledFunctions, topFunctions } from './callgrind-functions';
import { defaultFlushIntervalMs } from '../proxy/store/batched-request-log';
import { longestWaitForMomentMs } from '../proxy/store/write-moments';

/**
 * The longest a request record waits to be written: due a flush interval after it is queued,
 * then up to the longest wait for a good moment (with no call in flight, the whole of it). A
 * settle of 1.5 s, as before the write moments, counted some of the warm-up's records in the
 * window and left some of the window's out, by chance: one build, OpenAI 1 KB JSON, main thread
 * 552,000 and 603,000 instructions a call; 6 s before and 1.5 s after (none of the warm-up's,
 * not all of the window's) 492,000 and 501,000; 5.5 s both sides (the window's records whole)
 * 532,000 and 578,000.
 */
const recordsWrittenWithinMs = defaultFlushIntervalMs + longestWaitForMomentMs + 500;

const root = path.resolve(__dirname, '..');

function bundle(name: string, workDirectory: string): string {
  const outfile = path.join(workDirectory, `${name}.js`);
  buildSync({ entryPoints: [path.join(root, 'bench', `${name}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  return outfile;
}

/** Requests sent so far, numbering the unique bodies of the cache-miss cases across runs. */
let sent = 0;

async function send(service: ChildService, benchCase: BenchCase, body: string, amount: number): Promise<number> {
  // A body with the unique marker is a new question on every request (the cache-miss cases).
  const unique = body.includes(uniqueMarker);
  const requests: autocannon.Request[] | undefined = unique ? [{ setupRequest: (request) => ({ ...request, body: body.replace(uniqueMarker, `call-${(sent += 1)}`) }) }] : undefined;
  const result = await autocannon({ url: service.url + benchCase.path, method: 'POST', headers: benchCase.headers, body, connections: 10, amount, timeout: 120, ...(requests === undefined ? {} : { requests }) });
  return result.errors + result.non2xx + result.timeouts;
}

/**
 * The newest dump written for `pid`, one file per thread (`--separate-threads`): the main
 * thread's (`-01`) and every thread's together. V8 compiles optimised code and marks the heap
 * on helper threads; the main thread's count leaves out TurboFan, whose work after a short
 * warm-up is still the tail of tiering up and moves ±20 % from run to run.
 */
function dumpedThreads(directory: string, pid: number): { main: string; all: string[] } {
  const files = readdirSync(directory).filter((file) => file.startsWith(`callgrind.${pid}`) && !file.endsWith('.named'));
  // `callgrind.<pid>.<dump>-<thread>`; the newest dump has the highest number.
  const dumpOf = (file: string): number => Number(/^callgrind\.\d+\.(\d+)-\d+$/.exec(file)?.[1] ?? 0);
  const newest = Math.max(...files.map(dumpOf));
  const all = files.filter((file) => dumpOf(file) === newest).map((file) => path.join(directory, file));
  const main = all.find((file) => file.endsWith('-01'));
  if (main === undefined) throw new Error(`no main-thread dump for ${pid} in ${directory}`);
  return { main, all };
}

/** The `Ir` total of a callgrind dump. */
function instructionsIn(dump: string): number {
  const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(dump, 'utf8'));
  if (totals === null) throw new Error(`no totals in ${dump}`);
  return Number(totals[1]);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      cases: { type: 'string', default: 'OpenAI → OpenAI 1 KB json' },
      calls: { type: 'string', default: '2000' },
      'warm-up': { type: 'string', default: '1500' },
      functions: { type: 'string' },
      keep: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new Error('usage: bench/instructions.ts <build folder | floor:MODE>… [--cases parts] [--calls N] [--warm-up N]');
  const calls = Number(values.calls);
  // `--functions N`: each target's top N functions by instructions per call (callgrind-functions.ts).
  const functions = values.functions === undefined ? undefined : Number(values.functions);
  const perfMapEnv: Record<string, string> = functions === undefined ? {} : { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --perf-basic-prof`.trim() };
  const warmUp = Number(values['warm-up']);
  // A case named exactly runs alone (the default's name is part of the cache cases' names).
  // Names hold commas (`…, cache miss (unique requests)`): names are separated by `;`.
  // `=<name>` parts match whole names, as BENCH_CASES's do.
  const parts = values.cases.split(values.cases.includes(';') ? ';' : ',').map((part) => part.trim());
  const exact = buildCases().filter((benchCase) => benchCase.name === values.cases.trim());
  const named = exact.length > 0 ? exact : buildCases().filter((benchCase) => parts.includes(benchCase.name));
  // The governed case only with a `governed:<folder>` target (and `off:<folder>`, the plain Switchyard sent the same request, as its reference).
  const governedTargets = positionals.some((target) => target.startsWith('governed:'));
  const matched = governedTargets && !named.some((benchCase) => benchCase.governed !== undefined) ? buildCases('governed') : named.length > 0 ? named : buildCases().filter((benchCase) => parts.some((part) => caseMatches(benchCase.name, part)));
  // A routed case only by its whole name: its `off:` side is the same request unrouted.
  const cases = matched.filter((benchCase) => (benchCase.routing === undefined || named.includes(benchCase)) && (benchCase.governed === undefined) !== governedTargets);
  if (cases.length === 0) throw new Error(`no case (without routing${governedTargets ? '' : ' or governance'}) matches --cases ${JSON.stringify(values.cases)}`);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-instructions-'));
  const dumps = path.join(workDirectory, 'dumps');
  execFileSync('mkdir', ['-p', dumps]);
  const launcher = ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${dumps}/callgrind.%p`];
  const upstream = await startChildService('upstream', process.execPath, [bundle('fake-upstream', workDirectory), '1']);
  const floorScript = bundle('floor-forwarder', workDirectory);
  try {
    for (const benchCase of cases) {
      let reference: number | undefined;
      let mainReference: number | undefined;
      for (const target of positionals) {
        const floor = target.startsWith('floor:') ? target.slice('floor:'.length) : undefined;
        const { folder: build, role } = parseBuildTarget(target);
        const unrouted = role === 'off';
        const redacting = role === 'redact';
        const governed = role === 'governed';
        let key: string | undefined;
        const service =
          floor !== undefined
            ? await startChildService(target, launcher[0]!, [...launcher.slice(1), process.execPath, floorScript, floor, upstream.url], { ...process.env, ...perfMapEnv }, 180_000)
            : governed
              ? await startGovernedSwitchyard(upstream.url, workDirectory, path.resolve(build, 'proxy.js'), `governed-${path.basename(build)}`, launcher, perfMapEnv).then((started) => {
                  key = started?.key;
                  return started?.service;
                })
              : await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(build, 'proxy.js'), `switchyard-${path.basename(build)}`, redacting ? { redaction: { mode: 'redact' } } : {}, perfMapEnv, launcher);
        if (service === undefined) throw new Error(`no proxy.js in ${build}`);
        try {
          const body = floor === undefined && !unrouted ? benchCase.body : benchCase.floorBody;
          const sent = key === undefined ? benchCase : { ...benchCase, headers: { ...benchCase.headers, authorization: `Bearer ${key}` } };
          // `mixed:`: the other plain cases first, so V8's feedback has seen every API and stream
          // mode, as in the full bench's Switchyard (each case a tenth of the warm-up, at least 100 calls).
          if (role === 'mixed') {
            for (const other of buildCases()) {
              if (other === benchCase || other.routing !== undefined || other.cache !== undefined || other.governed !== undefined || other.team !== undefined || other.redaction !== undefined) continue;
              await send(service, other, other.body, Math.max(100, Math.round(warmUp / 10)));
            }
          }
          const failedWarmUp = await send(service, sent, body, warmUp);
          // The warm-up's last records are written before counting starts, not inside the window.
          await sleep(recordsWrittenWithinMs);
          execFileSync('callgrind_control', ['--instr=on', String(service.pid)], { stdio: 'ignore' });
          const failed = await send(service, sent, body, calls);
          // Until the counted calls' records are written: their writing is counted too.
          await sleep(recordsWrittenWithinMs);
          execFileSync('callgrind_control', ['--dump', String(service.pid)], { stdio: 'ignore' });
          const threads = dumpedThreads(dumps, service.pid);
          const perCall = threads.all.reduce((sum, dump) => sum + instructionsIn(dump), 0) / calls;
          const mainPerCall = instructionsIn(threads.main) / calls;
          reference ??= perCall;
          mainReference ??= mainPerCall;
          process.stdout.write(
            `${benchCase.name} | ${target} | ${Math.round(perCall).toLocaleString('en-US')} instructions/call | ${(perCall / reference).toFixed(3)}×` +
              ` | main thread ${Math.round(mainPerCall).toLocaleString('en-US')} | ${(mainPerCall / mainReference).toFixed(3)}×` +
              (failed + failedWarmUp > 0 ? ` | FAILED ${failed + failedWarmUp}` : '') +
              '\n',
          );
          if (functions !== undefined) {
            const named = nameCompiledFunctions(threads.main, `/tmp/perf-${service.pid}.map`);
            process.stdout.write(`${benchCase.name} | ${target} | main thread\n${topFunctions(named, calls, functions).join('\n')}\n\n`);
            // `--keep <folder>`: the named main-thread dump, for callgrind_annotate --tree or KCachegrind.
            if (values.keep !== undefined) {
              mkdirSync(values.keep, { recursive: true });
              const kept = path.join(values.keep, `${role === 'plain' ? '' : `${role}-`}${path.basename(build)}-${cases.indexOf(benchCase)}.callgrind`);
              copyFileSync(named, kept);
              process.stdout.write(`kept ${kept}\n`);
            }
          }
        } finally {
          await service.stop();
        }
      }
    }
  } finally {
    await upstream.stop();
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
