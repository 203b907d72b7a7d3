/**
 * `node --import tsx bench/syscalls.ts <build folder | floor:MODE>… [--cases <name>] [--calls N]`:
 * system calls per call, counted by `strace -f -c` over the proxy's process, after a warm-up.
 * `governed:<folder>` is the bench's governed Switchyard, sent the case under its named key;
 * `off:<folder>` that build sent the request without its route (a cache case: the cache off).
 * CPU per request counts the kernel's time as well as the instructions callgrind sees; a
 * proxy that writes in more pieces than the floor pays for it there.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { parseBuildTarget } from './build-target';
import { buildCases } from './cases';
import { uniqueMarker } from './payloads';
import { startChildService } from './child-service';
import { startGovernedSwitchyard, startSwitchyard } from './switchyard-service';

const root = path.resolve(__dirname, '..');

function bundle(name: string, workDirectory: string): string {
  const outfile = path.join(workDirectory, `${name}.js`);
  buildSync({ entryPoints: [path.join(root, 'bench', `${name}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  return outfile;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { cases: { type: 'string', default: 'OpenAI → OpenAI 1 KB json' }, calls: { type: 'string', default: '3000' } } });
  const calls = Number(values.calls);
  const cases = buildCases().filter((benchCase) => values.cases.split(';').map((part) => part.trim()).includes(benchCase.name));
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-syscalls-'));
  const upstream = await startChildService('upstream', process.execPath, [bundle('fake-upstream', workDirectory), '1']);
  const floorScript = bundle('floor-forwarder', workDirectory);
  try {
    for (const benchCase of cases) {
      for (const target of positionals) {
        const floor = target.startsWith('floor:') ? target.slice('floor:'.length) : undefined;
        const { folder, role } = parseBuildTarget(target);
        const governed = role === 'governed' ? folder : undefined;
        const started =
          floor !== undefined
            ? { service: await startChildService(target, process.execPath, [floorScript, floor, upstream.url]), key: undefined }
            : governed !== undefined
              ? await startGovernedSwitchyard(upstream.url, workDirectory, path.resolve(governed, 'proxy.js'), `governed-${path.basename(governed)}`)
              : { service: await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(folder, 'proxy.js'), `switchyard-${path.basename(folder)}`), key: undefined };
        const service = started?.service;
        if (service === undefined) throw new Error(`no proxy.js in ${target}`);
        // `off:<folder>` is sent the request without its route (a cache case: the cache off), as a floor is.
        const body = floor === undefined && role !== 'off' ? benchCase.body : benchCase.floorBody;
        const headers = started?.key === undefined ? benchCase.headers : { ...benchCase.headers, authorization: `Bearer ${started.key}` };
        const run = (amount: number) => autocannon({ url: service.url + benchCase.path, method: 'POST', headers, body, connections: 10, amount, timeout: 60, idReplacement: body.includes(uniqueMarker) });
        try {
          await run(3000);
          const output = path.join(workDirectory, `strace-${service.pid}.txt`);
          const strace = spawn('strace', ['-f', '-c', '-o', output, '-p', String(service.pid)], { stdio: 'ignore' });
          await sleep(1000);
          await run(calls);
          await sleep(1500);
          strace.kill('SIGINT');
          await new Promise((resolve) => strace.once('exit', resolve));
          process.stdout.write(`${benchCase.name} | ${target} | system calls per call, and µs per call inside them (strace's own clock, inflated by tracing)\n`);
          for (const line of readFileSync(output, 'utf8').split('\n')) {
            const match = /^\s*[\d.]+\s+([\d.]+)\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\S+)$/.exec(line);
            if (match !== null) process.stdout.write(`  ${(Number(match[2]) / calls).toFixed(3).padStart(8)}  ${((Number(match[1]) * 1e6) / calls).toFixed(2).padStart(8)} µs  ${match[3]}\n`);
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

main().then(() => process.exit(0), (error: Error) => { process.stderr.write(`${error.stack ?? error.message}\n`); process.exit(1); });
