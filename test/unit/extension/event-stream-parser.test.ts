import assert from 'node:assert/strict';
import { decodeControlEvent } from '../../../extension/control-client';
import { EventStreamParser } from '../../../extension/event-stream-parser';

describe('EventStreamParser', () => {
  it('yields events whatever the chunk boundaries, skipping comments', () => {
    const stream = 'event: hello\ndata: {"status":"ok","pid":7}\n\n: keep-alive\n\nevent: log\r\ndata: {"time":1,\r\ndata: "message":"x"}\r\n\r\n';
    for (let size = 1; size <= stream.length; size++) {
      const parser = new EventStreamParser();
      const events = [];
      for (let start = 0; start < stream.length; start += size) events.push(...parser.push(stream.slice(start, start + size)));
      assert.deepEqual(
        events,
        [
          { event: 'hello', data: '{"status":"ok","pid":7}' },
          { event: 'log', data: '{"time":1,\n"message":"x"}' },
        ],
        `chunks of ${size}`,
      );
    }
  });

  it('names an unnamed event "message" and keeps an incomplete one for the next chunk', () => {
    const parser = new EventStreamParser();
    assert.deepEqual(parser.push('data: a\n'), []);
    assert.deepEqual(parser.push('\n'), [{ event: 'message', data: 'a' }]);
  });
});

describe('decodeControlEvent', () => {
  it('types the control API events and drops unknown or malformed ones', () => {
    assert.deepEqual(decodeControlEvent('log', '{"time":5,"message":"config reloaded"}'), { type: 'log', log: { time: 5, message: 'config reloaded' } });
    assert.equal(decodeControlEvent('hello', '{"status":"ok"}'), undefined);
    assert.equal(decodeControlEvent('log', '{"time":5}'), undefined);
    assert.equal(decodeControlEvent('request', 'not json'), undefined);
    assert.equal(decodeControlEvent('surprise', '{}'), undefined);
    assert.equal(decodeControlEvent('request', '{"id":"req_1"}')?.type, 'request');
  });
});
