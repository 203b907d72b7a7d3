import assert from 'node:assert/strict';
import { CircuitBreakers } from '../../../proxy/routing/circuit-breaker';

const target = 'groq/llama-3.3-70b-versatile';

function fakeClock() {
  const clock = { time: 1_000_000, now: () => clock.time };
  return clock;
}

function failTimes(breakers: CircuitBreakers, times: number): void {
  for (let count = 0; count < times; count++) breakers.recordFailure(target);
}

describe('CircuitBreakers', () => {
  it('stays closed below the threshold and opens at it', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now });
    failTimes(breakers, 4);
    assert.equal(breakers.state(target), 'closed');
    assert.equal(breakers.canAttempt(target), true);
    breakers.recordFailure(target);
    assert.equal(breakers.state(target), 'open');
    assert.equal(breakers.canAttempt(target), false);
    assert.equal(breakers.cooldownRemainingMs(target), 30_000);
  });

  it('counts consecutive failures only: a success in between starts over', () => {
    const breakers = new CircuitBreakers({ now: fakeClock().now });
    failTimes(breakers, 4);
    breakers.recordSuccess(target);
    failTimes(breakers, 4);
    assert.equal(breakers.state(target), 'closed');
  });

  it('keeps targets apart', () => {
    const breakers = new CircuitBreakers({ now: fakeClock().now, failureThreshold: 1 });
    breakers.recordFailure(target);
    assert.equal(breakers.state(target), 'open');
    assert.equal(breakers.state('openai/gpt-5'), 'closed');
    assert.equal(breakers.canAttempt('openai/gpt-5'), true);
  });

  it('skips while open, then lets exactly one probe through, and closes on its success', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now });
    failTimes(breakers, 5);
    clock.time += 29_999;
    assert.equal(breakers.canAttempt(target), false);
    clock.time += 1;
    assert.equal(breakers.state(target), 'half-open');
    assert.equal(breakers.canAttempt(target), true, 'the probe');
    assert.equal(breakers.canAttempt(target), false, 'a second call while the probe is out');
    assert.equal(breakers.canAttempt(target), false);
    breakers.recordSuccess(target);
    assert.equal(breakers.state(target), 'closed');
    assert.equal(breakers.canAttempt(target), true);
    assert.equal(breakers.canAttempt(target), true);
  });

  it('reopens for twice as long when the probe fails, up to five minutes', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now });
    failTimes(breakers, 5);
    const cooldowns: number[] = [];
    for (let round = 0; round < 6; round++) {
      clock.time += breakers.cooldownRemainingMs(target);
      assert.equal(breakers.canAttempt(target), true);
      breakers.recordFailure(target);
      assert.equal(breakers.state(target), 'open');
      cooldowns.push(breakers.cooldownRemainingMs(target));
    }
    assert.deepEqual(cooldowns, [60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
  });

  it('forgets the longer cooldown once the target recovers', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now });
    failTimes(breakers, 5);
    clock.time += 30_000;
    breakers.canAttempt(target);
    breakers.recordFailure(target);
    clock.time += 60_000;
    breakers.canAttempt(target);
    breakers.recordSuccess(target);
    failTimes(breakers, 5);
    assert.equal(breakers.cooldownRemainingMs(target), 30_000);
  });

  it('does not extend an open circuit for failures of calls that started before it opened', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now });
    failTimes(breakers, 5);
    clock.time += 10_000;
    breakers.recordFailure(target);
    assert.equal(breakers.cooldownRemainingMs(target), 20_000);
  });

  it('reopens without doubling on a late failure while half-open with no probe out', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now });
    failTimes(breakers, 5);
    clock.time += 30_000;
    breakers.recordFailure(target);
    assert.equal(breakers.cooldownRemainingMs(target), 30_000);
  });

  it('lets another probe go when the first is released or never reports back', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now, probeTimeoutMs: 10_000 });
    failTimes(breakers, 5);
    clock.time += 30_000;
    assert.equal(breakers.canAttempt(target), true);
    breakers.releaseProbe(target);
    assert.equal(breakers.canAttempt(target), true);
    clock.time += 9_999;
    assert.equal(breakers.canAttempt(target), false);
    clock.time += 1;
    assert.equal(breakers.canAttempt(target), true);
  });

  it('honours its options', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ now: clock.now, failureThreshold: 2, cooldownMs: 1000, maximumCooldownMs: 3000 });
    failTimes(breakers, 2);
    assert.equal(breakers.cooldownRemainingMs(target), 1000);
    for (const expected of [2000, 3000, 3000]) {
      clock.time += breakers.cooldownRemainingMs(target);
      breakers.canAttempt(target);
      breakers.recordFailure(target);
      assert.equal(breakers.cooldownRemainingMs(target), expected);
    }
  });

  it('remembers a bounded number of targets, forgetting the least recently failed', () => {
    const breakers = new CircuitBreakers({ now: fakeClock().now, failureThreshold: 1, maximumTargets: 3 });
    for (const name of ['a/1', 'b/2', 'c/3']) breakers.recordFailure(name);
    breakers.recordFailure('a/1');
    breakers.recordFailure('d/4');
    assert.equal(breakers.state('b/2'), 'closed', 'evicted');
    for (const name of ['a/1', 'c/3', 'd/4']) assert.equal(breakers.state(name), 'open', name);
  });
});
