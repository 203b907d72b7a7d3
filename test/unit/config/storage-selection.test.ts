import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../../proxy/config/load-config';
import { selectStorage } from '../../../proxy/config/storage-selection';

describe('storage selection (team mode)', () => {
  it('refuses a Postgres URL with a password in the config file, naming the variable to use', () => {
    assert.throws(
      () => parseConfigText(JSON.stringify({ storage: { postgresUrl: 'postgres://switchyard:hunter2@db:5432/switchyard' } }), 'team.json'),
      (error: unknown) => error instanceof ConfigError && error.path === 'storage.postgresUrl' && /SWITCHYARD_POSTGRES_URL/.test(error.message) && /PGPASSWORD/.test(error.message) && !error.message.includes('hunter2'),
    );
    assert.throws(
      () => parseConfigText(JSON.stringify({ storage: { redisUrl: 'redis://:hunter2@cache:6379' } }), 'team.json'),
      (error: unknown) => error instanceof ConfigError && /SWITCHYARD_REDIS_URL/.test(error.message),
    );
  });

  it('takes a URL without a password from the config file, onStorageError closed by default', () => {
    const config = parseConfigText(JSON.stringify({ storage: { postgresUrl: 'postgres://switchyard@db/switchyard' } }), 'team.json');
    assert.deepEqual(config.storage, { postgresUrl: 'postgres://switchyard@db/switchyard', onStorageError: 'closed', configSource: 'file' });
  });

  it('prefers the flag, then the environment (where a password may be), then the config file', () => {
    const configured = { postgresUrl: 'postgres://file@db/x', redisUrl: 'redis://file:6379', onStorageError: 'open' as const, configSource: 'file' as const };
    const env = { SWITCHYARD_POSTGRES_URL: 'postgres://env:secret@db/x', SWITCHYARD_REDIS_URL: 'redis://:secret@env:6379' };
    assert.deepEqual(selectStorage({}, {}, configured), configured);
    assert.deepEqual(selectStorage({}, env, configured), { postgresUrl: env.SWITCHYARD_POSTGRES_URL, redisUrl: env.SWITCHYARD_REDIS_URL, onStorageError: 'open', configSource: 'file' });
    assert.deepEqual(selectStorage({ postgresUrl: 'postgresql://flag@db/x' }, env, configured).postgresUrl, 'postgresql://flag@db/x');
    assert.deepEqual(selectStorage({}, {}, { onStorageError: 'closed', configSource: 'file' }), { postgresUrl: undefined, redisUrl: undefined, onStorageError: 'closed', configSource: 'file' });
  });

  it('takes the config source from the flag, then SWITCHYARD_CONFIG_SOURCE, then storage.configSource; postgres needs a URL', () => {
    const configured = { postgresUrl: 'postgres://file@db/x', onStorageError: 'closed' as const, configSource: 'postgres' as const };
    assert.equal(selectStorage({}, {}, configured).configSource, 'postgres');
    assert.equal(selectStorage({}, { SWITCHYARD_CONFIG_SOURCE: 'file' }, configured).configSource, 'file');
    assert.equal(selectStorage({ configSource: 'postgres' }, { SWITCHYARD_CONFIG_SOURCE: 'file' }, configured).configSource, 'postgres');
    assert.throws(() => selectStorage({ configSource: 'etcd' }, {}, configured), /--config-source must be "file" or "postgres", not 'etcd'/);
    assert.throws(() => selectStorage({ configSource: 'postgres' }, {}, { onStorageError: 'closed', configSource: 'file' }), /no PostgreSQL URL was given: add --postgres-url/);
  });

  it('refuses Redis without Postgres, and a URL of another scheme, naming where it came from', () => {
    assert.throws(() => selectStorage({ redisUrl: 'redis://cache:6379' }, {}, { onStorageError: 'closed', configSource: 'file' }), /--postgres-url/);
    assert.throws(() => selectStorage({}, { SWITCHYARD_POSTGRES_URL: 'mysql://db/x' }, { onStorageError: 'closed', configSource: 'file' }), /SWITCHYARD_POSTGRES_URL must start with postgres:\/\//);
  });
});
