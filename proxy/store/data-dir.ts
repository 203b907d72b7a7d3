import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** What decides the data folder; tests pass their own, the proxy the real process values. */
export interface DataDirEnvironment {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

/**
 * The folder for Switchyard's database, following each platform's convention, created if
 * missing:
 * - Linux and other Unixes: `$XDG_DATA_HOME/switchyard`, else `~/.local/share/switchyard`
 * - macOS: `~/Library/Application Support/Switchyard`
 * - Windows: `%APPDATA%\Switchyard`
 *
 * @see https://specifications.freedesktop.org/basedir-spec/latest/
 */
export function defaultDataDir(
  environment: DataDirEnvironment = { platform: process.platform, env: process.env, home: homedir() },
): string {
  const folder = dataDirFor(environment);
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** The data folder {@link defaultDataDir} would use, without creating it. */
export function dataDirFor({ platform, env, home }: DataDirEnvironment): string {
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'Switchyard');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Switchyard');
  // The spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdgDataHome = env.XDG_DATA_HOME;
  const base = xdgDataHome && path.posix.isAbsolute(xdgDataHome) ? xdgDataHome : path.posix.join(home, '.local', 'share');
  return path.posix.join(base, 'switchyard');
}
