import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Held by the window that is spawning a proxy for this data folder. */
const spawnLockName = 'spawn.lock';
/** A lock older than this was left by a window that died while spawning. */
const staleLockMs = 30_000;

/** The spawn lock file of a data folder. */
export function spawnLockPath(dataDir: string): string {
  return path.join(dataDir, spawnLockName);
}

/** Takes the spawn lock if it is free (or stale); false when another window holds it. */
export function tryLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    // The holder's extension host may have died mid-spawn (a window closed or crashed).
    const holder = Number(readFileSync(lock, 'utf8'));
    if (Date.now() - statSync(lock).mtimeMs > staleLockMs || (Number.isInteger(holder) && holder > 0 && !processAlive(holder))) {
      rmSync(lock, { force: true });
    }
  } catch {
    // Released meanwhile: the next try takes it.
  }
  return false;
}

/** Releases the lock, or breaks one held too long; no error when it is already gone. */
export function releaseLock(lock: string): void {
  rmSync(lock, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
