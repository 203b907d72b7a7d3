import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashKey, keyIdOf, PrincipalDirectory } from '../../../proxy/core/principal';

describe('principal: the key hash', () => {
  it('is the hex SHA-256 of the key, as stored for named keys before the one-shot hash', () => {
    for (const key of ['sk-sw-abc', 'é-ünïcode-κλειδί', 'x'.repeat(300)]) {
      assert.equal(hashKey(key), createHash('sha256').update(key).digest('hex'));
    }
  });

  it('names a key by key_ and 16 hex digits of that hash', () => {
    assert.equal(keyIdOf('sk-sw-abc'), `key_${createHash('sha256').update('sk-sw-abc').digest('hex').slice(0, 16)}`);
  });

  it('finds a named key stored by the old digest', () => {
    const hash = createHash('sha256').update('sk-sw-named').digest('hex');
    const directory = new PrincipalDirectory([], [{ hash, name: 'ci', policy: {} }]);
    assert.equal(directory.lookup('sk-sw-named')?.label, 'ci');
    assert.equal(directory.lookup('sk-sw-other'), undefined);
  });
});
