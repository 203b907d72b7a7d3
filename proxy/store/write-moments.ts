/**
 * When a store's batched write runs. The SQLite stores' writes are synchronous on the event loop
 * (node-sqlite3-wasm): a commit takes the lock directory, syncs the journal and the file,
 * truncates the journal and drops the lock, 2–10 ms on this project's VMs, and a request that
 * arrives meanwhile waits that long for its first byte. A write that can wait a little is better
 * run while the loop waits anyway: while a provider thinks, whose first token takes far longer
 * than a commit (docs/decisions.md, "Caching, ninth pass" and "tenth pass").
 */
export interface WriteMoments {
  /**
   * Runs `write` at the next good moment: soon if one is now, else when one comes, and after
   * `latestMs` whatever happens. Returns a function that cancels it (it has then not run).
   */
  schedule(write: () => void, latestMs: number): () => void;
}

/** How long a batch that is due waits, at most, for a good moment to be written. */
export const longestWaitForMomentMs = 4000;
