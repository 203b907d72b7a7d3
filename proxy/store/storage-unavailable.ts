/**
 * A shared store (a team's Redis or PostgreSQL) cannot be reached, and the caller's data may not
 * be guessed: thrown by stores that fail closed (`storage.onStorageError: "closed"`), for the
 * policy that asked to refuse the call with a 503 naming the store, never a 500.
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';

  constructor(
    /** The store, without credentials: `Redis at redis://cache:6379/0`. */
    readonly store: string,
    override readonly cause: unknown,
  ) {
    const reason = (cause as Error)?.message ?? String(cause);
    // The connection's own problem already names the store ("Redis at … cannot be reached (…)"):
    // said twice, the client's error message would stutter.
    super(reason.startsWith(store) ? reason : `${store} cannot be reached (${reason})`);
  }
}
