/**
 * `node --import tsx bench/gc-by-run.ts <bench JSON> <probe folder> [case part]`: the collector's
 * work in each measured run of a bench run made with bench/gc-probe.cjs preloaded
 * (`GC_PROBE_DIR=<folder> NODE_OPTIONS="--require bench/gc-probe.cjs" node --import tsx
 * bench/run.ts --json <file> …`). A run's window is the bench's own: from its start to the start
 * of the next run on the same process, the last one to its end plus the 1.1 s settle. Per run it
 * prints the calls, the CPU a call the bench counted, and the scavenges, mark-compacts and their
 * pauses that fell in the window; per repetition of each target, the same pooled with the
 * old space's size after its last mark-compact. Then, per target kind, the least-squares fit of a
 * run's CPU on its calls and its mark-compacts: what one mark-compact costs the process in all
 * (its pause, the concurrent marking and sweeping on V8's helpers), and what a call costs
 * without them (docs/benchmark.md, "Sixteenth round, CPU: the 80 KB JSON rows' swing").
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runMain } from './run-main';

export interface Collection {
  kind: string;
  start: number;
  pauseMs: number;
  oldUsedMb: number;
  oldSizeMb: number;
  externalMb: number;
}

export interface RunRecord {
  repetition: number;
  round: number;
  pid?: number;
  completed: number;
  cpuMicroseconds?: number;
  startedAt?: number;
  endedAt?: number;
}

export interface BenchJson {
  settings: { settleMs: number };
  cases: Array<{ name: string; floor?: string; targets: Array<{ name: string; kind: string; runs: RunRecord[] }> }>;
}

function readProbes(folder: string): Map<number, Collection[]> {
  const byPid = new Map<number, Collection[]>();
  for (const file of readdirSync(folder)) {
    const match = /^gc-(\d+)\.txt$/.exec(file);
    if (match === null) continue;
    const collections: Collection[] = [];
    for (const line of readFileSync(path.join(folder, file), 'utf8').split('\n')) {
      const [kind, start, pause, oldUsed, oldSize, external] = line.split(' ');
      if (kind === undefined || kind === 'argv' || start === undefined) continue;
      collections.push({ kind, start: Number(start), pauseMs: Number(pause), oldUsedMb: Number(oldUsed), oldSizeMb: Number(oldSize), externalMb: Number(external) });
    }
    byPid.set(Number(match[1]), collections);
  }
  return byPid;
}

export interface RunGc {
  target: string;
  kind: string;
  repetition: number;
  round: number;
  calls: number;
  cpuMicroseconds: number;
  scavenges: number;
  markCompacts: number;
  pauseMs: number;
  /** Old space in use after the window's last mark-compact, MB (NaN without one). */
  oldAfterMarkCompactMb: number;
}

/** Each run's window and the collections in it, by case. */
export function runsWithCollections(bench: BenchJson, probes: Map<number, Collection[]>, casePart: string | undefined): Map<string, RunGc[]> {
  const byCase = new Map<string, RunGc[]>();
  for (const benchCase of bench.cases) {
    if (casePart !== undefined && !benchCase.name.includes(casePart)) continue;
    const all = benchCase.targets.flatMap((target) => target.runs.map((run) => ({ target, run })));
    const rows: RunGc[] = [];
    for (const { target, run } of all) {
      if (run.pid === undefined || run.startedAt === undefined || run.endedAt === undefined || run.cpuMicroseconds === undefined) continue;
      const later = all
        .filter((other) => other.run.pid === run.pid && other.run.repetition === run.repetition && (other.run.startedAt ?? 0) > run.startedAt!)
        .map((other) => other.run.startedAt!);
      const end = later.length > 0 ? Math.min(...later) : run.endedAt + bench.settings.settleMs;
      const inside = (probes.get(run.pid) ?? []).filter((collection) => collection.start >= run.startedAt! && collection.start < end);
      const markCompacts = inside.filter((collection) => collection.kind === 'mark-compact');
      rows.push({
        target: target.name,
        kind: target.kind,
        repetition: run.repetition,
        round: run.round,
        calls: run.completed,
        cpuMicroseconds: run.cpuMicroseconds,
        scavenges: inside.filter((collection) => collection.kind === 'scavenge').length,
        markCompacts: markCompacts.length,
        pauseMs: inside.reduce((sum, collection) => sum + collection.pauseMs, 0),
        oldAfterMarkCompactMb: markCompacts.length > 0 ? markCompacts[markCompacts.length - 1]!.oldUsedMb : Number.NaN,
      });
    }
    byCase.set(benchCase.name, rows);
  }
  return byCase;
}

