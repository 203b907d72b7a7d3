import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/**
 * Real PostgreSQL and Redis servers for the team-mode tests: each started as a process of its
 * own on a free port in a temporary folder, stopped when the test run ends. Never mocks: the
 * storage ports are tested against the engines teams run.
 *
 * When a binary is missing the tests that need it skip, loudly; under CI (`.ci/run` sets
 * `SWITCHYARD_REQUIRE_SERVERS=1`, and installs Debian's `postgresql` and `redis-server`) a missing
 * binary fails the run instead, so a green CI cannot hide untested team mode.
 */

/** Set by .ci/run: a missing server binary is a failure, not a skip. */
export const serversRequired = process.env.SWITCHYARD_REQUIRE_SERVERS === '1';

/** The PostgreSQL programs, from `SWITCHYARD_PG_BIN`, Debian's versioned folders, or the PATH. */
export function findPostgresBinaries(): { postgres: string; initdb: string } | undefined {
  const folders: string[] = [];
  if (process.env.SWITCHYARD_PG_BIN) folders.push(process.env.SWITCHYARD_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    // The newest major version first.
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) folders.push(path.join(debian, version, 'bin'));
  }
  folders.push(...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/bin', '/usr/local/pgsql/bin');
  for (const folder of folders) {
    const postgres = path.join(folder, 'postgres');
    const initdb = path.join(folder, 'initdb');
    if (existsSync(postgres) && existsSync(initdb)) return { postgres, initdb };
  }
  return undefined;
}

