/**
 * `node --import tsx bench/native-allocations.ts <target>… [--cases "<name>;<name>"] [--calls 3000] [--rounds 2]`:
 * what a call asks of the C allocator (glibc's malloc), by size, beside its minor page faults —
 * the memory outside the JavaScript heap that bench/allocations.ts does not see: Buffers and
 * ArrayBuffers (Node takes their bytes from malloc), the sockets' 64 KB read buffers, V8's and
 * libuv's own. A target is a build folder (a copy of `dist/`) or a floor (`floor:undici-stream`,
 * any mode of `floor-forwarder.ts`).
 *
 * Each target runs with a small preloaded library (`LD_PRELOAD`, compiled here with the system's
 * C compiler) that counts every `malloc`, `calloc` and `realloc` of every thread, and the bytes
 * asked for, by size class, into a file both processes map; the counts are read before and after
 * `--calls` calls (10 connections, after 3,000 of warm-up and 1.5 s idle, then 1.5 s idle again
 * so the request log's flush is in it), per round, targets interleaved. Faults are the process's
 * minor page faults (`/proc/<pid>/stat`) over the same window: a large block malloc has given
 * back to the kernel (trimmed, or unmapped) is faulted in again when it is next used.
 *
 * Counts, not time: the shim costs a few nanoseconds a call, the same on both sides.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { parseBuildTarget } from './build-target';
import { buildCases, type BenchCase } from './cases';
import { uniqueMarker } from './payloads';
import { startChildService, startFakeUpstream, type ChildService } from './child-service';
import { runMain } from './run-main';
import { startSwitchyard } from './switchyard-service';

/** Size classes, in bytes: a request's small objects, the pool's pieces, the 64 KB reads, an 80 KB body, larger. */
const classes = [
  { name: '< 4 KB', below: 4096 },
  { name: '4–32 KB', below: 32_768 },
  { name: '32–64 KB', below: 65_536 },
  { name: '64–128 KB', below: 131_072 },
  { name: '128 KB–1 MB', below: 1_048_576 },
  { name: '≥ 1 MB', below: Number.POSITIVE_INFINITY },
] as const;
const kinds = ['malloc', 'calloc', 'realloc'] as const;

const shimSource = `
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
#define CLASSES ${classes.length}
static volatile uint64_t *counters;
static int class_of(size_t n) {
  ${classes.slice(0, -1).map((size, index) => `if (n < ${size.below}) return ${index};`).join(' ')}
  return ${classes.length - 1};
}
static void count(int kind, size_t n) {
  volatile uint64_t *c = counters;
  if (!c) return;
  int at = (kind * CLASSES + class_of(n)) * 2;
  __atomic_fetch_add(&c[at], 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&c[at + 1], n, __ATOMIC_RELAXED);
}
__attribute__((constructor)) static void open_counters(void) {
  const char *path = getenv("SWITCHYARD_BENCH_MALLOC_FILE");
  if (!path) return;
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  if (ftruncate(fd, 4096) != 0) { close(fd); return; }
  void *mapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (mapped != MAP_FAILED) counters = mapped;
}
void *malloc(size_t n) { count(0, n); return __libc_malloc(n); }
void *calloc(size_t items, size_t size) { count(1, items * size); return __libc_calloc(items, size); }
void *realloc(void *pointer, size_t n) { count(2, n); return __libc_realloc(pointer, n); }
`;

interface Target {
  label: string;
  service: ChildService;
  countersFile: string;
  body: string;
  /** Per kind and class: [calls, bytes] summed over the rounds. */
  totals: Float64Array;
  faults: number;
  calls: number;
}

function readCounters(file: string): Float64Array {
  const bytes = readFileSync(file);
  const values = new Float64Array(kinds.length * classes.length * 2);
  for (let index = 0; index < values.length; index++) values[index] = Number(bytes.readBigUInt64LE(index * 8));
  return values;
}

function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

