import { mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreBusyError } from '../store-busy';

/**
 * How old a lock directory must be before it is taken for stale while another live process
 * has the database open. No statement of ours holds it for more than a moment (the largest
 * batch write takes milliseconds); half a minute leaves room for a slow disk or a paused
 * process without ever breaking into a write that is really under way.
 */
export const staleLockAgeMs = 30 * 1000;

/**
 * Who may hold `switchyard.db.lock`, and whether a leftover one can go.
 *
 * node-sqlite3-wasm locks the database by creating `<database>.lock` as a directory for the
 * length of each statement (or transaction) and removing it after; it records no owner. A
 * process killed inside a write leaves the directory behind, and every later statement of
 * every process reports "database is locked" for as long as it stays. So each process that
 * opens the database registers itself in `<database>.holders/` (one file per connection,
 * named after its process id), and a lock directory met while no other registered process is
 * alive cannot be anyone's: it is removed at once. While another live process has the
 * database open, only a lock older than `staleLockAgeMs` is removed. The check runs when the
 * database is opened and again whenever a statement is refused as locked, so a running proxy
 * that meets a leftover lock recovers on its next write.
 *
 * Within one process this is safe as well: node-sqlite3-wasm is synchronous, so between two
 * turns of the event loop no connection of this process is inside a statement.
 */
export class DatabaseLock {
  readonly lockPath: string;
  readonly databaseFile: string;
  private readonly holdersPath: string;
  private readonly holderFile: string;
  private readonly now: () => number;

  constructor(databaseFile: string, options: { now?: () => number } = {}) {
    this.databaseFile = databaseFile;
    this.lockPath = `${databaseFile}.lock`;
    this.holdersPath = `${databaseFile}.holders`;
    this.holderFile = path.join(this.holdersPath, `${process.pid}-${randomBytes(4).toString('hex')}`);
    this.now = options.now ?? Date.now;
  }

  /** Registers this connection as a holder; until then other processes cannot see it. */
  register(): void {
    mkdirSync(this.holdersPath, { recursive: true });
    writeFileSync(this.holderFile, JSON.stringify({ pid: process.pid, openedAt: this.now() }));
  }

  /** Unregisters this connection (when the database is closed). */
  release(): void {
    try {
      unlinkSync(this.holderFile);
    } catch {
      // Already gone: a data folder removed under us.
    }
  }

  /**
   * Removes the lock directory when it is stale; true when it removed one. Registrations of
   * processes that are no longer alive are cleared on the way.
   */
  clearIfStale(): boolean {
    let lockAgeMs: number;
    try {
      lockAgeMs = this.now() - statSync(this.lockPath).mtimeMs;
    } catch {
      return false; // no lock directory: the usual case
    }
    if (this.otherLiveHolder() && lockAgeMs <= staleLockAgeMs) return false;
    try {
      rmdirSync(this.lockPath);
      return true;
    } catch {
      return false; // its owner just freed it, or another process cleared it first
    }
  }

  /**
   * Runs a statement; when the database refuses it as locked and the lock proves stale, clears
   * it and runs the statement once more. A lock that is not stale is thrown as a
   * {@link StoreBusyError} naming the database and who may hold it (its message stays SQLite's).
   */
  recovering<T>(statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      if (!isLockedError(error)) throw error;
      if (!this.clearIfStale()) throw this.busyError();
      try {
        return statement();
      } catch (again) {
        throw isLockedError(again) ? this.busyError() : again;
      }
    }
  }

  /** Whether another live process has the database open now (a second proxy, a CLI command). */
  othersHoldOpen(): boolean {
    return this.otherLiveHolders().length > 0;
  }

  /** The database is locked and the lock is not stale: what is known of who holds it, and since when. */
  private busyError(): StoreBusyError {
    const pids = this.otherLiveHolders();
    let heldForMs: number | undefined;
    try {
      heldForMs = Math.max(0, this.now() - statSync(this.lockPath).mtimeMs);
    } catch {
      // Freed meanwhile: the next try will most likely pass.
    }
    const holders = pids.length === 0 ? undefined : `${pids.length === 1 ? 'process' : 'one of processes'} ${pids.join(', ')} (alive, with the database open)`;
    return new StoreBusyError(this.databaseFile, holders, heldForMs);
  }

  private otherLiveHolder(): boolean {
    return this.otherLiveHolders().length > 0;
  }

  /** The ids of other live processes registered as holders; registrations of dead ones are cleared on the way. */
  private otherLiveHolders(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.holdersPath);
    } catch {
      return [];
    }
    const alive = new Set<number>();
    for (const name of names) {
      const pid = Number.parseInt(name, 10);
      if (!Number.isSafeInteger(pid) || pid <= 0) continue;
      if (pid === process.pid) continue;
      if (isAlive(pid)) {
        alive.add(pid);
      } else {
        try {
          unlinkSync(path.join(this.holdersPath, name));
        } catch {
          // cleared by another process
        }
      }
    }
    return [...alive];
  }
}

/** SQLITE_BUSY as node-sqlite3-wasm reports it. */
export function isLockedError(error: unknown): boolean {
  return error instanceof Error && /database is locked/i.test(error.message);
}

/** Whether a process with this id exists (EPERM: it does, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
