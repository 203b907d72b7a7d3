/**
 * A store is there but another process holds it for now (SQLite: a second proxy, a
 * `switchyard keys` command, or any process inside a write on the same data folder). Nothing is
 * wrong with the caller's request: the control API answers it with a 503 naming the store and
 * who holds it, the request log keeps its records queued until the store frees.
 *
 * The message stays SQLite's own `database is locked`, so every check that retries on it still
 * matches; what to tell a person is in {@link StoreBusyError.explanation}.
 */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError';

  constructor(
    /** The store: the database file. */
    readonly store: string,
    /** Who may hold it, in words (`process 4242, alive`), or undefined when no one is known. */
    readonly holders: string | undefined,
    /** How long its lock has been held (ms), when known. */
    readonly heldForMs: number | undefined,
  ) {
    super('database is locked');
  }

  /** What is wrong, for a log line: the database, who holds it, since when. */
  describe(): string {
    const held = this.heldForMs === undefined ? '' : ` (held for ${(this.heldForMs / 1000).toFixed(1)} s)`;
    const who = this.holders === undefined ? 'another process' : this.holders;
    return `Switchyard's database ${this.store} is locked by ${who}${held}`;
  }

  /** What is wrong and what to do, for a control API answer. */
  explanation(): string {
    return `${this.describe()}. Try again in a moment; if it stays locked, stop the other process using this data folder (another Switchyard proxy, or a \`switchyard keys\` or \`requests\` command).`;
  }
}
