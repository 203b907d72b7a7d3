import assert from 'node:assert/strict';
import { LatencyTracker } from '../../../proxy/routing/latency-tracker';

/** A random source that plays back the given draws and fails the test when it runs out. */
function scriptedRandom(draws: number[]): () => number {
  let index = 0;
  return () => {
    assert.ok(index < draws.length, 'random() drawn more often than scripted');
    return draws[index++]!;
  };
}

/** A seeded uniform generator (mulberry32), so draw counts are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LatencyTracker', () => {
  it('estimates the median of the samples', () => {
    const tracker = new LatencyTracker();
    assert.equal(tracker.estimate('groq/llama'), undefined);
    for (const sample of [300, 100, 5000]) tracker.record('groq/llama', sample);
    assert.equal(tracker.estimate('groq/llama'), 300);
    tracker.record('groq/llama', 200);
    assert.equal(tracker.estimate('groq/llama'), 250);
  });

  it('keeps only the last windowSize samples', () => {
    const tracker = new LatencyTracker({ windowSize: 50 });
    for (let count = 0; count < 50; count++) tracker.record('openai/gpt-5', 2000);
    for (let count = 0; count < 25; count++) tracker.record('openai/gpt-5', 400);
    assert.equal(tracker.estimate('openai/gpt-5'), 1200, 'half old, half new: the middle two');
    tracker.record('openai/gpt-5', 400);
    assert.equal(tracker.estimate('openai/gpt-5'), 400);
    for (let count = 0; count < 50; count++) tracker.record('openai/gpt-5', 900);
    assert.equal(tracker.estimate('openai/gpt-5'), 900, 'the old samples are gone');
  });

  it('ignores samples that are not durations', () => {
    const tracker = new LatencyTracker();
    tracker.record('a/1', Number.NaN);
    tracker.record('a/1', -5);
    tracker.record('a/1', Infinity);
    assert.equal(tracker.estimate('a/1'), undefined);
  });

  it('ranks unmeasured targets first, then fastest first, without exploring when it draws high', () => {
    const tracker = new LatencyTracker();
    tracker.record('slow/1', 900);
    tracker.record('fast/1', 200);
    tracker.record('middle/1', 500);
    assert.deepEqual(tracker.rank(['slow/1', 'new/1', 'fast/1', 'middle/1'], scriptedRandom([])), [
      { target: 'new/1', reason: 'unmeasured' },
      { target: 'fast/1', reason: 'faster', estimateMs: 200 },
      { target: 'middle/1', reason: 'slower', estimateMs: 500 },
      { target: 'slow/1', reason: 'slower', estimateMs: 900 },
    ]);
    assert.deepEqual(
      tracker.rank(['slow/1', 'fast/1', 'middle/1'], scriptedRandom([0.1])).map((ranked) => ranked.target),
      ['fast/1', 'middle/1', 'slow/1'],
    );
  });

  it('keeps the configured order for equal estimates', () => {
    const tracker = new LatencyTracker();
    tracker.record('b/1', 300);
    tracker.record('a/1', 300);
    assert.deepEqual(
      tracker.rank(['b/1', 'a/1'], () => 0.99).map((ranked) => ranked.target),
      ['b/1', 'a/1'],
    );
  });

  it('promotes the non-best target the second draw picks when the first is below explore', () => {
    const tracker = new LatencyTracker();
    tracker.record('fast/1', 200);
    tracker.record('middle/1', 500);
    tracker.record('slow/1', 900);
    assert.deepEqual(tracker.rank(['fast/1', 'middle/1', 'slow/1'], scriptedRandom([0.05, 0.75])), [
      { target: 'slow/1', reason: 'exploring', estimateMs: 900 },
      { target: 'fast/1', reason: 'faster', estimateMs: 200 },
      { target: 'middle/1', reason: 'slower', estimateMs: 500 },
    ]);
    assert.equal(tracker.rank(['fast/1', 'middle/1', 'slow/1'], scriptedRandom([0.099, 0]))[0]!.target, 'middle/1');
  });

  it('does not draw when it cannot explore', () => {
    const tracker = new LatencyTracker();
    tracker.record('fast/1', 200);
    const none = scriptedRandom([]);
    assert.deepEqual(tracker.rank(['fast/1'], none), [{ target: 'fast/1', reason: 'faster', estimateMs: 200 }]);
    assert.equal(tracker.rank(['fast/1', 'new/1'], none).length, 2);
    assert.deepEqual(tracker.rank([], none), []);
  });

  it('explores at the configured rate, spreading over the non-best targets', () => {
    const tracker = new LatencyTracker({ explore: 0.1 });
    tracker.record('fast/1', 200);
    tracker.record('middle/1', 500);
    tracker.record('slow/1', 900);
    const random = seededRandom(42);
    const firsts = new Map<string, number>();
    const draws = 10_000;
    for (let draw = 0; draw < draws; draw++) {
      const first = tracker.rank(['slow/1', 'middle/1', 'fast/1'], random)[0]!.target;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    const share = (target: string) => (firsts.get(target) ?? 0) / draws;
    assert.ok(Math.abs(share('fast/1') - 0.9) < 0.01, `fast first ${share('fast/1')}`);
    assert.ok(Math.abs(share('middle/1') - 0.05) < 0.01, `middle first ${share('middle/1')}`);
    assert.ok(Math.abs(share('slow/1') - 0.05) < 0.01, `slow first ${share('slow/1')}`);
  });

  it('never explores with explore 0', () => {
    const tracker = new LatencyTracker({ explore: 0 });
    tracker.record('fast/1', 200);
    tracker.record('slow/1', 900);
    for (const draw of [0, 0.5, 0.999]) assert.equal(tracker.rank(['slow/1', 'fast/1'], () => draw)[0]!.target, 'fast/1');
  });

  it('remembers a bounded number of targets, forgetting the least recently measured', () => {
    const tracker = new LatencyTracker({ maximumTargets: 2 });
    tracker.record('a/1', 100);
    tracker.record('b/1', 200);
    tracker.record('a/1', 100);
    tracker.record('c/1', 300);
    assert.equal(tracker.estimate('b/1'), undefined);
    assert.equal(tracker.estimate('a/1'), 100);
    assert.equal(tracker.estimate('c/1'), 300);
  });
});
