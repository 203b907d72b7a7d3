/**
 * `node --import tsx bench/hit-tail.ts [<build>…] [--samples 300] [--runs 1] [--no-uncached] [--probe] [--strace] [--list]`:
 * where the slow samples of the 100 KB streamed cache hit (`OpenAI → OpenAI 1 KB stream, cache
 * hit, 100 KB answer`) spend their time. A build is a folder holding proxy.js (default `dist`),
 * optionally preceded by environment for its process: `SWITCHYARD_SQLITE_WRITER=thread@dist`.
 *
 * Starts the fake upstream and each build as the bench does (bench/switchyard-service.ts), stores
 * the answer with one request, with `--load <seconds>` puts the bench's load through each build
 * first (10 connections, hits and cache-off calls in alternate seconds, then a 1.1 s settle), then
 * sends `--samples` rounds one at a time, as the bench's
 * one-at-a-time phase does: direct (the fake upstream's 1 KB JSON answer, no proxy: the machine's
 * own latency floor at that moment, which a 100 KB stream fetched at 1 ms a delta is not), then
 * each build's hit and, unless
 * `--no-uncached`, the same request through the cache-off route (a 100 KB answer fetched, ~110 ms,
 * recorded in the request log), the builds' order alternating. Every reply is checked whole.
 * Per build and run: p50 / p99 / max of the whole reply and the first byte, direct's beside it.
 * Each sample slower than 5 ms is listed with what its proxy reported in that window:
 * - `--probe` preloads bench/loop-probe.cjs into each proxy: event-loop gaps of a 1 ms ticker
 *   and GC pauses, stamped on the wall clock;
 * - `--strace` attaches `strace -f -tt -T` (seccomp-filtered, so other syscalls run untraced) for
 *   fsync, fdatasync, ftruncate, mkdir and rmdir (a commit's waits; its pwrite64s are many and
 *   short, and tracing them slowed every commit), and lists those that overlap.
 * Each slow sample is counted under the first of these that overlapped it: a commit's syscall on
 * the main thread, on another thread, a GC pause, the loop busy, the loop waiting; `--list` prints
 * every slow sample with all that overlapped it.
 * Numbers depend on the machine's load; compare builds interleaved in one run, and read direct's
 * p99 as the machine's own floor at that moment.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { buildCases } from './cases';
import { startFakeUpstream, type ChildService } from './child-service';
import { checkReply } from './reply-check';
import { runMain } from './run-main';
import { startSwitchyard } from './switchyard-service';
import { timedRequest } from './timed-request';

const root = path.resolve(__dirname, '..');
const caseName = 'OpenAI → OpenAI 1 KB stream, cache hit, 100 KB answer';
/** A sample slower than this (the target's p99) is looked into. */
const slowMs = 5;

interface Sample {
  /** Wall clock (ms since the epoch) when the request was sent. */
  sentAt: number;
  firstByteMs: number;
  totalMs: number;
}

interface BuildTarget {
  label: string;
  folder: string;
  env: Record<string, string>;
  service?: ChildService;
  dispatcher: Agent;
  probeFile: string;
  straceFile: string;
  strace?: ChildProcess;
  hits: Sample[];
  failures: string[];
}

/**
 * What can hold a hit: a store commit's syscalls on the main thread (or on another thread), a
 * collection, the loop busy (the process used at least half the gap's time in CPU), or the loop
 * waiting (for a core, mostly: the machine's load).
 */
type Cause = 'commit on the main thread' | 'commit on another thread' | 'GC' | 'loop busy' | 'loop waiting';
const causes: Cause[] = ['commit on the main thread', 'commit on another thread', 'GC', 'loop busy', 'loop waiting'];

/** One line of the probe or of strace, on the wall clock. */
interface Event {
  startAt: number;
  endAt: number;
  text: string;
  cause: Cause;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1]!;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
}

