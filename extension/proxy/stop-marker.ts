import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A user's Stop from any window: other windows see the proxy go and must not restart it. */
const stopMarkerName = 'stopped';

/** The stop marker file of a data folder. */
export function stopMarkerPath(dataDir: string): string {
  return path.join(dataDir, stopMarkerName);
}

/** Marks the proxy of this data folder as stopped by the user, for every window. */
export function writeStopMarker(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(stopMarkerPath(dataDir), String(Date.now()));
}

/** Clears a Stop made in any window: the user asked for a start. */
export function clearStopMarker(dataDir: string): void {
  rmSync(stopMarkerPath(dataDir), { force: true });
}

/** True when a Stop was made (in any window) since `since`, with a second of clock slack. */
export function stoppedSince(dataDir: string, since: number): boolean {
  try {
    return statSync(stopMarkerPath(dataDir)).mtimeMs >= since - 1_000;
  } catch {
    return false;
  }
}
