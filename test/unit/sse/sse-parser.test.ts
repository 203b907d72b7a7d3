import assert from 'node:assert/strict';
import { SseParser } from '../../../proxy/sse/sse-parser';

describe('SseParser', () => {
  it('parses named and unnamed events', () => {
    const parser = new SseParser();
    const events = parser.push(Buffer.from('event: ping\ndata: {}\n\ndata: a\ndata: b\n\n'));
    assert.deepEqual(events, [{ event: 'ping', data: '{}' }, { data: 'a\nb' }]);
  });

  it('keeps a UTF-8 sequence split across chunks intact', () => {
    const bytes = Buffer.from('data: {"t":"héllo ✓"}\n\n');
    const split = bytes.indexOf(0xe2) + 1; // inside the three bytes of ✓
    const parser = new SseParser();
    const first = parser.push(bytes.subarray(0, split));
    const second = parser.push(bytes.subarray(split));
    assert.deepEqual(first, []);
    assert.deepEqual(second, [{ data: '{"t":"héllo ✓"}' }]);
  });

  it('handles CRLF split between chunks and comments', () => {
    const parser = new SseParser();
    const events = [
      ...parser.push(Buffer.from(': keep-alive\r')),
      ...parser.push(Buffer.from('\ndata: x\r')),
      ...parser.push(Buffer.from('\n\r\n')),
    ];
    assert.deepEqual(events, [{ data: 'x' }]);
  });

  it('flushes a final event without a trailing blank line', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(Buffer.from('data: last')), []);
    assert.deepEqual(parser.end(), [{ data: 'last' }]);
  });
});