function summary(samples: Sample[]): string {
  const totals = samples.map((sample) => sample.totalMs);
  const firsts = samples.map((sample) => sample.firstByteMs);
  const slow = totals.filter((total) => total > slowMs).length;
  return `p50 ${quantile(totals, 0.5).toFixed(2)}  p99 ${quantile(totals, 0.99).toFixed(2)}  max ${Math.max(...totals).toFixed(2)} ms  (first byte p50 ${quantile(firsts, 0.5).toFixed(2)}, p99 ${quantile(firsts, 0.99).toFixed(2)}); over ${slowMs} ms: ${slow} of ${samples.length}`;
}

function parseBuild(argument: string, index: number, workDirectory: string): BuildTarget {
  const at = argument.lastIndexOf('@');
  const folder = path.resolve(at === -1 ? argument : argument.slice(at + 1));
  const env: Record<string, string> = {};
  if (at !== -1) {
    for (const pair of argument.slice(0, at).split(',')) {
      const equals = pair.indexOf('=');
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  }
  return {
    label: `${String.fromCharCode(65 + index)} ${argument}`,
    folder,
    env,
    dispatcher: new Agent({ keepAliveTimeout: 60_000, connections: 1 }),
    probeFile: path.join(workDirectory, `probe-${index}.txt`),
    straceFile: path.join(workDirectory, `strace-${index}.txt`),
    hits: [],
    failures: [],
  };
}

/** The probe's lines as events on the wall clock. */
function probeEvents(file: string): Event[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const events: Event[] = [];
  for (const line of text.split('\n')) {
    const [kind, stamp, milliseconds, detail] = line.split(' ');
    if (stamp === undefined || milliseconds === undefined) continue;
    const at = Number(stamp);
    const duration = Number(milliseconds);
    if (kind === 'gap') {
      const cpu = Number(detail);
      events.push({ startAt: at - duration, endAt: at, text: `loop held ${duration.toFixed(1)} ms, process CPU ${cpu.toFixed(1)} ms`, cause: cpu >= duration / 2 ? 'loop busy' : 'loop waiting' });
    } else if (kind === 'gc') events.push({ startAt: at, endAt: at + duration, text: `GC ${detail} ${duration.toFixed(1)} ms`, cause: 'GC' });
  }
  return events;
}

/** strace's `-tt -T` lines (time of day, UTC on this machine) as events on the wall clock. */
function straceEvents(file: string, mainThread: number): Event[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const midnight = new Date();
  midnight.setUTCHours(0, 0, 0, 0);
  const events: Event[] = [];
  const pattern = /^(?:\[pid\s+)?(\d+)\]?\s+(\d\d):(\d\d):(\d\d\.\d+) (\w+)\((.*)\) += (-?\d+).*<([\d.]+)>$/;
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (match === null) continue;
    const [, thread, hours, minutes, seconds, call, callArguments, result, elapsed] = match;
    const startAt = midnight.getTime() + ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
    const duration = Number(elapsed) * 1000;
    const shortArguments = callArguments!.length > 40 ? `${callArguments!.slice(0, 40)}…` : callArguments;
    const cause: Cause = Number(thread) === mainThread ? 'commit on the main thread' : 'commit on another thread';
    events.push({ startAt, endAt: startAt + duration, text: `${call}(${shortArguments}) = ${result} ${duration.toFixed(2)} ms [thread ${thread}]`, cause });
  }
  return events;
}

