import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { addedPerRound, cpuRatio, describeDrift, floorOf, formatRatio, ratioVerdict, redactionOffName, redactionVerdictLines, verdictLines } from '../../../bench/report';
import { emptyResult, loadSchedule, runCpu, type TargetResult } from '../../../bench/measure';
import { buildCases } from '../../../bench/cases';
import { processTree, treeWaitNanoseconds } from '../../../bench/process-cpu';

function measured(cpu: number, rounds: number[], repetitionOf?: number[]): TargetResult {
  return { ...emptyResult(), cpuMicrosecondsPerRequest: cpu, roundCpu: rounds, roundRepetition: repetitionOf ?? rounds.map(() => 0) };
}

describe('bench report', () => {
  it('takes the cheapest floor forwarder of the case as the floor, never a proxy or direct', () => {
    const results = new Map([
      ['direct', emptyResult()],
      ['floor a', measured(120, [120])],
      ['floor b', measured(95, [95])],
      ['switchyard', measured(80, [80])],
    ]);
    const targets = [
      { name: 'direct', kind: 'direct' as const },
      { name: 'floor a', kind: 'floor' as const },
      { name: 'floor b', kind: 'floor' as const },
      { name: 'switchyard', kind: 'switchyard' as const },
    ];
    assert.equal(floorOf({ targets, results }), 'floor b');
  });

  it('pools a repetition\'s rounds (all their CPU over all their requests), with the middle half of the rounds\' ratios as its spread', () => {
    const ratio = cpuRatio(measured(200, [200, 300, 240]), measured(100, [100, 100, 120]));
    // (200 + 300 + 240) ÷ (100 + 100 + 120), rounds alike in length; the rounds read 2, 3, 2.
    assert.equal(ratio!.value.toFixed(4), (740 / 320).toFixed(4));
    assert.deepEqual([ratio!.low, ratio!.high], [2, 2.5]);
    // A round that held the request log's batch counts in full: the median of the rounds (1.5)
    // dropped it.
    const deferred = cpuRatio(measured(150, [150, 150, 150, 550]), measured(100, [100, 100, 100, 100]))!;
    assert.equal(deferred.value, 2.5);
    assert.deepEqual([deferred.low, deferred.high], [1.5, 2.5]);
  });

  it('weighs each round by the requests it completed', () => {
    const switchyard = measured(1, [100, 400]);
    switchyard.roundRequests = [900, 100];
    const floor = measured(1, [100, 100]);
    floor.roundRequests = [500, 500];
    // (100 × 900 + 400 × 100) ÷ 1,000 = 130 against 100.
    assert.equal(cpuRatio(switchyard, floor)!.value, 1.3);
  });

  it('over repeated runs of a case, gives the median of the runs\' ratios and their lowest–highest, pooling rounds within a run', () => {
    // Three runs of two rounds each; in the second the host slowed Switchyard more than the floor.
    const switchyard = measured(0, [150, 150, 300, 280, 160, 140], [0, 0, 1, 1, 2, 2]);
    const floor = measured(0, [100, 100, 100, 100, 100, 100], [0, 0, 1, 1, 2, 2]);
    switchyard.cpuMicrosecondsPerRequest = 200;
    floor.cpuMicrosecondsPerRequest = 100;
    const ratio = cpuRatio(switchyard, floor)!;
    assert.deepEqual(ratio.repetitions, [1.5, 2.9, 1.5]);
    assert.equal(ratio.value, 1.5);
    assert.deepEqual([ratio.low, ratio.high], [1.5, 2.9]);
    assert.equal(formatRatio(ratio), '1.50× (1.50–2.90 over 3 runs)');
    // The floor's rounds of a run pair with Switchyard's of the same run, not with another run's.
    const shifted = cpuRatio(measured(100, [100, 200], [0, 1]), measured(100, [50, 200], [0, 1]))!;
    assert.deepEqual(shifted.repetitions, [2, 1]);
  });

  it('calls a repeated case DRIFT only when most of its runs drifted, and names the one that did', () => {
    const steady = { requestsPerSecond: [1000, 1010] as [number, number], upstreamCpu: [50, 51] as [number, number], proxyWaitShare: 0.1 };
    const moved = { requestsPerSecond: [1000, 1400] as [number, number], upstreamCpu: [50, 51] as [number, number], proxyWaitShare: 0.5 };
    assert.match(describeDrift('case', [steady, moved, steady])!, /^STEADY case \(3 runs\): direct \+1 %, \+40 %, \+1 %.* 10 %, 50 %, 10 % as long as they ran — run 2 drifted; the median of the runs stands$/);
    assert.match(describeDrift('case', [moved, moved, steady])!, /^DRIFT case \(3 runs\).*the machine changed in runs 1, 2: rerun/);
  });

  it('counts a run\'s CPU up to the next run on the same process, so work it defers past its run is its own', () => {
    // Process 1 (Switchyard) writes its log after its run, while process 2 (a floor) is measured:
    // its counter moves from 100 to 190 over its run and to 200 by its next start.
    const runs = [
      { pid: 1, cpuAtStart: 100, completed: 10 },
      { pid: 2, cpuAtStart: 50, completed: 10 },
      { pid: 1, cpuAtStart: 200, completed: 10 },
      { pid: 2, cpuAtStart: 90, completed: 10 },
    ];
    assert.deepEqual(runCpu(runs, new Map([[1, 290], [2, 130]])), [100, 40, 90, 40]);
  });

  it('runs every proxy once a round, rotating which goes first', () => {
    assert.deepEqual(loadSchedule(['a', 'b', 'c'], 3), ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
  });

  it('judges the p95 redaction adds one at a time, and shows p90 and what it added round by round beside it', () => {
    const benchCase = buildCases().find((candidate) => candidate.redaction?.findings === 0 && candidate.name.includes('source code'))!;
    const verdictOf = (on: number[], off: number[]): string => {
      const results = new Map([
        ['switchyard', { ...measured(110, [110]), latencyMs: on }],
        [redactionOffName, { ...measured(100, [100]), latencyMs: off }],
      ]);
      return redactionVerdictLines([{ benchCase, targets: [], results, brackets: [] }], false)[0]!;
    };
    // 900 rounds: redaction adds 0.1 ms to each; every 25th round the machine stalled both requests by 3 ms.
    const off = Array.from({ length: 900 }, (_, round) => (round % 25 === 0 ? 4 : 1));
    const on = off.map((latency) => latency + 0.1);
    assert.match(verdictOf(on, off), /^PASS .*\(900 pairs\): p50 \+0\.10 ms, p90 \+0\.10 ms, p95 \+0\.10 ms; per round p95 \+0\.10 ms/);
    // 1.2 ms more on one request in ten fails by the p95, and shows round by round too.
    const slower = on.map((latency, round) => latency + (round % 10 === 3 ? 1.2 : 0));
    assert.match(verdictOf(slower, off), /^FAIL .*p95 \+1\.30 ms; per round p95 \+1\.30 ms/);
    // A failed request leaves the lists out of step: no per-round figure.
    assert.equal(addedPerRound(on.slice(1), off), undefined);
    assert.match(verdictOf(on.slice(1), off), /per round: — \(requests failed\)/);
  });

  it('takes a BENCH_CASES part starting with = as a whole case name', () => {
    const names = buildCases('=OpenAI → OpenAI 1 KB json').map((benchCase) => benchCase.name);
    assert.deepEqual(names, ['OpenAI → OpenAI 1 KB json']);
    assert.ok(buildCases('OpenAI → OpenAI 1 KB json').length > 1);
  });

  it('calls a ratio within 0.15 over its target "at the target"', () => {
    assert.equal(ratioVerdict(1.5, 1.5), 'PASS');
    assert.equal(ratioVerdict(1.6, 1.5), 'AT');
    assert.equal(ratioVerdict(1.7, 1.5), 'FAIL');
  });

  it('reads how long a process waited for a CPU: two spinning processes on one core each wait about half the time', async function () {
    if (process.platform !== 'linux') this.skip();
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
    } catch {
      this.skip();
    }
    const spin = () => spawn('taskset', ['-c', '0', process.execPath, '-e', 'const end = Date.now() + 600; while (Date.now() < end) {}'], { stdio: 'ignore' });
    const [first, second] = [spin(), spin()];
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const waited = treeWaitNanoseconds(first.pid!) + treeWaitNanoseconds(second.pid!);
      assert.ok(waited > 100_000_000, `two spinners on one core waited ${waited / 1e6} ms in all`);
    } finally {
      first.kill();
      second.kill();
    }
  });

  it('says on the drift line how long the proxies waited for their core', () => {
    const benchCase = buildCases('=OpenAI → OpenAI 1 KB json')[0]!;
    const lines = verdictLines([{ benchCase, targets: [], results: new Map(), brackets: [{ requestsPerSecond: [1000, 1010], upstreamCpu: [50, 51], proxyWaitShare: 0.42 }] }], false);
    assert.match(lines[0]!, /^STEADY .*the proxies waited for their core 42 % as long as they ran/);
  });

  it('finds a process and its children for CPU accounting', async function () {
    if (process.platform !== 'linux') this.skip();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      assert.ok(processTree(process.pid).includes(child.pid!));
    } finally {
      child.kill();
    }
  });
});
