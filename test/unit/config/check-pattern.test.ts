import assert from 'node:assert/strict';
import { finishesInTime, patternProblem } from '../../../proxy/config/check-pattern';

describe('check-pattern', () => {
  it('judges an input slow only when every try of its probe runs out of time', () => {
    let runs = 0;
    const preemptedOnce = () => {
      runs += 1;
      if (runs === 1) throw new Error('Script execution timed out after 50ms');
    };
    assert.equal(finishesInTime(preemptedOnce), true, 'one timed-out try on a busy machine is not a slow pattern');
    assert.equal(runs, 2);

    let slowRuns = 0;
    const alwaysSlow = () => {
      slowRuns += 1;
      throw new Error('Script execution timed out after 50ms');
    };
    assert.equal(finishesInTime(alwaysSlow), false);
    assert.equal(slowRuns, 3);
  });

  it('still refuses a pattern that backtracks without end, and passes a bounded one', () => {
    assert.match(patternProblem('(a+)+$') ?? '', /too slow on long input/);
    assert.equal(patternProblem('TCK-[0-9]{6}'), undefined);
  });
});