export function findRedisServer(): string | undefined {
  for (const folder of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    const file = path.join(folder, 'redis-server');
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Skips the calling suite with a loud message when `binary` is missing, or throws under CI.
 * Call from a `before` hook: `requireServer(this, findRedisServer(), 'redis-server')`.
 */
export function requireServer<T>(context: Mocha.Context, found: T | undefined, name: string): T {
  if (found !== undefined) return found;
  const message = `${name} is not installed: the team-mode (Postgres/Redis) tests are SKIPPED. Install Debian's postgresql and redis-server (.ci/run does).`;
  if (serversRequired) throw new Error(`${message} SWITCHYARD_REQUIRE_SERVERS=1 makes this a failure.`);
  process.stderr.write(`\n  !!! ${message}\n\n`);
  context.skip();
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Who the servers run as. PostgreSQL refuses to run as root: under root (CI, this machine) the
 * `postgres` account when there is one, else `nobody`; otherwise the current user.
 */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const found = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (found.status !== 0) continue;
    const uid = Number(found.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
    return { uid, gid };
  }
  throw new Error('Running as root, and neither a postgres nor a nobody account exists to run PostgreSQL as.');
}

/** A temporary folder the server account owns. */
function ownedFolder(prefix: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  const account = serverAccount();
  if (account !== undefined) chownSync(folder, account.uid, account.gid);
  return folder;
}

const running = new Set<ChildProcess>();
const killAll = (): void => {
  for (const child of running) child.kill('SIGKILL');
};
// The servers are children: a test run that ends (or crashes) takes them along. A signal ends
// Node without its 'exit' handlers, so the usual stop signals are caught too, while servers run.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (running.size === 0 && process.listenerCount(signal) > 1) return;
    killAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** Waits until something accepts connections on the port, or the child exits. */
async function waitForPort(port: number, child: ChildProcess, name: string, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it listened:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms:\n${output()}`);
}

function startChild(command: string, args: string[], name: string): { child: ChildProcess; output: () => string } {
  const account = serverAccount();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(account ?? {}) });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, output: () => output || `(${name} wrote nothing)` };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A PostgreSQL server of its own: `initdb` into a temporary folder, `postgres` on a free port. */
export class PostgresServer {
  private child: ChildProcess | undefined;
  private output: () => string = () => '';
  private databases = 0;

  private constructor(
    private readonly binaries: { postgres: string; initdb: string },
    readonly folder: string,
    readonly port: number,
  ) {}

  /** initdb (trust authentication, user `switchyard`) and start; about a second. */
  static async start(binaries: { postgres: string; initdb: string }): Promise<PostgresServer> {
    const folder = ownedFolder('switchyard-postgres-');
    const account = serverAccount();
    const initialised = spawnSync(binaries.initdb, ['-D', path.join(folder, 'data'), '-U', 'switchyard', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C'], {
      encoding: 'utf8',
      ...(account ?? {}),
    });
    if (initialised.status !== 0) throw new Error(`initdb failed as ${userInfo().username}${account ? ` (running it as uid ${account.uid})` : ''}:\n${initialised.stderr}${initialised.stdout}`);
    const server = new PostgresServer(binaries, folder, await freePort());
    await server.resume();
    return server;
  }

  /** `postgres://switchyard@127.0.0.1:PORT/NAME`. */
  url(database = 'postgres'): string {
    return `postgres://switchyard@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database on the server, so each suite starts from nothing. */
  async createDatabase(): Promise<string> {
    this.databases += 1;
    const name = `switchyard_test_${process.pid}_${this.databases}`;
    const { Client } = await import('pg');
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server, as an operator's restart does (fast shutdown: sessions are cut). */
  async stop(): Promise<void> {
    if (this.child !== undefined) await stopChild(this.child, 'SIGINT');
    this.child = undefined;
  }

  /** Starts it again on the same port and data. */
  async resume(): Promise<void> {
    const started = startChild(
      this.binaries.postgres,
      ['-D', path.join(this.folder, 'data'), '-p', String(this.port), '-k', this.folder, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      'postgres',
    );
    this.child = started.child;
    this.output = started.output;
    await waitForPort(this.port, started.child, 'postgres', this.output);
    await this.waitUntilAccepting();
  }

  /**
   * The port opens before the server takes sessions: until recovery ends it answers "the
   * database system is starting up" (57P03). Waits for a query to succeed.
   */
  private async waitUntilAccepting(timeoutMs = 30_000): Promise<void> {
    const { Client } = await import('pg');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Client({ connectionString: this.url() });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '57P03' || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await client.end().catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

/** A Redis server of its own on a free port, nothing persisted. */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    readonly folder: string,
    readonly port: number,
  ) {}

  static async start(binary: string): Promise<RedisServer> {
    const server = new RedisServer(binary, ownedFolder('switchyard-redis-'), await freePort());
    await server.resume();
    return server;
  }

  url(database = 0): string {
    return `redis://127.0.0.1:${this.port}/${database}`;
  }

  /** Kills it outright, as a crash would. */
  async kill(): Promise<void> {
    if (this.child !== undefined) await stopChild(this.child, 'SIGKILL');
    this.child = undefined;
  }

  async resume(): Promise<void> {
    const started = startChild(this.binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.folder, '--save', '', '--appendonly', 'no'], 'redis-server');
    this.child = started.child;
    await waitForPort(this.port, started.child, 'redis-server', started.output);
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

let sharedPostgres: Promise<PostgresServer> | undefined;
let sharedRedis: Promise<RedisServer> | undefined;

/**
 * The run's one PostgreSQL server, started on first use and stopped when mocha's run ends:
 * suites take a database of their own on it (`createDatabase`), so `npm test` pays for one
 * initdb and start, not one per suite.
 */
export function sharedPostgresServer(binaries: { postgres: string; initdb: string }): Promise<PostgresServer> {
  sharedPostgres ??= PostgresServer.start(binaries);
  return sharedPostgres;
}

/** The run's one Redis server; suites take a database number of their own (`nextRedisDatabase`). */
export function sharedRedisServer(binary: string): Promise<RedisServer> {
  sharedRedis ??= RedisServer.start(binary);
  return sharedRedis;
}

let redisDatabases = 0;
/** Database numbers 1…15 in turn (Redis has 16); a suite flushes its own at the start. */
export function nextRedisDatabase(): number {
  redisDatabases = (redisDatabases % 15) + 1;
  return redisDatabases;
}

/**
 * Stops the shared servers; suites register it as a root `after` hook. A PostgreSQL fast shutdown
 * writes a checkpoint, which on a busy machine outlasts mocha's 10 s default: the hook gives itself
 * a minute (the servers' own stop escalates to SIGKILL well before).
 */
export async function stopSharedServers(this: Mocha.Context | void): Promise<void> {
  this?.timeout(60_000);
  const servers = await Promise.allSettled([sharedPostgres, sharedRedis].filter((server) => server !== undefined));
  sharedPostgres = undefined;
  sharedRedis = undefined;
  for (const server of servers) if (server.status === 'fulfilled') await server.value?.close();
}
