import assert from 'node:assert/strict';
import { StorageUnavailableError } from '../../../proxy/store/storage-unavailable';

describe('StorageUnavailableError: the message a refused client reads', () => {
  it('names the store and the cause once', () => {
    const error = new StorageUnavailableError('Redis at redis://cache:6379/0', new Error('connect ECONNREFUSED 10.0.0.5:6379'));
    assert.equal(error.message, 'Redis at redis://cache:6379/0 cannot be reached (connect ECONNREFUSED 10.0.0.5:6379)');
  });

  it('does not repeat the store when the cause already names it (the connection problem while Redis is away)', () => {
    const problem = 'Redis at redis://cache:6379/0 cannot be reached (connect ECONNREFUSED 10.0.0.5:6379)';
    const error = new StorageUnavailableError('Redis at redis://cache:6379/0', new Error(problem));
    assert.equal(error.message, problem);
  });
});
