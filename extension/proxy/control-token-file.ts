import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const controlTokenName = 'control-token';

/**
 * The control token, shared by every proxy this data folder starts: created once (exclusively,
 * so two racing windows agree on it) and passed to the proxy, which writes the same token back.
 * A proxy that loses the race for the port therefore cannot leave a token file that the
 * winner does not accept.
 */
export function sharedControlToken(dataDir: string): string {
  const file = path.join(dataDir, controlTokenName);
  try {
    writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/** The data folder's control token; undefined when there is none (no proxy of ours ran there). */
export function readControlToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(path.join(dataDir, controlTokenName), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}
