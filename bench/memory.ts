/**
 * `npm run bench -- --memory`: Switchyard's memory beside the floor's (the buffered
 * undici.stream forwarder): resident memory idle after a warm-up, while holding 1,000
 * concurrent streams (every one must arrive whole), idle again after them, and over one
 * 10,000-chunk stream (it must stay flat: a proxy that keeps what it relayed grows with it).
 *
 * Memory is VmRSS from /proc of the proxy's whole process tree. Targets (issue 13): idle RSS
 * under 80 MB, 1,000 streams held, RSS flat over a 10,000-chunk stream. Reported, not asserted.
 * Beside idle RSS, the tree's private memory (Private_Clean + Private_Dirty of smaps_rollup):
 * RSS also counts the pages of the node binary a process has touched, which every Node process
 * on the machine shares and which moved the floor's idle RSS by 10 MB between two runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { Agent, request } from 'undici';
import { startChildService, type ChildService } from './child-service';
import { anthropicBody } from './payloads';
import { processTree } from './process-cpu';
import { startSwitchyard } from './switchyard-service';

const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench-0000', 'anthropic-version': '2023-06-01' };
export const idleRssTargetMegabytes = 80;
const concurrentStreams = 1000;
/** Each held stream: this many text deltas, this far apart (about 2 s a stream). */
const heldChunks = 100;
const heldGapMs = 20;
const longChunks = 10_000;

/** The sum over a process and its descendants of what `pattern` reads in `file`, megabytes. */
function treeMegabytes(pid: number, file: string, pattern: RegExp): number {
  let kilobytes = 0;
  for (const member of processTree(pid)) {
    try {
      const text = readFileSync(`/proc/${member}/${file}`, 'utf8');
      for (const match of text.matchAll(pattern)) kilobytes += Number(match[1]);
    } catch {
      // Exited since the tree was read.
    }
  }
  return kilobytes / 1024;
}

/** Resident memory of a process and its descendants, megabytes. */
function rssMegabytes(pid: number): number {
  return treeMegabytes(pid, 'status', /^VmRSS:\s+(\d+)/gm);
}

/** Resident memory that is the tree's own (not shared with other processes), megabytes. */
function privateMegabytes(pid: number): number {
  return treeMegabytes(pid, 'smaps_rollup', /^Private_(?:Clean|Dirty):\s+(\d+)/gm);
}

/** An Anthropic streaming request the fake upstream answers with `chunks` deltas `gapMs` apart. */
function longStreamBody(chunks: number, gapMs: number): string {
  return JSON.stringify({ ...JSON.parse(anthropicBody('claude-sonnet-4-5', '1k', true)), metadata: { user_id: `bench-chunks-${chunks}-gap-${gapMs}` } });
}

/** Sends one stream and counts its text deltas as they arrive; `onProgress` sees the running count. */
async function countDeltas(dispatcher: Agent, url: string, body: string, onProgress?: (deltas: number) => void): Promise<number> {
  const reply = await request(`${url}/v1/messages`, { dispatcher, method: 'POST', headers, body });
  if (reply.statusCode !== 200) {
    await reply.body.text();
    return -1;
  }
  let deltas = 0;
  let carry = '';
  for await (const chunk of reply.body) {
    const text = carry + (chunk as Buffer).toString('latin1');
    let from = 0;
    for (let found = text.indexOf('"text_delta"', from); found !== -1; found = text.indexOf('"text_delta"', from)) {
      deltas++;
      from = found + 1;
    }
    // A marker split across two reads is counted in the next one.
    carry = text.slice(Math.max(from, text.length - 11));
    onProgress?.(deltas);
  }
  return deltas;
}

interface MemoryResult {
  idle: number;
  /** Of the idle RSS, the pages no other process shares. */
  idlePrivate: number;
  heldPeak: number;
  heldWhole: number;
  idleAfter: number;
  long: number[];
  longWhole: boolean;
}

