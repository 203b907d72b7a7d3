/**
 * `node --import tsx bench/latency.ts [<build>…] [floor:<mode>…] [--cases "<part>,<part>"] [--calls 300] [--passes 3] [--samples <file>] [--stamps] [--schedule fixed]`:
 * unloaded latency and first byte only — the one-at-a-time phase of the bench, with more calls
 * and nothing else, for judging a change to the path before the first byte.
 *
 * Starts the fake upstream, direct (no proxy), the floors named (default `floor:undici-stream`)
 * and each Switchyard build (a folder holding proxy.js and its wasm, as for ab.ts; default
 * `dist`). Per case: a warm-up of every proxy (autocannon, 10 connections, `--warm-up` seconds,
 * then 50 calls one at a time), then `--passes` passes of `--calls` requests (streams: a third of
 * them) per target, one at a time on one keep-alive connection each, round-robin with the
 * proxies' order rotated every round and a direct call before every proxy call (so no proxy call
 * follows another proxy's). Prints per target the p50 of the whole reply and of the first
 * body byte, added over direct, and each proxy's p50s minus the first floor's — the bench's
 * verdicts — as the median over the passes with their lowest–highest. Every reply is checked
 * (every delta, and for passthrough streams every event). `--samples` writes every kept call's
 * whole and first-byte milliseconds as JSON (case → target → pass → calls, in the order sent), for
 * reading a shift of the p50 as a shift of the whole distribution or as a tail.
 *
 * `--schedule fixed` has the fake provider time each event from the stream's start rather than
 * from its previous write (`fake-upstream.ts`). `--stamps` (streams) splits every call's whole time
 * at the fake provider's stamps, one clock for all processes: the way in (sent → the request's
 * arrival at the provider), the provider's own time (arrival → its last write: the pacing) and the
 * way out (its last write → the client's last byte), and prints per target their medians over
 * every call, then each proxy's call minus the floor's call of the same round, median over the
 * rounds: for the whole call, and for the way in plus the way out — what a proxy adds with the
 * provider's pacing taken out.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { Agent } from 'undici';
import { buildCases, type BenchCase } from './cases';
import { startChildService, type ChildService } from './child-service';
import { floorModes, type FloorMode } from './floor-forwarder';
import { uniqueMarker } from './payloads';
import { readStamps, startStamping } from './provider-stamps';
import { checkReply } from './reply-check';
import { runMain } from './run-main';
import { startSwitchyard } from './switchyard-service';
import { timedRequest } from './timed-request';

const root = path.resolve(__dirname, '..');

interface LatencyTarget {
  name: string;
  service?: ChildService;
  url: string;
  /** Direct and the floors are sent the floor body (they cannot translate). */
  floor: boolean;
  dispatcher: Agent;
  latencyMs: number[];
  firstByteMs: number[];
  failures: string[];
}

/** One kept call, with the fake provider's stamps once they are read (`--stamps`). */
interface CallRecord {
  target: LatencyTarget;
  round: number;
  wholeMs: number;
  sentNs: number;
  firstByteNs: number;
  endedNs: number;
  arrivedNs?: number;
  firstWriteNs?: number;
  lastWriteNs?: number;
}

