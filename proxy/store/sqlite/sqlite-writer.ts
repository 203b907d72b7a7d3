import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RateAnswer, RateCounters, RateItem, RateSettlement } from '../rate-counters';
import type { RejectedRecord, RequestLogBackend } from '../request-log';
import type { RequestRecord } from '../request-record';
import type { BudgetSlot, LeaseGrant, LeaseRequest, SlotState, SpendLedger } from '../spend-ledger';
import { StoreBusyError } from '../store-busy';
import type { ConnectionMutex } from './connection-mutex';
import type { SqliteRateCounters } from './sqlite-rate-counters';
import type { SqliteRequestLog } from './sqlite-request-log';
import type { SqliteSpendLedger } from './sqlite-spend-ledger';
import type { WriterReply, WriterRequest, WriterStore, WriterStores, WriterThreadData, WrittenError } from './sqlite-writer-protocol';

/** The stores on the main thread's connection: what runs when the writer thread cannot. */
export interface InlineStores {
  requestLog: SqliteRequestLog;
  rateCounters: SqliteRateCounters;
  spendLedger: SqliteSpendLedger;
}

interface Pending {
  store: WriterStore;
  method: string;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The SQLite writer thread, seen from the main thread: the stores' write transactions (the
 * request log's batches and retention, rate-limit leases, the spend ledger's exchanges) run on a
 * worker thread's own connection to `switchyard.db`, so their commits' fsyncs (milliseconds,
 * tens under load) no longer hold the event loop. The transactions are the same IMMEDIATE ones,
 * so budgets and rate limits stay exact across processes; the two connections of this process
 * take turns through a `ConnectionMutex`, which also keeps stale-lock recovery right.
 *
 * The thread starts with the first write, not with the proxy: one that serves nothing costs
 * nothing (the thread is ~12 MB of resident memory, a second isolate and SQLite heap). Until it
 * answers that it is ready — its SQLite compiled and the database open, off the event loop —
 * writes run on the main thread's connection as before, so no call waits for it. Should the
 * thread fail to start or die, its calls (and every later one) run there too, and the failure is
 * reported once.
 */
export class SqliteWriter {
  private worker: Worker | undefined;
  private readonly data: WriterThreadData;
  private readonly inline: InlineStores;
  private readonly onError: (error: unknown) => void;
  private readonly pending = new Map<number, Pending>();
  private next = 1;
  private state: 'unstarted' | 'starting' | 'running' | 'failed' | 'closed' = 'unstarted';
  private closing: Promise<void> | undefined;
  private closed: (() => void) | undefined;

  constructor(dataDir: string, mutex: ConnectionMutex, inline: InlineStores, onError: (error: unknown) => void) {
    this.inline = inline;
    this.onError = onError;
    this.data = { dataDir, mutex: mutex.buffer };
  }

  /** Whether calls go to the thread now (false before it is ready, after it failed or closed). */
  get threaded(): boolean {
    return this.state === 'running';
  }

  /** Starts the thread now rather than at the first write (tests, benches). Resolves once it is ready or failed. */
  async start(): Promise<void> {
    if (this.state === 'unstarted') this.spawn();
    while (this.state === 'starting') await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Runs a store's method on the writer thread (on the main thread's connection when it cannot). */
  call<Store extends WriterStore>(store: Store, method: WriterStores[Store], args: unknown[]): Promise<unknown> {
    if (this.state === 'unstarted') this.spawn();
    const worker = this.worker;
    if (this.state !== 'running' || worker === undefined) return this.runInline(store, method, args);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { store, method, args, resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ kind: 'call', id, store, method, args } satisfies WriterRequest);
    });
  }

  private spawn(): void {
    this.state = 'starting';
    let worker: Worker;
    try {
      worker = startWorker(this.data);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.worker = worker;
    // Idle, the thread does not keep the process alive; with calls waiting on it, it does.
    worker.unref();
    worker.on('message', (reply: WriterReply) => this.receive(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      this.closed?.();
      if (this.state === 'running' || this.state === 'starting') this.fail(new Error(`the SQLite writer thread exited (code ${code})`));
    });
  }

  /** Waits for the calls under way, then closes the thread's connection and ends it. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    const worker = this.worker;
    const live = this.state === 'running' || this.state === 'starting';
    // Later calls (none are expected: the stores closed first) run on the main thread.
    this.state = 'closed';
    if (!live || worker === undefined) return;
    const ended = new Promise<void>((resolve) => (this.closed = resolve));
    worker.ref();
    // Messages are handled in order: every call posted before this one has been answered first.
    worker.postMessage({ kind: 'close' } satisfies WriterRequest);
    await ended;
  }

  private receive(reply: WriterReply): void {
    switch (reply.kind) {
      case 'ready':
        if (this.state === 'starting') this.state = 'running';
        return;
      case 'failed':
        this.fail(rebuildError(reply.error));
        return;
      case 'closed':
        // The thread's port closes next and the thread exits: 'exit' settles close().
        return;
      case 'result':
      case 'error': {
        const call = this.pending.get(reply.id);
        if (call === undefined) return;
        this.pending.delete(reply.id);
        if (this.pending.size === 0) this.worker?.unref();
        if (reply.kind === 'result') call.resolve(reply.value);
        else call.reject(rebuildError(reply.error));
      }
    }
  }

  /** From now on every call runs on the main thread's connection, the waiting ones too. */
  private fail(error: unknown): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    this.state = 'failed';
    this.onError(new Error(`the SQLite writer thread failed; the stores write on the main thread from now on: ${(error as Error)?.message ?? String(error)}`));
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const call of waiting) this.runInline(call.store, call.method, call.args).then(call.resolve, call.reject);
    void this.worker?.terminate();
  }

  private runInline(store: WriterStore, method: string, args: unknown[]): Promise<unknown> {
    const target = this.inline[store] as unknown as Record<string, (...values: unknown[]) => Promise<unknown>>;
    return Promise.resolve().then(() => target[method]!.apply(this.inline[store], args));
  }
}