async function measure(service: ChildService): Promise<MemoryResult> {
  const warm = new Agent({ connections: 4 });
  for (let index = 0; index < 20; index++) await countDeltas(warm, service.url, anthropicBody('claude-sonnet-4-5', '1k', true));
  await warm.close();
  await sleep(2000);
  const idle = rssMegabytes(service.pid);
  const idlePrivate = privateMegabytes(service.pid);

  const many = new Agent({ connections: concurrentStreams, keepAliveTimeout: 1000 });
  const body = longStreamBody(heldChunks, heldGapMs);
  let heldPeak = idle;
  const sampler = setInterval(() => (heldPeak = Math.max(heldPeak, rssMegabytes(service.pid))), 100);
  const counts = await Promise.all(Array.from({ length: concurrentStreams }, () => countDeltas(many, service.url, body).catch(() => -1)));
  clearInterval(sampler);
  await many.close();
  const heldWhole = counts.filter((count) => count === heldChunks).length;
  await sleep(3000);
  const idleAfter = rssMegabytes(service.pid);

  // RSS at every tenth of the long stream.
  const long: number[] = [];
  const single = new Agent({ connections: 1 });
  const deltas = await countDeltas(single, service.url, longStreamBody(longChunks, 0), (count) => {
    if (count >= ((long.length + 1) * longChunks) / 10) long.push(rssMegabytes(service.pid));
  });
  await single.close();
  return { idle, idlePrivate, heldPeak, heldWhole, idleAfter, long, longWhole: deltas === longChunks };
}

export async function memoryCheck(): Promise<number> {
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-memory-'));
  const services: ChildService[] = [];
  try {
    const bundle = (name: string): string => {
      const outfile = path.join(workDirectory, `${name}.js`);
      buildSync({ entryPoints: [path.join(__dirname, `${name}.ts`)], outfile, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
      return outfile;
    };
    const upstream = await startChildService('upstream', process.execPath, [bundle('fake-upstream'), '1']);
    services.push(upstream);
    const floor = await startChildService('floor', process.execPath, [bundle('floor-forwarder'), 'undici-stream', upstream.url]);
    services.push(floor);
    const switchyard = await startSwitchyard(upstream.url, workDirectory);
    if (switchyard === undefined) throw new Error('no Switchyard build: run npm run build first');
    services.push(switchyard);
    const lines = [
      '| target | idle RSS MB | of it private MB | peak RSS, 1,000 streams MB | streams whole | idle RSS after MB | RSS over a 10,000-chunk stream MB (10 % … 100 %) |',
      '|---|---:|---:|---:|---:|---:|---|',
    ];
    let failed = false;
    const results = new Map<string, MemoryResult>();
    for (const [name, service] of [['floor: buffered + undici.stream', floor], ['switchyard', switchyard]] as const) {
      process.stderr.write(`  ${name}: memory\n`);
      const result = await measure(service);
      results.set(name, result);
      if (result.heldWhole !== concurrentStreams || !result.longWhole) failed = true;
      const megabytes = (value: number): string => value.toFixed(1);
      lines.push(
        `| ${name} | ${megabytes(result.idle)} | ${megabytes(result.idlePrivate)} | ${megabytes(result.heldPeak)} | ${result.heldWhole}/${concurrentStreams} | ${megabytes(result.idleAfter)} | ` +
          `${result.long.map(megabytes).join(' ')}${result.longWhole ? '' : ' (stream cut)'} |`,
      );
    }
    const own = results.get('switchyard')!;
    const growth = own.long.length > 1 ? own.long[own.long.length - 1]! - own.long[0]! : Number.NaN;
    lines.push(
      '',
      `${own.idle < idleRssTargetMegabytes ? 'PASS' : 'FAIL'} Switchyard idle RSS ${own.idle.toFixed(1)} MB (target < ${idleRssTargetMegabytes} MB; after 1,000 streams ${own.idleAfter.toFixed(1)} MB)`,
      `${own.heldWhole === concurrentStreams ? 'PASS' : 'FAIL'} Switchyard held ${concurrentStreams} concurrent streams: ${own.heldWhole} arrived whole (${heldChunks} deltas each)`,
      `${Math.abs(growth) < 10 && own.longWhole ? 'PASS' : 'FAIL'} Switchyard RSS over a ${longChunks}-chunk stream: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB from 10 % to 100 % (flat: within 10 MB)`,
    );
    process.stdout.write(`\n${lines.join('\n')}\n`);
    return failed ? 1 : 0;
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

if (require.main === module) {
  memoryCheck().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
