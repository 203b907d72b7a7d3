import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Each spawned proxy writes its output to its own file here; the newest few are kept. */
const logFolderName = 'logs';
const keptLogFiles = 5;

/**
 * A fresh output file in `<dataDir>/logs` for a proxy about to start, named so they sort by
 * time; older ones beyond the newest few are removed (a running proxy keeps its handle on POSIX;
 * on Windows the removal fails quietly and is retried at the next start).
 */
export function newLogFile(dataDir: string): string {
  const folder = path.join(dataDir, logFolderName);
  mkdirSync(folder, { recursive: true });
  const existing = readdirSync(folder)
    .filter((name) => /^proxy-\d+-[0-9a-f]+\.log$/.test(name))
    .sort();
  for (const name of existing.slice(0, Math.max(0, existing.length - keptLogFiles + 1))) {
    rmSync(path.join(folder, name), { force: true });
  }
  return path.join(folder, `proxy-${String(Date.now()).padStart(15, '0')}-${randomBytes(3).toString('hex')}.log`);
}

/** The file's text; empty when it cannot be read (not written yet, or removed). */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The file's last `characters`, from the first whole line in them. */
export function tail(file: string, characters: number): string {
  const text = readText(file);
  if (text.length <= characters) return text;
  const cut = text.slice(-characters);
  return cut.slice(cut.indexOf('\n') + 1);
}

/** The last five non-blank lines of a proxy's output, for a crash report. */
export function lastLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-5);
}

/** Appends to the file, ignoring failure: used for notes whose reason is also in the status. */
export function appendQuietly(file: string, text: string): void {
  try {
    writeFileSync(file, text, { flag: 'a' });
  } catch {
    // The reason is also in the status.
  }
}