async function start(target: string, index: number, upstream: string, workDirectory: string, shim: string, benchCase: BenchCase): Promise<Target> {
  const countersFile = path.join(workDirectory, `counters-${index}.bin`);
  const env = { SWITCHYARD_BENCH_MALLOC_FILE: countersFile, LD_PRELOAD: shim };
  const floor = target.startsWith('floor:') ? target.slice('floor:'.length) : undefined;
  let service: ChildService | undefined;
  if (floor !== undefined) {
    const script = path.join(workDirectory, 'floor-forwarder.js');
    if (!existsSync(script)) buildSync({ entryPoints: [path.join(__dirname, 'floor-forwarder.ts')], outfile: script, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
    service = await startChildService(target, process.execPath, [script, floor, upstream], { ...process.env, ...env });
  } else {
    service = await startSwitchyard(upstream, workDirectory, undefined, path.resolve(parseBuildTarget(target).folder, 'proxy.js'), `switchyard-${index}`, {}, env);
  }
  if (service === undefined) throw new Error(`no proxy.js in ${target}`);
  const body = floor === undefined && parseBuildTarget(target).role !== 'off' ? benchCase.body : benchCase.floorBody;
  return { label: target, service, countersFile, body, totals: new Float64Array(kinds.length * classes.length * 2), faults: 0, calls: 0 };
}

function send(target: Target, benchCase: BenchCase, amount: number): Promise<autocannon.Result> {
  return autocannon({ url: target.service.url + benchCase.path, method: 'POST', headers: benchCase.headers, body: target.body, connections: 10, amount, idReplacement: target.body.includes(uniqueMarker) });
}

function report(target: Target): void {
  const perCall = (value: number): string => (value / target.calls).toFixed(value / target.calls < 10 ? 2 : 0);
  process.stdout.write(`  ${target.label}: ${perCall(target.faults)} minor faults a call\n`);
  for (const [kindIndex, kind] of kinds.entries()) {
    for (const [classIndex, size] of classes.entries()) {
      const at = (kindIndex * classes.length + classIndex) * 2;
      if (target.totals[at]! / target.calls < 0.005) continue;
      process.stdout.write(`    ${kind.padEnd(8)} ${size.name.padEnd(12)} ${perCall(target.totals[at]!).padStart(8)} calls  ${perCall(target.totals[at + 1]!).padStart(9)} bytes a call\n`);
    }
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { cases: { type: 'string', default: 'OpenAI → OpenAI 80 KB json' }, calls: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '2' } },
  });
  if (positionals.length === 0) throw new Error('usage: bench/native-allocations.ts <build folder | floor:MODE>… [--cases "<name>;<name>"] [--calls N] [--rounds N]');
  const calls = Number(values.calls);
  const rounds = Number(values.rounds);
  const names = values.cases.split(';').map((part) => part.trim());
  const cases = buildCases().filter((candidate) => names.includes(candidate.name));
  if (cases.length === 0) throw new Error(`no case is named ${values.cases}`);
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-native-allocations-'));
  const shim = path.join(workDirectory, 'malloc-count.so');
  writeFileSync(path.join(workDirectory, 'malloc-count.c'), shimSource);
  execFileSync('cc', ['-O2', '-shared', '-fPIC', '-o', shim, path.join(workDirectory, 'malloc-count.c')]);
  const upstream = await startFakeUpstream(workDirectory);
  try {
    for (const benchCase of cases) {
      const targets: Target[] = [];
      try {
        for (const [index, label] of positionals.entries()) targets.push(await start(label, index, upstream.url, workDirectory, shim, benchCase));
        for (const target of targets) await send(target, benchCase, 3000);
        await sleep(1500);
        for (let round = 0; round < rounds; round++) {
          // A B, then B A: neither side always runs right after the other's load.
          for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
            const before = readCounters(target.countersFile);
            const faultsBefore = minorFaults(target.service.pid);
            const result = await send(target, benchCase, calls);
            await sleep(1500);
            if (result.errors + result.non2xx > 0) throw new Error(`${target.label}: ${result.errors} errors, ${result.non2xx} non-2xx`);
            const after = readCounters(target.countersFile);
            for (let index = 0; index < after.length; index++) target.totals[index]! += after[index]! - before[index]!;
            target.faults += minorFaults(target.service.pid) - faultsBefore;
            target.calls += result.requests.total;
          }
        }
        process.stdout.write(`${benchCase.name}, ${calls} calls × ${rounds} rounds after 3,000, load ${os.loadavg()[0]!.toFixed(2)}\n`);
        for (const target of targets) report(target);
      } finally {
        for (const target of targets) await target.service.stop();
      }
    }
  } finally {
    await upstream.stop();
    rmSync(workDirectory, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

if (require.main === module) runMain(main);
