/** The messages between the main thread and the SQLite writer thread (`sqlite-writer.ts`). */

/** What the writer thread starts with. */
export interface WriterThreadData {
  dataDir: string;
  /** The word of this process's `ConnectionMutex`. */
  mutex: SharedArrayBuffer;
}

/** The stores whose methods run on the writer thread, and those methods. */
export interface WriterStores {
  requestLog: 'write' | 'deleteBefore';
  rateCounters: 'reserve' | 'settle';
  spendLedger: 'exchange' | 'read';
}

export type WriterStore = keyof WriterStores;

export type WriterRequest =
  | { kind: 'call'; id: number; store: WriterStore; method: string; args: unknown[] }
  | { kind: 'close' };

/** An error as it crosses threads; a busy database keeps what `StoreBusyError` says of it. */
export interface WrittenError {
  name: string;
  message: string;
  busy?: { store: string; holders: string | undefined; heldForMs: number | undefined };
}

export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WrittenError }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WrittenError }
  | { kind: 'closed' };
