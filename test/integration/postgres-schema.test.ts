import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { migratePostgres, postgresSchemaVersion } from '../../proxy/store/postgres/postgres-schema';
import { findPostgresBinaries, requireServer, sharedPostgresServer, stopSharedServers } from '../support/servers';

after(stopSharedServers);

describe('PostgreSQL schema', function () {
  this.timeout(60_000);

  it('migrates a new database to the current version, with no index on requests.key_id', async function () {
    const postgres = await sharedPostgresServer(requireServer(this, findPostgresBinaries(), 'PostgreSQL (postgres, initdb)'));
    const pool = new Pool({ connectionString: await postgres.createDatabase() });
    try {
      await migratePostgres(pool);
      // A second proxy starting on the same database finds the work done.
      await migratePostgres(pool);
      const version = await pool.query<{ version: number }>('SELECT version FROM switchyard_schema');
      assert.deepEqual(version.rows, [{ version: postgresSchemaVersion }]);
      const indexes = await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'requests' ORDER BY indexname");
      // requests_key_id_time is gone: callers are filtered and grouped as COALESCE(key_id,
      // client_key), which it could not serve, and every insert paid for it.
      assert.deepEqual(
        indexes.rows.map((row) => row.indexname),
        ['requests_model_time', 'requests_pkey', 'requests_provider_time', 'requests_time'],
      );
    } finally {
      await pool.end();
    }
  });
});
