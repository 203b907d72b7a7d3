import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashKey, keyIdOf, presentedKeyHash, PrincipalDirectory } from '../../../proxy/core/principal';

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

describe('principal: the hash remembered per connection', () => {
  const digest = (key: string): string => createHash('sha256').update(key).digest('hex');

  it('gives the key hash on every call of a connection, and the new key hash when the connection sends another key', () => {
    const connection = {};
    for (const key of ['sy-aaaa-1', 'sy-aaaa-1', 'sy-aaaa-2', 'sy-aaaa-2', 'sy-aaaa-1', 'sy-aaaa-10', 'sy-aaaa-1']) {
      assert.equal(presentedKeyHash(key, connection), digest(key));
    }
  });

  it('keeps connections apart', () => {
    const first = {};
    const second = {};
    assert.equal(presentedKeyHash('sy-first', first), digest('sy-first'));
    assert.equal(presentedKeyHash('sy-second', second), digest('sy-second'));
    assert.equal(presentedKeyHash('sy-first', first), digest('sy-first'));
    assert.equal(presentedKeyHash('sy-second', second), digest('sy-second'));
  });

  it('finds each key a connection sends in the directory of the moment: revoked or wrong keys stay refused', () => {
    const connection = {};
    const named = [
      { hash: digest('sy-ci-key-0000'), name: 'ci', policy: {} },
      { hash: digest('sy-old-key-0000'), name: 'old', policy: {}, revoked: 1 },
    ];
    const directory = new PrincipalDirectory([], named);
    assert.equal(directory.lookup('sy-ci-key-0000', connection)?.label, 'ci');
    // Same length, one character apart: not the remembered key.
    assert.equal(directory.lookup('sy-ci-key-0001', connection), undefined);
    assert.equal(directory.lookup('sy-old-key-0000', connection), undefined);
    assert.equal(directory.revokedName('sy-old-key-0000', connection), 'old');
    assert.equal(directory.lookup('sy-ci-key-0000', connection)?.label, 'ci');
    // The key revoked later: a new directory, the same connection, refused.
    const later = new PrincipalDirectory([], [{ ...named[0]!, revoked: 2 }]);
    assert.equal(later.lookup('sy-ci-key-0000', connection), undefined);
    assert.equal(later.revokedName('sy-ci-key-0000', connection), 'ci');
  });
});
