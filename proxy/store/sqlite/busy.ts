/**
 * node-sqlite3-wasm locks the database file with a lock directory and answers SQLITE_BUSY at
 * once when another process holds it (its VFS cannot sleep). Writes that must not be lost
 * (keys, spend) try again after a short, growing wait instead of failing.
 */
export async function whenNotBusy<T>(action: () => T, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      return action();
    } catch (error) {
      if (!isBusy(error) || Date.now() - started > timeoutMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
  }
}

/** Whether SQLite refused because another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const message = (error as Error)?.message ?? '';
  return /database is locked|SQLITE_BUSY|busy/i.test(message);
}
