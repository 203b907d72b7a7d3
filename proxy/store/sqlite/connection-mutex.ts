import { threadId } from 'node:worker_threads';

/** What a thread sees in the mutex's word: 0 free, else the holder's thread id + 1. */
const free = 0;

/**
 * Which thread of this process may run statements on `switchyard.db` now: the main thread's
 * connection or the writer thread's (`sqlite-writer.ts`). One word of shared memory.
 *
 * node-sqlite3-wasm's lock is a directory with no owner, so a connection that meets it cannot
 * tell a live holder from one that died; `DatabaseLock` decides by the holders' process ids,
 * which both connections of one process share. Taken around every statement (and held for a
 * whole transaction), this mutex makes a lock directory met by a thread that holds it never its
 * own process's: the other thread is not inside a statement. So stale-lock recovery stays right
 * with two connections, and the two never even meet on the directory.
 *
 * A thread that finds the mutex taken waits (`Atomics.wait`, which the main thread may do in
 * Node): the other thread holds it only for one statement or one transaction.
 */
export class ConnectionMutex {
  private static readonly byFile = new Map<string, ConnectionMutex>();

  /**
   * The mutex of every connection this thread opens to `file` (two proxies in one process, as
   * tests run them, share it too); the writer thread gets its buffer from its opener.
   */
  static of(file: string): ConnectionMutex {
    let mutex = ConnectionMutex.byFile.get(file);
    if (mutex === undefined) {
      mutex = new ConnectionMutex();
      ConnectionMutex.byFile.set(file, mutex);
    }
    return mutex;
  }

  readonly buffer: SharedArrayBuffer;
  private readonly word: Int32Array;
  private readonly self = threadId + 1;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.word = new Int32Array(buffer);
  }

  /**
   * Takes the mutex, waiting up to `timeoutMs` for the other thread. Returns false when this
   * thread already held it (nothing to release for this call), true when it took it now.
   * Throws when the wait ran out: the other thread is stuck, which a caller treats like a busy
   * database.
   */
  enter(timeoutMs: number): boolean {
    if (Atomics.load(this.word, 0) === this.self) return false;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const holder = Atomics.compareExchange(this.word, 0, free, this.self);
      if (holder === free) return true;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('database is locked (by the other connection of this process)');
      Atomics.wait(this.word, 0, holder, left);
    }
  }

  /** Releases the mutex if this thread holds it, waking a thread that waits for it. */
  leave(): void {
    if (Atomics.compareExchange(this.word, 0, this.self, free) === this.self) Atomics.notify(this.word, 0);
  }

  /** Whether this thread holds it now. */
  held(): boolean {
    return Atomics.load(this.word, 0) === this.self;
  }
}
