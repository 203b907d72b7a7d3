/**
 * The writer thread's entry (`dist/sqlite-writer.js` in the bundle): a second connection to
 * `switchyard.db` that runs the stores' write transactions, so their commits' fsyncs block this
 * thread instead of the proxy's event loop. See `sqlite-writer.ts` for the main thread's side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StoreBusyError } from '../store-busy';
import { ConnectionMutex } from './connection-mutex';
import { openDatabase } from './open-database';
import { SqliteRateCounters } from './sqlite-rate-counters';
import { SqliteRequestLog } from './sqlite-request-log';
import { SqliteSpendLedger } from './sqlite-spend-ledger';
import type { WriterReply, WriterRequest, WriterThreadData, WrittenError } from './sqlite-writer-protocol';

const port = parentPort!;
const { dataDir, mutex: mutexBuffer } = workerData as WriterThreadData;

function written(error: unknown): WrittenError {
  if (error instanceof StoreBusyError) return { name: error.name, message: error.message, busy: { store: error.store, holders: error.holders, heldForMs: error.heldForMs } };
  return { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) };
}

let opened: ReturnType<typeof openDatabase> | undefined;
try {
  opened = openDatabase(dataDir, new ConnectionMutex(mutexBuffer));
} catch (error) {
  // Said to the main thread, which writes on its own connection from now on; the thread ends
  // once its port is closed (a throw here would end it less cleanly).
  port.postMessage({ kind: 'failed', error: written(error) } satisfies WriterReply);
  port.close();
}
if (opened !== undefined) serve(opened);

function serve({ database, lock }: NonNullable<typeof opened>): void {
  const requestLog = new SqliteRequestLog(database);
  const stores = {
    requestLog: {
      // A rejected record's error does not cross threads: its message does.
      write: async (records: Parameters<SqliteRequestLog['write']>[0]) => (await requestLog.write(records)).map(({ record, error }) => ({ record, error: written(error) })),
      deleteBefore: (time: number) => requestLog.deleteBefore(time),
    },
    rateCounters: new SqliteRateCounters(database),
    spendLedger: new SqliteSpendLedger(database),
  };

  /** Calls under way (one may be waiting for another process's lock): a close waits for them. */
  const inFlight = new Set<Promise<unknown>>();

  port.on('message', (request: WriterRequest) => {
    if (request.kind === 'close') {
      void Promise.allSettled([...inFlight]).then(() => requestLog.close()).finally(() => {
        database.close();
        lock.release();
        port.postMessage({ kind: 'closed' } satisfies WriterReply);
        port.close();
      });
      return;
    }
    const store = stores[request.store] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const call = Promise.resolve()
      .then(() => store[request.method]!(...request.args))
      .then(
        (value) => port.postMessage({ kind: 'result', id: request.id, value } satisfies WriterReply),
        (error: unknown) => port.postMessage({ kind: 'error', id: request.id, error: written(error) } satisfies WriterReply),
      );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  });
  port.postMessage({ kind: 'ready' } satisfies WriterReply);
}