/** Least squares of cpu = perCall × calls + perMarkCompact × markCompacts (no intercept). */
export function fit(rows: readonly RunGc[]): { perCall: number; perMarkCompact: number } | undefined {
  let callsCalls = 0;
  let callsMarks = 0;
  let marksMarks = 0;
  let callsCpu = 0;
  let marksCpu = 0;
  for (const row of rows) {
    callsCalls += row.calls * row.calls;
    callsMarks += row.calls * row.markCompacts;
    marksMarks += row.markCompacts * row.markCompacts;
    callsCpu += row.calls * row.cpuMicroseconds;
    marksCpu += row.markCompacts * row.cpuMicroseconds;
  }
  const determinant = callsCalls * marksMarks - callsMarks * callsMarks;
  if (Math.abs(determinant) < 1e-9) return undefined;
  return {
    perCall: (callsCpu * marksMarks - marksCpu * callsMarks) / determinant,
    perMarkCompact: (callsCalls * marksCpu - callsMarks * callsCpu) / determinant,
  };
}

async function main(): Promise<void> {
  const [jsonFile, folder, casePart] = process.argv.slice(2);
  if (jsonFile === undefined || folder === undefined) throw new Error('usage: gc-by-run.ts <bench JSON> <probe folder> [case part]');
  const bench = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchJson;
  const byCase = runsWithCollections(bench, readProbes(folder), casePart);
  for (const [name, rows] of byCase) {
    console.log(`\n${name}`);
    console.log('target | rep | µs a call (rounds) | scavenges / MCs / pause ms per 1,000 calls | MCs by round | old space after the last MC, MB');
    const targets = [...new Set(rows.map((row) => row.target))];
    for (const target of targets) {
      for (const repetition of [...new Set(rows.filter((row) => row.target === target).map((row) => row.repetition))]) {
        const mine = rows.filter((row) => row.target === target && row.repetition === repetition).sort((left, right) => left.round - right.round);
        const calls = mine.reduce((sum, row) => sum + row.calls, 0);
        const cpu = mine.reduce((sum, row) => sum + row.cpuMicroseconds, 0);
        const per1000 = (count: number): string => ((1000 * count) / calls).toFixed(1);
        const lastOld = mine.map((row) => row.oldAfterMarkCompactMb).filter((value) => Number.isFinite(value)).pop();
        console.log(
          `${target.slice(0, 34).padEnd(34)} | ${repetition} | ${(cpu / calls).toFixed(0).padStart(4)} (${mine.map((row) => (row.cpuMicroseconds / row.calls).toFixed(0)).join(' ')})` +
            ` | ${per1000(mine.reduce((sum, row) => sum + row.scavenges, 0))} / ${per1000(mine.reduce((sum, row) => sum + row.markCompacts, 0))} / ${per1000(mine.reduce((sum, row) => sum + row.pauseMs, 0))}` +
            ` | ${mine.map((row) => row.markCompacts).join(' ')} | ${lastOld === undefined ? '—' : lastOld.toFixed(1)}`,
        );
      }
    }
    for (const kind of ['floor', 'switchyard']) {
      const fitted = fit(rows.filter((row) => row.kind === kind));
      if (fitted !== undefined) console.log(`fit, ${kind} runs: ${fitted.perCall.toFixed(0)} µs a call + ${fitted.perMarkCompact.toFixed(0)} µs a mark-compact`);
    }
  }
}

if (require.main === module) runMain(main);
