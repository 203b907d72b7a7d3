import type { AccessKeyStore } from '../access-keys';
import type { SpendLedger } from '../spend-ledger';
import { PostgresAccessKeys } from './postgres-access-keys';
import { openPostgresDatabase } from './postgres-database';
import { PostgresSpendLedger } from './postgres-spend-ledger';

/** The key store and spend ledger alone, for `switchyard keys --postgres-url`: no log, no cache. */
export async function openPostgresKeyStores(url: string): Promise<{ store: AccessKeyStore; ledger: SpendLedger; close: () => Promise<void> }> {
  const database = await openPostgresDatabase(url);
  const store = new PostgresAccessKeys(database);
  return {
    store,
    ledger: new PostgresSpendLedger(database),
    close: async () => {
      await store.close();
      await database.close();
    },
  };
}
