/**
 * The raw-byte redaction prefilter (`proxy/privacy/raw-prefilter.ts`) alone, in process, on the
 * bench's 50 KB bodies with nothing to find: prose (the Claude Code-shaped prompt) and a source
 * file in a tool result (what makes the prefilter look closer).
 *
 *   node --import tsx bench/prefilter-microbench.ts [calls]      CPU per call of each body
 *   node bench/prefilter-microbench.ts --callgrind [calls]       instructions per call, by valgrind
 *
 * `--callgrind` bundles this file, runs it under callgrind twice (no calls, then `calls` calls
 * of each body after the same warm-up) and divides the difference: instructions hardly move with
 * the machine's load, CPU time does. WebAssembly is compiled by Liftoff only, as in the proxy
 * (proxy/main.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { anthropicBody, sourceCode } from './payloads';
import { RawPrefilter } from '../proxy/privacy/raw-prefilter';
import { detectorNames } from '../proxy/privacy/scanner';

setFlagsFromString('--liftoff-only');

/** The bench's 50 KB redaction bodies (bench/redaction.ts, bench/cases.ts). */
function bodies(): Array<[name: string, bytes: Buffer]> {
  const body = JSON.parse(anthropicBody('claude-sonnet-4-5', '80k', false)) as { messages: unknown[]; tools?: unknown[] };
  while (JSON.stringify(body).length > 51_200 && body.messages.length > 1) body.messages.pop();
  while (JSON.stringify(body).length > 51_200 && (body.tools?.length ?? 0) > 0) body.tools!.pop();
  const sourceFile = JSON.stringify({ model: 'bench', messages: [{ role: 'tool', tool_call_id: 'call_1', content: sourceCode(50_000, 17) }] });
  return [
    ['prose', Buffer.from(JSON.stringify(body))],
    ['source code', Buffer.from(sourceFile)],
  ];
}

function inProcess(calls: number, only: string | undefined): void {
  const prefilter = new RawPrefilter([...detectorNames]);
  for (const [name, bytes] of bodies()) {
    if (only !== undefined && name !== only) continue;
    if (prefilter.mayFind(bytes)) throw new Error(`the prefilter should clear the ${name} body`);
    for (let index = 0; index < 500; index += 1) prefilter.mayFind(bytes);
    if (only !== undefined && calls === 0) continue;
    const before = process.cpuUsage();
    for (let index = 0; index < calls; index += 1) prefilter.mayFind(bytes);
    const used = process.cpuUsage(before);
    if (only === undefined) console.log(`${name}, ${bytes.length} B: ${((used.user + used.system) / calls).toFixed(1)} µs per call`);
  }
}

function instructions(script: string, calls: number, only: string): number {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'prefilter-callgrind-'));
  try {
    execFileSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${path.join(directory, 'out.%p')}`, process.execPath, script, '--run', String(calls), only], { stdio: ['ignore', 'ignore', 'pipe'] });
    let total = 0;
    for (const file of readdirSync(directory)) {
      const summary = /^summary: (\d+)/m.exec(readFileSync(path.join(directory, file), 'utf8'));
      if (summary !== null) total += Number(summary[1]);
    }
    return total;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function underCallgrind(calls: number): Promise<void> {
  // Loaded here: the bundle that runs under valgrind leaves esbuild out.
  const { buildSync } = await import('esbuild');
  const directory = mkdtempSync(path.join(os.tmpdir(), 'prefilter-bundle-'));
  const script = path.join(directory, 'prefilter-microbench.js');
  buildSync({ entryPoints: [__filename], outfile: script, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', external: ['esbuild'] });
  for (const name of ['prose', 'source code']) {
    const base = instructions(script, 0, name);
    const measured = instructions(script, calls, name);
    console.log(`${name}: ${((measured - base) / calls / 1e6).toFixed(3)} M instructions per call (${calls} calls)`);
  }
  rmSync(directory, { recursive: true, force: true });
}

const argv = process.argv.slice(2);
if (argv[0] === '--run') inProcess(Number(argv[1]), argv[2]);
else if (argv[0] === '--callgrind') void underCallgrind(Number(argv[1] ?? 200));
else inProcess(Number(argv[0] ?? 5000), undefined);
