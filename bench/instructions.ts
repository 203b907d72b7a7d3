/**
 * `node --import tsx bench/instructions.ts <target>… [--cases <parts>] [--calls N] [--warm-up N]`:
 * machine instructions per call, counted by valgrind (callgrind), for builds of Switchyard
 * (folders holding a proxy.js and its wasm, e.g. copies of dist/) and the floor forwarders
 * (`floor:undici-stream`, `floor:undici-request`, `floor:node-http`, `floor:piped`), and `off:<folder>`: that
 * build sent the case's request without its route (for a cache case: the cache off). A body
 * with the cache cases' unique marker is made a new question on every call. `redact:<folder>`
 * runs that build with `redaction.mode` `redact` (the redaction cases' other side).
 *
 * CPU time per request moves ±10–30 % with the machine's load; an instruction count hardly
 * moves, so a change of a few percent shows on a machine busy with other people's builds. Each
 * target runs alone under valgrind (instrumentation off), is warmed up with `--warm-up` calls,
 * then instrumentation is switched on for exactly `--calls` calls (10 connections) and a settle
 * longer than the request log's one-second flush, and the count is read from callgrind's dump.
 * The first target is the reference for the ratios.
 *
 * What it does not show: time spent waiting (latency), and costs that are not instructions
 * (cache misses, syscalls' time in the kernel — only the user-space instructions around them).
 * Valgrind runs threads one at a time, so a worker thread's instructions are counted like the
 * main thread's. Numbers are for comparing builds in one run, not for absolute claims.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { buildCases, type BenchCase } from './cases';
import { uniqueMarker } from './payloads';
import { startChildService, type ChildService } from './child-service';
import { startSwitchyard } from './switchyard-service';

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

/** The `Ir` total of the newest callgrind dump written for `pid`. */
function dumpedInstructions(directory: string, pid: number): number {
  const dumps = readdirSync(directory).filter((file) => file.startsWith(`callgrind.${pid}`)).sort();
  const text = readFileSync(path.join(directory, dumps[dumps.length - 1]!), 'utf8');
  const totals = /^(?:totals|summary): (\d+)/m.exec(text);
  if (totals === null) throw new Error(`no totals in ${dumps[dumps.length - 1]}`);
  return Number(totals[1]);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { cases: { type: 'string', default: 'OpenAI → OpenAI 1 KB json' }, calls: { type: 'string', default: '2000' }, 'warm-up': { type: 'string', default: '1500' } },
  });
  if (positionals.length === 0) throw new Error('usage: bench/instructions.ts <build folder | floor:MODE>… [--cases parts] [--calls N] [--warm-up N]');
  const calls = Number(values.calls);
  const warmUp = Number(values['warm-up']);
  // A case named exactly runs alone (the default's name is part of the cache cases' names).
  // Names hold commas (`…, cache miss (unique requests)`): names are separated by `;`.
  const parts = values.cases.split(values.cases.includes(';') ? ';' : ',').map((part) => part.trim());
  const exact = buildCases().filter((benchCase) => benchCase.name === values.cases.trim());
  const named = exact.length > 0 ? exact : buildCases().filter((benchCase) => parts.includes(benchCase.name));
  const cases = (named.length > 0 ? named : buildCases(values.cases)).filter((benchCase) => benchCase.routing === undefined && benchCase.governed === undefined);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-instructions-'));
  const dumps = path.join(workDirectory, 'dumps');
  execFileSync('mkdir', ['-p', dumps]);
  const launcher = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${dumps}/callgrind.%p`];
  const upstream = await startChildService('upstream', process.execPath, [bundle('fake-upstream', workDirectory), '1']);
  const floorScript = bundle('floor-forwarder', workDirectory);
  try {
    for (const benchCase of cases) {
      let reference: number | undefined;
      for (const target of positionals) {
        const floor = target.startsWith('floor:') ? target.slice('floor:'.length) : undefined;
        // `off:<build>`: that build sent the case's request without its route (a cache case with the cache off).
        const unrouted = target.startsWith('off:');
        // `redact:<build>`: that build with redaction on (the redaction cases' other side).
        const redacting = target.startsWith('redact:');
        const build = unrouted ? target.slice('off:'.length) : redacting ? target.slice('redact:'.length) : target;
        const service =
          floor !== undefined
            ? await startChildService(target, launcher[0]!, [...launcher.slice(1), process.execPath, floorScript, floor, upstream.url], process.env, 180_000)
            : await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(build, 'proxy.js'), `switchyard-${path.basename(build)}`, redacting ? { redaction: { mode: 'redact' } } : {}, {}, launcher);
        if (service === undefined) throw new Error(`no proxy.js in ${build}`);
        try {
          const body = floor === undefined && !unrouted ? benchCase.body : benchCase.floorBody;
          const failedWarmUp = await send(service, benchCase, body, warmUp);
          await sleep(1500);
          execFileSync('callgrind_control', ['--instr=on', String(service.pid)], { stdio: 'ignore' });
          const failed = await send(service, benchCase, body, calls);
          // Past the request log's one-second flush: the records' writing is counted too.
          await sleep(1500);
          execFileSync('callgrind_control', ['--dump', String(service.pid)], { stdio: 'ignore' });
          const perCall = dumpedInstructions(dumps, service.pid) / calls;
          reference ??= perCall;
          process.stdout.write(
            `${benchCase.name} | ${target} | ${Math.round(perCall).toLocaleString('en-US')} instructions/call | ${(perCall / reference).toFixed(3)}×` +
              (failed + failedWarmUp > 0 ? ` | FAILED ${failed + failedWarmUp}` : '') +
              '\n',
          );
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
