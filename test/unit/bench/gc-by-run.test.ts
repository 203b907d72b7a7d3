import assert from 'node:assert/strict';
import { fit, runsWithCollections, type BenchJson, type Collection } from '../../../bench/gc-by-run';

function collection(kind: string, start: number): Collection {
  return { kind, start, pauseMs: 2, oldUsedMb: 10, oldSizeMb: 12, externalMb: 20 };
}

describe('bench gc-by-run', () => {
  // Two processes measured in turn: a run's window reaches the same process's next run, the last
  // one its end plus the settle, as the bench counts a run's CPU.
  const bench: BenchJson = {
    settings: { settleMs: 1_100 },
    cases: [
      {
        name: 'OpenAI → OpenAI 80 KB json',
        targets: [
          { name: 'floor', kind: 'floor', runs: [
            { repetition: 0, round: 0, pid: 1, completed: 100, cpuMicroseconds: 30_000, startedAt: 1_000, endedAt: 1_300 },
            { repetition: 0, round: 1, pid: 1, completed: 100, cpuMicroseconds: 50_000, startedAt: 2_000, endedAt: 2_300 },
          ] },
          { name: 'switchyard', kind: 'switchyard', runs: [
            { repetition: 0, round: 0, pid: 2, completed: 100, cpuMicroseconds: 40_000, startedAt: 1_400, endedAt: 1_700 },
          ] },
        ],
      },
    ],
  };

  it('puts each collection in the run whose window holds it, and the idle time after a run in that run', () => {
    const probes = new Map<number, Collection[]>([
      [1, [collection('mark-compact', 1_100), collection('scavenge', 1_900), collection('mark-compact', 2_100), collection('mark-compact', 3_300), collection('mark-compact', 3_500)]],
      [2, [collection('mark-compact', 1_350), collection('scavenge', 2_700), collection('mark-compact', 2_500), collection('mark-compact', 2_900)]],
    ]);
    const rows = runsWithCollections(bench, probes, undefined).get('OpenAI → OpenAI 80 KB json')!;
    const floorRuns = rows.filter((row) => row.target === 'floor').map((row) => [row.markCompacts, row.scavenges]);
    // Run 0: 1,000 up to run 1's start at 2,000; run 1: 2,000 up to 2,300 + 1,100 (3,500 is past it).
    assert.deepEqual(floorRuns, [[1, 1], [2, 0]]);
    const switchyard = rows.find((row) => row.target === 'switchyard')!;
    assert.equal(switchyard.markCompacts, 1, 'neither the collection before the run started nor the one after its settle is its own');
    assert.equal(switchyard.scavenges, 1);
  });

  it('splits a run\'s CPU into a cost a call and a cost a mark-compact', () => {
    const rows = [
      { calls: 100, markCompacts: 0, cpuMicroseconds: 20_000 },
      { calls: 100, markCompacts: 2, cpuMicroseconds: 80_000 },
      { calls: 200, markCompacts: 1, cpuMicroseconds: 70_000 },
    ].map((row, index) => ({ ...row, target: 'switchyard', kind: 'switchyard', repetition: 0, round: index, pauseMs: 0, scavenges: 0, oldAfterMarkCompactMb: Number.NaN }));
    const fitted = fit(rows)!;
    assert.ok(Math.abs(fitted.perCall - 200) < 1e-6);
    assert.ok(Math.abs(fitted.perMarkCompact - 30_000) < 1e-6);
  });
});