/**
 * The bundle's `dist/sqlite-writer.js` beside `dist/proxy.js`; from the sources (tests, benches
 * under tsx) the TypeScript entry, through tsx's require hook (a worker takes no `.ts` file).
 */
function startWorker(data: WriterThreadData): Worker {
  // The thread holds a batch of records at a time and SQLite's pages in WebAssembly memory; a
  // small young generation keeps its idle footprint down (a failure to allocate ends the thread,
  // and the writes go back to the main thread).
  const resourceLimits = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 };
  if (__filename.endsWith('.ts')) {
    const entry = path.join(__dirname, 'sqlite-writer-thread.ts');
    // Named through a variable: the bundle never takes this branch and must not look for tsx.
    const tsxHook = ['tsx', 'cjs'].join('/');
    return new Worker(`require(${JSON.stringify(require.resolve(tsxHook))}); require(${JSON.stringify(entry)});`, { eval: true, workerData: data, resourceLimits });
  }
  return new Worker(path.join(__dirname, 'sqlite-writer.js'), { workerData: data, resourceLimits });
}

function rebuildError(error: WrittenError): Error {
  if (error.busy !== undefined) return new StoreBusyError(error.busy.store, error.busy.holders, error.busy.heldForMs);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

/** The request log's backend: batches and retention on the writer thread, reads on the main thread's connection. */
export class ThreadedRequestLog implements RequestLogBackend {
  constructor(
    private readonly writer: SqliteWriter,
    private readonly inline: SqliteRequestLog,
  ) {}

  async write(records: readonly RequestRecord[]): Promise<RejectedRecord[]> {
    const rejected = (await this.writer.call('requestLog', 'write', [records])) as Array<{ record: RequestRecord; error: unknown }>;
    // From the thread a rejected record comes back as a copy, with its error's name and message.
    return rejected.map(({ record, error }) => ({ record, error: error instanceof Error ? error : rebuildError(error as WrittenError) }));
  }

  recent(...args: Parameters<RequestLogBackend['recent']>): ReturnType<RequestLogBackend['recent']> {
    return this.inline.recent(...args);
  }

  get(id: string): Promise<RequestRecord | undefined> {
    return this.inline.get(id);
  }

  aggregate(...args: Parameters<RequestLogBackend['aggregate']>): ReturnType<RequestLogBackend['aggregate']> {
    return this.inline.aggregate(...args);
  }

  async deleteBefore(time: number): Promise<number> {
    return (await this.writer.call('requestLog', 'deleteBefore', [time])) as number;
  }

  close(): Promise<void> {
    return this.inline.close();
  }
}

/** Rate-limit leases, reserved and settled on the writer thread. */
export class ThreadedRateCounters implements RateCounters {
  constructor(
    private readonly writer: SqliteWriter,
    private readonly inline: SqliteRateCounters,
  ) {}

  async reserve(items: readonly RateItem[], now: number, settlements: readonly RateSettlement[] = []): Promise<RateAnswer> {
    return (await this.writer.call('rateCounters', 'reserve', [items, now, settlements])) as RateAnswer;
  }

  async settle(settlements: readonly RateSettlement[]): Promise<void> {
    if (settlements.length === 0) return;
    await this.writer.call('rateCounters', 'settle', [settlements]);
  }

  close(): Promise<void> {
    return this.inline.close();
  }
}

/** The spend ledger's exchanges and reads, on the writer thread. */
export class ThreadedSpendLedger implements SpendLedger {
  constructor(
    private readonly writer: SqliteWriter,
    private readonly inline: SqliteSpendLedger,
  ) {}

  async exchange(holder: string, requests: readonly LeaseRequest[], now: number, leaseTtlMs: number): Promise<LeaseGrant[]> {
    return (await this.writer.call('spendLedger', 'exchange', [holder, requests, now, leaseTtlMs])) as LeaseGrant[];
  }

  async read(slots: readonly BudgetSlot[], now: number): Promise<SlotState[]> {
    return (await this.writer.call('spendLedger', 'read', [slots, now])) as SlotState[];
  }

  close(): Promise<void> {
    return this.inline.close();
  }
}