function bundle(name: string, workDirectory: string): string {
  const outfile = path.join(workDirectory, `${name}.js`);
  buildSync({ entryPoints: [path.join(root, 'bench', `${name}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  return outfile;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function signed(milliseconds: number): string {
  return `${milliseconds >= 0 ? '+' : ''}${milliseconds.toFixed(3)}`;
}

async function call(target: LatencyTarget, benchCase: BenchCase, tag: string, keep: boolean, log?: Array<CallRecord | undefined>, round = 0): Promise<void> {
  const body = (target.floor ? benchCase.floorBody : benchCase.body).replace(uniqueMarker, tag);
  try {
    const reply = await timedRequest(target.dispatcher, target.url + benchCase.path, benchCase.headers, body);
    // The provider stamped this call whatever its reply: the log keeps the calls' order.
    const record: CallRecord = { target, round, wholeMs: reply.totalMs, sentNs: reply.sentNs, firstByteNs: reply.firstByteNs, endedNs: reply.endedNs };
    log?.push(record);
    const check = reply.status === 200 ? checkReply(benchCase.api, benchCase.stream, reply.body, target.floor || benchCase.kind === 'passthrough' ? benchCase.expectedEvents : undefined, true, benchCase.answer) : { ok: false, problem: `HTTP ${reply.status}` };
    if (!check.ok) {
      target.failures.push(check.problem ?? 'incomplete reply');
      log?.splice(log.indexOf(record), 1, undefined);
      return;
    }
    if (!keep) return;
    target.latencyMs.push(reply.totalMs);
    target.firstByteMs.push(reply.firstByteMs);
  } catch (error) {
    target.failures.push((error as Error).message);
  }
}

/**
 * The stamped split of the calls (`--stamps`): per target the medians of the way in, the
 * provider's time and the way out; per proxy, its calls against the floor's of the same round.
 */
function printStamps(calls: CallRecord[], targets: LatencyTarget[], floorTarget: LatencyTarget, unmatchedPasses: number): void {
  const milliseconds = (nanoseconds: number): number => nanoseconds / 1e6;
  const wayIn = (call: CallRecord): number => milliseconds(call.arrivedNs! - call.sentNs);
  const provider = (call: CallRecord): number => milliseconds(call.lastWriteNs! - call.arrivedNs!);
  const wayOut = (call: CallRecord): number => milliseconds(call.endedNs - call.lastWriteNs!);
  // A round holds one call of each proxy (and one direct call before each): pairs are per proxy.
  const byRound = new Map<LatencyTarget, Map<number, CallRecord>>(targets.map((each) => [each, new Map()]));
  for (const each of calls) byRound.get(each.target)!.set(each.round, each);
  const ownCalls = (target: LatencyTarget): CallRecord[] => calls.filter((each) => each.target === target);
  /** A part of each of the target's calls minus the same part of the floor's call of the same round. */
  const pairedDifferences = (target: LatencyTarget, part: (call: CallRecord) => number): number[] => {
    const differences: number[] = [];
    for (const [round, call] of byRound.get(target)!) {
      const floorCall = byRound.get(floorTarget)!.get(round);
      if (floorCall !== undefined) differences.push(part(call) - part(floorCall));
    }
    return differences;
  };
  process.stdout.write(`  stamped (ms, median over ${calls.length} calls${unmatchedPasses > 0 ? `; ${unmatchedPasses} passes left out, their stamps did not match the calls` : ''}): way in | provider | way out | in + out | whole
`);
  for (const each of targets) {
    const own = ownCalls(each);
    if (own.length === 0) continue;
    const cells = [wayIn, provider, wayOut, (call: CallRecord) => wayIn(call) + wayOut(call), (call: CallRecord) => call.wholeMs].map((part) => median(own.map(part)).toFixed(3));
    let line = `    ${each.name}: ${cells.join(' | ')}`;
    if (each.service !== undefined && each !== floorTarget) {
      const paired = (part: (call: CallRecord) => number): string => {
        const differences = pairedDifferences(each, part);
        return `${signed(median(differences))} (${differences.length} pairs)`;
      };
      line += `; over the floor's call of the same round: in + out ${paired((call) => wayIn(call) + wayOut(call))}, way in ${paired(wayIn)}, way out ${paired(wayOut)}, provider ${paired(provider)}, whole ${paired((call) => call.wholeMs)}`;
    }
    process.stdout.write(line + '\n');
  }
  const firstByte = (call: CallRecord): number => milliseconds(call.firstByteNs - call.sentNs);
  const providerFirst = (call: CallRecord): number => milliseconds(call.firstWriteNs! - call.arrivedNs!);
  const firstWayOut = (call: CallRecord): number => milliseconds(call.firstByteNs - call.firstWriteNs!);
  process.stdout.write(`  the first byte, stamped (ms, medians): way in | provider's head and first event | first event's way out | first byte\n`);
  for (const each of targets) {
    const own = ownCalls(each);
    if (own.length === 0) continue;
    const cells = [wayIn, providerFirst, firstWayOut, firstByte].map((part) => median(own.map(part)).toFixed(3));
    let line = `    ${each.name}: ${cells.join(' | ')}`;
    if (each.service !== undefined && each !== floorTarget) {
      const paired = (part: (call: CallRecord) => number): string => signed(median(pairedDifferences(each, part)));
      line += `; over the floor's call of the same round: first byte ${paired(firstByte)} (way in ${paired(wayIn)}, first way out ${paired(firstWayOut)})`;
    }
    process.stdout.write(line + '\n');
  }
}

async function main(): Promise<void> {
  const positional: string[] = [];
  for (let index = 2; index < process.argv.length; index++) {
    const argument = process.argv[index]!;
    if (argument === '--stamps') continue;
    if (argument.startsWith('--')) index++;
    else positional.push(argument);
  }
  const floors = positional.filter((name) => name.startsWith('floor:')).map((name) => name.slice('floor:'.length) as FloorMode);
  for (const mode of floors) if (!floorModes.includes(mode)) throw new Error(`unknown floor ${mode}: ${floorModes.join(', ')}`);
  if (floors.length === 0) floors.push('undici-stream');
  const builds = positional.filter((name) => !name.startsWith('floor:'));
  if (builds.length === 0) builds.push(path.join(root, 'dist'));
  const cases = buildCases(option('--cases', 'OpenAI → OpenAI 1 KB stream,Anthropic → Anthropic 1 KB stream,Anthropic → compatible 1 KB stream,=OpenAI → OpenAI 1 KB json')).filter(
    (benchCase) => benchCase.routing === undefined && benchCase.cache === undefined && benchCase.redaction === undefined && benchCase.governed === undefined && benchCase.team === undefined,
  );
  const calls = Number(option('--calls', '300'));
  const passes = Number(option('--passes', '3'));
  const warmUpSeconds = Number(option('--warm-up', '2'));
  const samplesFile = option('--samples', '');
  const schedule = option('--schedule', 'chained');
  const stamped = process.argv.includes('--stamps');
  const samples: Record<string, Record<string, Array<{ wholeMs: number[]; firstByteMs: number[] }>>> = {};

  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'switchyard-latency-'));
  const services: ChildService[] = [];
  const targets: LatencyTarget[] = [];
  const target = (name: string, url: string, floor: boolean, service?: ChildService): void => {
    targets.push({ name, url, floor, service, dispatcher: new Agent({ keepAliveTimeout: 60_000, connections: 1 }), latencyMs: [], firstByteMs: [], failures: [] });
  };
  try {
    const upstream = await startChildService('upstream', process.execPath, [bundle('fake-upstream', workDirectory), '1', '--schedule', schedule]);
    services.push(upstream);
    target('direct', upstream.url, true);
    const floorScript = bundle('floor-forwarder', workDirectory);
    for (const mode of floors) {
      const service = await startChildService(`floor ${mode}`, process.execPath, [floorScript, mode, upstream.url]);
      services.push(service);
      target(`floor ${mode}`, service.url, true, service);
    }
    for (const [index, build] of builds.entries()) {
      const name = builds.length === 1 ? 'switchyard' : `switchyard ${String.fromCharCode(65 + index)} (${build})`;
      const service = await startSwitchyard(upstream.url, workDirectory, undefined, path.resolve(build, 'proxy.js'), `switchyard-${index}`);
      if (service === undefined) throw new Error(`no proxy.js in ${build}`);
      services.push(service);
      target(name, service.url, false, service);
    }
    process.stdout.write(`fake provider: ${schedule} schedule${stamped ? ', stamped' : ''}\n`);
    process.stdout.write(`load ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}; ${calls} calls (streams ${Math.ceil(calls / 3)}) × ${passes} passes per target\n`);
    const proxies = targets.filter((each) => each.service !== undefined);
    const floorTarget = proxies[0]!;
    for (const benchCase of cases) {
      for (const proxy of proxies) {
        await autocannon({ url: proxy.url + benchCase.path, method: 'POST', headers: benchCase.headers, body: proxy.floor ? benchCase.floorBody : benchCase.body, connections: 10, duration: warmUpSeconds });
        for (let index = 0; index < 50; index++) await call(proxy, benchCase, `warm-${index}`, false);
      }
      const count = benchCase.stream ? Math.ceil(calls / 3) : calls;
      const perPass = new Map<LatencyTarget, Array<{ latency: number; firstByte: number }>>(targets.map((each) => [each, []]));
      const stampedCalls: CallRecord[] = [];
      let unmatchedPasses = 0;
      for (let pass = 0; pass < passes; pass++) {
        for (const each of targets) {
          each.latencyMs = [];
          each.firstByteMs = [];
        }
        const log: Array<CallRecord | undefined> | undefined = stamped && benchCase.stream ? [] : undefined;
        if (log !== undefined) await startStamping(upstream.url);
        // Every proxy call follows a direct call, the proxies in an order rotated every round.
        // What a call follows moves it: one right after another proxy's call reached its first
        // byte 0.16-0.68 ms later than one right after a direct call (the proxy before it still
        // busy with its call's end, on a 2-core machine), and with direct only at the round's
        // start the floor followed Switchyard where Switchyard followed the floor — the floor
        // paid Switchyard's after-work, Switchyard the floor's lighter one (docs/benchmark.md,
        // "Fourteenth round, latency"). A fixed order would also hand the rest to one target.
        for (let index = 0; index < count; index++) {
          const shift = index % proxies.length;
          for (const each of [...proxies.slice(shift), ...proxies.slice(0, shift)]) {
            await call(targets[0]!, benchCase, `${pass}-${index}-direct-${each.name}`, true, log, pass * count + index);
            await call(each, benchCase, `${pass}-${index}-${each.name}`, true, log, pass * count + index);
          }
        }
        if (log !== undefined) {
          const provider = await readStamps(upstream.url);
          if (provider.length !== log.length) unmatchedPasses++;
          else
            for (const [at, record] of log.entries()) {
              if (record === undefined) continue;
              record.arrivedNs = provider[at]!.arrivedNs;
              record.firstWriteNs = provider[at]!.firstWriteNs;
              record.lastWriteNs = provider[at]!.lastWriteNs;
              stampedCalls.push(record);
            }
        }
        for (const each of targets) {
          perPass.get(each)!.push({ latency: median(each.latencyMs), firstByte: median(each.firstByteMs) });
          ((samples[benchCase.name] ??= {})[each.name] ??= []).push({ wholeMs: each.latencyMs, firstByteMs: each.firstByteMs });
        }
      }
      const direct = perPass.get(targets[0]!)!;
      const floor = perPass.get(floorTarget)!;
      const spread = (values: number[]): string => `${signed(median(values))} (${signed(Math.min(...values))}…${signed(Math.max(...values))})`;
      process.stdout.write(`\n${benchCase.name}   (p50 ms, median over ${passes} passes; lowest…highest)\n`);
      process.stdout.write(`  direct: whole ${median(direct.map((each) => each.latency)).toFixed(3)}${benchCase.stream ? `, first byte ${median(direct.map((each) => each.firstByte)).toFixed(3)}` : ''}\n`);
      for (const proxy of proxies) {
        const own = perPass.get(proxy)!;
        const added = own.map((each, pass) => each.latency - direct[pass]!.latency);
        const firstAdded = own.map((each, pass) => each.firstByte - direct[pass]!.firstByte);
        let line = `  ${proxy.name}: added ${spread(added)}`;
        if (benchCase.stream) line += `, first byte added ${spread(firstAdded)}`;
        if (proxy !== floorTarget) {
          line += `; over the floor: p50 ${spread(own.map((each, pass) => each.latency - floor[pass]!.latency))}`;
          if (benchCase.stream) line += `, first byte ${spread(own.map((each, pass) => each.firstByte - floor[pass]!.firstByte))}`;
        }
        if (proxy.failures.length > 0) line += `; FAILED ${proxy.failures.length}: ${proxy.failures[0]}`;
        process.stdout.write(line + '\n');
        proxy.failures = [];
      }
      if (stamped && benchCase.stream) printStamps(stampedCalls, targets, floorTarget, unmatchedPasses);
    }
    await Promise.all(targets.map((each) => each.dispatcher.close()));
    if (samplesFile !== '') writeFileSync(samplesFile, JSON.stringify(samples));
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

if (require.main === module) runMain(main);
