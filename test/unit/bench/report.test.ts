import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpuRatio, floorOf, ratioVerdict } from '../../../bench/report';
import { emptyResult, type TargetResult } from '../../../bench/measure';
import { processTree } from '../../../bench/process-cpu';

function measured(cpu: number, rounds: number[]): TargetResult {
  return { ...emptyResult(), cpuMicrosecondsPerRequest: cpu, roundCpu: rounds };
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

  it('gives the median of the per-round ratios and their spread', () => {
    const ratio = cpuRatio(measured(200, [200, 300, 240]), measured(100, [100, 100, 120]));
    assert.deepEqual(ratio, { value: 2, lowest: 2, highest: 3 });
  });

  it('calls a ratio within 0.15 over its target "at the target"', () => {
    assert.equal(ratioVerdict(1.5, 1.5), 'PASS');
    assert.equal(ratioVerdict(1.6, 1.5), 'AT');
    assert.equal(ratioVerdict(1.7, 1.5), 'FAIL');
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
