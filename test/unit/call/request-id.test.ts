import assert from 'node:assert/strict';
import { requestId, requestIdPrefix } from '../../../proxy/call/request-id';

describe('request ids', () => {
  const random = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);

  it('are req_, the start time, the random bits and the counter', () => {
    const prefix = requestIdPrefix(1_765_000_000_000, random);
    assert.equal(prefix, `req_${(1_765_000_000_000).toString(36).padStart(9, '0')}deadbeef`);
    assert.equal(requestId(prefix, 0), `${prefix}000000`);
    assert.equal(requestId(prefix, 35), `${prefix}00000z`);
  });

  it('sort in call order within a process', () => {
    const prefix = requestIdPrefix(1_765_000_000_000, random);
    const counters = [0, 1, 9, 10, 35, 36, 1_295, 1_296, 60_466_175, 2_176_782_335];
    const ids = counters.map((counter) => requestId(prefix, counter));
    assert.deepEqual([...ids].sort(), ids);
  });

  it("of a process started later sort after every id of an earlier one, whatever the random bits (the request log's index appends them)", () => {
    const earlier = requestIdPrefix(1_765_000_000_000, Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    const later = requestIdPrefix(1_765_000_000_001, Uint8Array.of(0, 0, 0, 0));
    assert.ok(requestId(earlier, 2_176_782_335) < requestId(later, 0));
    // Across a change in the time's leading digit and from the epoch on: fixed width keeps the order.
    const times = [0, 35, 36, 1_000_000_000_000, 1_765_000_000_000, 2_821_109_907_455, 2_821_109_907_456];
    const ids = times.map((time) => requestId(requestIdPrefix(time, random), 0));
    assert.deepEqual([...ids].sort(), ids);
  });

  it('of two processes started in the same millisecond differ by their random bits', () => {
    assert.notEqual(requestIdPrefix(1_765_000_000_000, Uint8Array.of(1, 2, 3, 4)), requestIdPrefix(1_765_000_000_000, Uint8Array.of(1, 2, 3, 5)));
  });
});
