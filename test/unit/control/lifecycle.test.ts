import assert from 'node:assert/strict';
import { Lifecycle } from '../../../proxy/control/lifecycle';

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** A lifecycle with short waits whose stops are counted. */
function lifecycle(stopWhenDetached: boolean, graces: { detachedGraceMs?: number; startupGraceMs?: number } = {}) {
  const stops: number[] = [];
  const logged: string[] = [];
  const subject = new Lifecycle({
    stopWhenDetached,
    stop: () => stops.push(Date.now()),
    log: (message) => logged.push(message),
    detachedGraceMs: graces.detachedGraceMs ?? 30,
    startupGraceMs: graces.startupGraceMs ?? 30,
  });
  return { subject, stops, logged };
}

describe('Lifecycle', () => {
  const made: Lifecycle[] = [];
  afterEach(() => {
    for (const subject of made.splice(0)) subject.dispose();
  });
  function track<T extends { subject: Lifecycle }>(value: T): T {
    made.push(value.subject);
    return value;
  }

  it('counts attached windows, each leaving once however often it says so', () => {
    const { subject } = track(lifecycle(false));
    const leaveFirst = subject.attach();
    const leaveSecond = subject.attach();
    assert.equal(subject.attachedClients, 2);
    leaveFirst();
    leaveFirst();
    assert.equal(subject.attachedClients, 1);
    leaveSecond();
    assert.equal(subject.attachedClients, 0);
  });

  it('never stops by itself when not asked to', async () => {
    const { subject, stops } = track(lifecycle(false));
    subject.attach()();
    await sleep(80);
    assert.equal(stops.length, 0);
  });

  it('stops once the grace after the last window left has passed', async () => {
    const { subject, stops, logged } = track(lifecycle(true, { detachedGraceMs: 40, startupGraceMs: 1000 }));
    const leave = subject.attach();
    await sleep(60);
    assert.equal(stops.length, 0, 'stopped while a window was attached');
    leave();
    await sleep(15);
    assert.equal(stops.length, 0, 'stopped before the grace was over');
    await sleep(80);
    assert.equal(stops.length, 1);
    assert.match(logged[0]!, /the last VS Code window left/);
  });

  it('a window that comes back within the grace cancels the stop', async () => {
    const { subject, stops } = track(lifecycle(true, { detachedGraceMs: 40 }));
    subject.attach()();
    await sleep(10);
    const leave = subject.attach();
    await sleep(80);
    assert.equal(stops.length, 0);
    leave();
    await sleep(80);
    assert.equal(stops.length, 1);
  });

  it('waits the startup grace for a first window, then stops if none came', async () => {
    const { stops, logged } = track(lifecycle(true, { detachedGraceMs: 10, startupGraceMs: 60 }));
    await sleep(30);
    assert.equal(stops.length, 0, 'the startup grace is the longer one');
    await sleep(80);
    assert.equal(stops.length, 1);
    assert.match(logged[0]!, /no VS Code window attached within/);
  });

  it('can be switched on and off at run time', async () => {
    const { subject, stops } = track(lifecycle(false, { detachedGraceMs: 30, startupGraceMs: 30 }));
    subject.setStopWhenDetached(true);
    assert.equal(subject.stopWhenDetached, true);
    await sleep(10);
    subject.setStopWhenDetached(false);
    await sleep(60);
    assert.equal(stops.length, 0, 'switching off cancels the pending stop');
    subject.setStopWhenDetached(true);
    await sleep(80);
    assert.equal(stops.length, 1);
  });

  it('stops at most once, and not after dispose', async () => {
    const first = track(lifecycle(true, { startupGraceMs: 20 }));
    await sleep(60);
    first.subject.setStopWhenDetached(true);
    first.subject.attach()();
    await sleep(60);
    assert.equal(first.stops.length, 1);
    const second = track(lifecycle(true, { startupGraceMs: 20 }));
    second.subject.dispose();
    await sleep(50);
    assert.equal(second.stops.length, 0);
  });
});
