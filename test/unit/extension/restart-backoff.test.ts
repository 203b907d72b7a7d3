import assert from 'node:assert/strict';
import { RestartBackoff } from '../../../extension/restart-backoff';

describe('RestartBackoff', () => {
  const options = { maxRestarts: 5, windowMs: 60_000, initialDelayMs: 500, maxDelayMs: 4_000 };

  it('doubles the delay up to the cap, and gives up after five restarts within a minute', () => {
    const backoff = new RestartBackoff(options);
    const delays = [0, 1_000, 2_000, 3_000, 4_000, 5_000].map((now) => backoff.next(now));
    assert.deepEqual(delays, [500, 1_000, 2_000, 4_000, 4_000, undefined]);
  });

  it('allows restarts again once the earlier ones are a minute old', () => {
    const backoff = new RestartBackoff(options);
    for (let now = 0; now < 5; now++) assert.notEqual(backoff.next(now), undefined);
    assert.equal(backoff.next(59_000), undefined);
    // The first restart (at 0) has left the window; the budget has room for one, at the fifth step's delay.
    assert.equal(backoff.next(60_000), 4_000);
    assert.equal(backoff.next(60_000), undefined);
  });

  it('starts afresh after reset (a start the user asked for)', () => {
    const backoff = new RestartBackoff(options);
    for (let now = 0; now < 5; now++) backoff.next(now);
    backoff.reset();
    assert.equal(backoff.next(10), 500);
  });
});
