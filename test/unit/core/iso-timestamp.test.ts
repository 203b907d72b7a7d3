import assert from 'node:assert/strict';
import { IsoTimestamps } from '../../../proxy/core/iso-timestamp';

describe('IsoTimestamps', () => {
  it('writes what toISOString writes, within a second, across seconds and back', () => {
    const timestamps = new IsoTimestamps();
    const start = Date.UTC(2026, 11, 5, 1, 59, 59, 0);
    const times = [start, start + 1, start + 9, start + 10, start + 99, start + 100, start + 999, start + 1000, start + 1001, start + 61_000, start - 1, start + 0.7, 0, 86_400_000 * 365 * 8000];
    for (let index = 0; index < 2000; index += 1) times.push(start + Math.floor(Math.random() * 5000));
    for (const time of times) assert.equal(timestamps.format(time), new Date(time).toISOString(), String(time));
  });

  it('leaves odd times to the Date: the same text, or the same error', () => {
    const timestamps = new IsoTimestamps();
    assert.equal(timestamps.format(-1), new Date(-1).toISOString());
    assert.throws(() => timestamps.format(Number.NaN), RangeError);
  });
});
