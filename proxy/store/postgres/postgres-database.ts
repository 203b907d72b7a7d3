import type { PoolClient, QueryResultRow } from 'pg';
import { migratePostgres } from './postgres-schema';
import { describePostgresUrl } from './postgres-url';

/** A value bound to a query. */
export type SqlValue = string | number | boolean | null | readonly unknown[];

/**
 * One Postgres database as the team stores use it: a small connection pool, migrated to the
 * current schema when opened. `pg` is loaded here, on first use, so a solo proxy (and the VS Code
 * extension) never evaluates it.
 */
export interface PostgresDatabase {
  /** The server and database, without credentials: for messages. */
  readonly location: string;
  query<Row extends QueryResultRow = QueryResultRow>(text: string, values?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs `body` in one transaction on one connection; rolled back when it throws. */
  transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` with each NOTIFY on `channel`, over a connection of its own that is opened
   * again with backoff when it drops; `onState` hears whether it is listening.
   */
  listen(channel: string, onNotify: (payload: string) => void, onState: (listening: boolean) => void): () => Promise<void>;
  /** Why the last query failed to reach the server, while it does; undefined once one succeeds. */
  problem(): string | undefined;
  close(): Promise<void>;
}

/** Loads `pg` (CommonJS) however the module system presents it. */
async function loadPg(): Promise<typeof import('pg')> {
  const loaded = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') };
  return loaded.default ?? loaded;
}

/** Errors that mean the server cannot be reached (as opposed to a query it refused). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  const message = (error as Error)?.message ?? '';
  // 57P01 admin_shutdown, 57P02/57P03 crash/cannot connect now, 08xxx connection exceptions.
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|57P0[123]|08...)$/.test(code) || /Connection terminated|connection timeout|not queryable|Client has encountered a connection error/i.test(message);
}

/**
 * Connects to `url`, runs the schema migrations (under an advisory lock, so proxies starting
 * together migrate once) and returns the database. Rejects when the server cannot be reached or
 * the schema is newer than this build knows about.
 */
export async function openPostgresDatabase(url: string, options: { log?: (message: string) => void; poolSize?: number } = {}): Promise<PostgresDatabase> {
  const pg = await loadPg();
  const location = describePostgresUrl(url);
  const log = options.log ?? (() => {});
  // bigint columns hold ms times and counts, all well inside 2^53: numbers, not strings.
  const types = { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) };
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, types });
  let unreachable: string | undefined;
  // One line when the server goes away and one when it is back, as Redis's connection says it:
  // the operator reading the log sees the outage's start and end, not only /health turning ok.
  const markUnreachable = (reason: string): void => {
    if (unreachable === undefined) log(`PostgreSQL at ${location} went away (${reason}); records and audit entries wait in memory until it is back`);
    unreachable = reason;
  };
  const markReachable = (): void => {
    if (unreachable !== undefined) log(`PostgreSQL at ${location} is back`);
    unreachable = undefined;
  };
  // An idle connection that drops (a server restart) must not crash the process.
  pool.on('error', (error) => markUnreachable(error.message));
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work();
      markReachable();
      return result;
    } catch (error) {
      if (isConnectionError(error)) markUnreachable((error as Error).message || String((error as { code?: string }).code));
      throw error;
    }
  };
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const listeners = new Set<() => Promise<void>>();
  return {
    location,
    query: async <Row extends QueryResultRow>(text: string, values: readonly SqlValue[] = []) => track(async () => (await pool.query<Row>(text, values as unknown[])).rows),
    transaction: <T>(body: (client: PoolClient) => Promise<T>) =>
      track(async () => {
        const client = await pool.connect();
        let broken: unknown;
        try {
          await client.query('BEGIN');
          const result = await body(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          broken = isConnectionError(error) ? error : undefined;
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          // A connection that failed is not given back to the pool for reuse.
          client.release(broken as Error | undefined);
        }
      }),
    listen(channel, onNotify, onState) {
      const stop = listenWithBackoff(pg, url, types, channel, onNotify, onState, log);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    problem: () => (unreachable === undefined ? undefined : `PostgreSQL at ${location} cannot be reached (${unreachable})`),
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}

/** A LISTEN connection kept open: reopened after 0.25 s, doubling to 10 s, when it drops. */
function listenWithBackoff(
  pg: typeof import('pg'),
  url: string,
  types: { getTypeParser: (oid: number, format?: string) => unknown },
  channel: string,
  onNotify: (payload: string) => void,
  onState: (listening: boolean) => void,
  log: (message: string) => void,
): () => Promise<void> {
  let stopped = false;
  let client: import('pg').Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = 250;
  const retry = (): void => {
    if (stopped) return;
    onState(false);
    timer = setTimeout(connect, delay);
    timer.unref();
    delay = Math.min(delay * 2, 10_000);
  };
  const connect = (): void => {
    if (stopped) return;
    const current = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, types: types as never });
    client = current;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed || stopped) return;
      failed = true;
      log(`PostgreSQL notifications (${channel}) lost: ${error.message}; reconnecting in ${delay} ms`);
      current.end().catch(() => {});
      retry();
    };
    current.on('error', fail);
    current.on('end', () => fail(new Error('connection ended')));
    current.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    current
      .connect()
      .then(() => current.query(`LISTEN ${channel}`))
      .then(() => {
        delay = 250;
        onState(true);
      })
      .catch(fail);
  };
  connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => {});
  };
}