async function main(): Promise<void> {
  const positional: string[] = [];
  for (let index = 2; index < process.argv.length; index++) {
    const argument = process.argv[index]!;
    if (argument === '--samples' || argument === '--runs' || argument === '--load') index++;
    else if (!argument.startsWith('--')) positional.push(argument);
  }
  if (positional.length === 0) positional.push(path.join(root, 'dist'));
  const samples = Number(option('--samples', '300'));
  const runs = Number(option('--runs', '1'));
  const uncached = !process.argv.includes('--no-uncached');
  const probe = process.argv.includes('--probe');
  const trace = process.argv.includes('--strace');
  const list = process.argv.includes('--list');
  const loadSeconds = Number(option('--load', '0'));
  const benchCase = buildCases(`=${caseName}`)[0];
  const directCase = buildCases('=OpenAI → OpenAI 1 KB json')[0];
  if (benchCase === undefined || directCase === undefined) throw new Error(`no case ${caseName}`);

  for (let run = 0; run < runs; run++) {
    const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-hit-tail-'));
    const services: ChildService[] = [];
    const builds = positional.map((argument, index) => parseBuild(argument, index, workDirectory));
    const direct = { dispatcher: new Agent({ keepAliveTimeout: 60_000, connections: 1 }), samples: [] as Sample[] };
    try {
      const upstream = await startFakeUpstream(workDirectory);
      services.push(upstream);
      for (const [index, build] of builds.entries()) {
        const probeEnv: Record<string, string> = probe ? { NODE_OPTIONS: `--require ${path.join(root, 'bench', 'loop-probe.cjs')}`, LOOP_PROBE_FILE: build.probeFile } : {};
        const service = await startSwitchyard(upstream.url, workDirectory, undefined, path.join(build.folder, 'proxy.js'), `switchyard-${index}`, {}, { ...probeEnv, ...build.env });
        if (service === undefined) throw new Error(`no proxy.js in ${build.folder}`);
        build.service = service;
        services.push(service);
        if (trace) {
          build.strace = spawn('strace', ['-f', '--seccomp-bpf', '-tt', '-T', '-e', 'trace=fsync,fdatasync,ftruncate,mkdir,rmdir', '-o', build.straceFile, '-p', String(service.pid)], { stdio: 'ignore' });
        }
      }
      if (trace) await new Promise((resolve) => setTimeout(resolve, 1000));
      const send = async (dispatcher: Agent, url: string, body: string, into: Sample[] | undefined, failures: string[], sent = benchCase): Promise<void> => {
        const sentAt = performance.timeOrigin + performance.now();
        try {
          const reply = await timedRequest(dispatcher, url + sent.path, sent.headers, body);
          const check = reply.status === 200 ? checkReply(sent.api, sent.stream, reply.body, sent.expectedEvents, true, sent.answer) : { ok: false, problem: `HTTP ${reply.status}` };
          if (!check.ok) failures.push(check.problem ?? 'incomplete reply');
          else into?.push({ sentAt, firstByteMs: reply.firstByteMs, totalMs: reply.totalMs });
        } catch (error) {
          failures.push((error as Error).message);
        }
      };
      // Stores the answer (and a few more, as the bench's warm-up would), then the rounds.
      for (const build of builds) for (let index = 0; index < 20; index++) await send(build.dispatcher, build.service!.url, benchCase.body, undefined, build.failures);
      // As the bench's load phase before its one-at-a-time phase: hits and cache-off calls from
      // 10 connections, alternating runs of a second, then its 1.1 s settle.
      for (let second = 0; second < loadSeconds; second++) {
        for (const build of builds) {
          const body = second % 2 === 0 ? benchCase.body : benchCase.floorBody;
          await autocannon({ url: build.service!.url + benchCase.path, method: 'POST', headers: benchCase.headers, body, connections: 10, duration: 1 });
        }
      }
      if (loadSeconds > 0) await new Promise((resolve) => setTimeout(resolve, 1100));
      const directFailures: string[] = [];
      process.stdout.write(`run ${run + 1}: load ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}; ${samples} rounds${uncached ? ' (each hit beside a cache-off call)' : ''}\n`);
      for (let index = 0; index < samples; index++) {
        await send(direct.dispatcher, upstream.url, directCase.floorBody, direct.samples, directFailures, directCase);
        const order = index % 2 === 0 ? builds : [...builds].reverse();
        for (const build of order) {
          await send(build.dispatcher, build.service!.url, benchCase.body, build.hits, build.failures);
          if (uncached) await send(build.dispatcher, build.service!.url, benchCase.floorBody, undefined, build.failures);
        }
      }
      process.stdout.write(`  direct   ${summary(direct.samples)}${directFailures.length > 0 ? `; FAILED ${directFailures.length}: ${directFailures[0]}` : ''}\n`);
      for (const build of builds) {
        process.stdout.write(`  ${build.label}  ${summary(build.hits)}${build.failures.length > 0 ? `; FAILED ${build.failures.length}: ${build.failures[0]}` : ''}\n`);
      }
      if (trace) {
        for (const build of builds) build.strace?.kill('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      for (const build of builds) {
        const events = [...probeEvents(build.probeFile), ...straceEvents(build.straceFile, build.service!.pid)].sort((left, right) => left.startAt - right.startAt);
        if (trace) {
          // Counted over every hit, slow or not: how often a commit ran while a hit was being answered.
          // A write's commit syncs and truncates; a read takes and drops the lock directory only.
          const commits = events.filter((event) => event.cause === 'commit on the main thread');
          const writing = commits.filter((event) => /^(fsync|fdatasync|ftruncate)\(/.test(event.text));
          const during = (sample: Sample, among: Event[]): boolean => among.some((event) => event.endAt >= sample.sentAt && event.startAt <= sample.sentAt + sample.totalMs);
          const overlapped = build.hits.filter((sample) => during(sample, commits));
          const written = overlapped.filter((sample) => during(sample, writing)).length;
          const spans = commits.filter((event) => event.text.startsWith('fsync')).length;
          process.stdout.write(`  ${build.label}: ${spans} fsyncs on the main thread; hits a main-thread lock overlapped: ${overlapped.length} of ${build.hits.length}, of them during a write (fsync, ftruncate): ${written}\n`);
          if (list) {
            for (const sample of overlapped) {
              process.stdout.write(`    ${new Date(sample.sentAt).toISOString().slice(11, 23)} total ${sample.totalMs.toFixed(2)} ms, first byte ${sample.firstByteMs.toFixed(2)} ms\n`);
              for (const event of commits) {
                if (event.endAt < sample.sentAt - 20 || event.startAt > sample.sentAt + sample.totalMs + 5) continue;
                process.stdout.write(`      ${(event.startAt - sample.sentAt).toFixed(2).padStart(7)} … ${(event.endAt - sample.sentAt).toFixed(2).padStart(7)}  ${event.text}\n`);
              }
            }
          }
        }
        const slow = build.hits.filter((sample) => sample.totalMs > slowMs);
        if (slow.length === 0 || (!probe && !trace)) continue;
        const tally = new Map<Cause | 'nothing seen', number>();
        if (list) process.stdout.write(`  ${build.label}: the slow samples and what overlapped them (times from the request's sending)\n`);
        for (const sample of slow) {
          if (list) process.stdout.write(`    ${new Date(sample.sentAt).toISOString().slice(11, 23)} total ${sample.totalMs.toFixed(2)} ms, first byte ${sample.firstByteMs.toFixed(2)} ms\n`);
          const endAt = sample.sentAt + sample.totalMs;
          const overlapping = events.filter((event) => event.endAt >= sample.sentAt - 2 && event.startAt <= endAt);
          if (list) for (const event of overlapping) process.stdout.write(`      ${(event.startAt - sample.sentAt).toFixed(2).padStart(7)} … ${(event.endAt - sample.sentAt).toFixed(2).padStart(7)}  ${event.text}\n`);
          // The first cause in this order that overlapped the sample is counted as its cause.
          const cause = causes.find((each) => overlapping.some((event) => event.cause === each)) ?? 'nothing seen';
          tally.set(cause, (tally.get(cause) ?? 0) + 1);
        }
        process.stdout.write(`  ${build.label}: slow samples by what overlapped them first — ${[...tally].map(([cause, count]) => `${cause} ${count}`).join(', ')}\n`);
      }
      const dump = path.join(os.tmpdir(), `hit-tail-${process.pid}-run${run + 1}.json`);
      writeFileSync(dump, JSON.stringify({ direct: direct.samples, builds: builds.map((build) => ({ label: build.label, hits: build.hits })) }));
      process.stdout.write(`  samples: ${dump}\n`);
    } finally {
      for (const build of builds) build.strace?.kill('SIGKILL');
      await Promise.all(services.map((service) => service.stop()));
      rmSync(workDirectory, { recursive: true, force: true });
    }
  }
}

runMain(main);
