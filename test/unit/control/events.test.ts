import assert from 'node:assert/strict';
import { ProxyEvents } from '../../../proxy/events/proxy-events';
import type { RequestRecord } from '../../../proxy/store/request-record';

const record = { id: 'req_1' } as RequestRecord;

describe('ProxyEvents', () => {
  it('delivers to listeners until they unsubscribe', () => {
    const events = new ProxyEvents();
    const seen: string[] = [];
    const unsubscribe = events.on('request', (payload) => seen.push(payload.id));
    events.emit('request', record);
    assert.equal(events.listenerCount('request'), 1);
    unsubscribe();
    unsubscribe();
    events.emit('request', record);
    assert.deepEqual(seen, ['req_1']);
    assert.equal(events.listenerCount('request'), 0);
  });

  it('keeps going when a listener throws, and reports it', () => {
    const failures: unknown[] = [];
    const events = new ProxyEvents((error) => failures.push(error));
    const seen: string[] = [];
    events.on('request', () => {
      throw new Error('listener broke');
    });
    events.on('request', (payload) => seen.push(payload.id));
    events.emit('request', record);
    assert.deepEqual(seen, ['req_1']);
    assert.equal(failures.length, 1);
  });

  it('emits with nobody listening', () => {
    assert.doesNotThrow(() => new ProxyEvents().emit('request', record));
  });
});
