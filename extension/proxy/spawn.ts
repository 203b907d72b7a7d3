import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import type { HealthInfo } from '../../proxy/control/protocol';
import { probeHealth } from '../control-client';
import { describeCrash } from '../crash-reason';
import { sharedControlToken } from './control-token-file';
import type { ProxyManagerOptions, ProxySettings } from './proxy-manager-options';
import { appendQuietly, lastLines, newLogFile, readText } from './log-files';
import { releaseLock, spawnLockPath, tryLock } from './spawn-lock';
import { delay } from './wait';

const listeningLine = 'Switchyard listening on';

/** What one spawn of the bundled proxy needs: the manager's options and the settings of the moment. */
export interface LaunchSettings extends ProxySettings, Pick<ProxyManagerOptions, 'proxyScript' | 'runtime' | 'dataDir' | 'log'> {
  /** How long the proxy may take to listen. */
  startTimeoutMs: number;
}

/** How a spawned proxy's start ended. */
export type ListenOutcome =
  | { kind: 'listening'; health: HealthInfo }
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout' };

/** A spawned proxy, its output file, how its start ended and what it printed meanwhile. */
export interface Launch {
  child: ChildProcess;
  logFile: string;
  outcome: ListenOutcome;
  startupOutput: string;
}

/** How a start under the spawn lock ended, for the state machine to act on. */
export type SpawnResult =
  /** A proxy answers on the port (another window's, or the winner of a race for it): attach. */
  | { kind: 'answering'; port: number; health: HealthInfo }
  /** The proxy this window spawned listens. */
  | { kind: 'spawned'; port: number; health: HealthInfo; child: ChildProcess; logFile: string }
  /** Something that is not a Switchyard proxy holds the port. */
  | { kind: 'port-taken'; port: number }
  /** The spawned proxy exited or never listened: a crash, with the reason and its last output. */
  | { kind: 'failed'; reason: string; lastOutput: string[] };

/** What a start under the spawn lock needs from the state machine. */
export interface SpawnUnderLockOptions {
  dataDir: string;
  /** The port to watch while another window holds the lock. */
  port: number;
  startTimeoutMs: number;
  /** Read once the lock is taken, so the spawn uses the settings of that moment. */
  launchSettings: () => LaunchSettings;
  /** False once a stop, restart or dispose made this start obsolete: nothing more is done. */
  isCurrent: () => boolean;
  /** Acts on the result; runs while the lock is still held when this window spawned. */
  settle: (result: SpawnResult) => Promise<void>;
}

/**
 * Spawns under a lock file, so that windows starting together do not race two proxies for
 * the port: a losing proxy would still have opened the request log first and locked the
 * winner out of it. A window that finds the lock taken waits for the other's proxy instead.
 * The lock is held until `settle` has attached to the spawned proxy, so a window waiting for
 * it attaches rather than spawning a second one.
 */
export async function spawnUnderLock(options: SpawnUnderLockOptions): Promise<void> {
  const { port } = options;
  mkdirSync(options.dataDir, { recursive: true });
  const lock = spawnLockPath(options.dataDir);
  const deadline = Date.now() + options.startTimeoutMs + 5_000;
  while (!tryLock(lock)) {
    const health = await probeHealth(port, 300);
    if (!options.isCurrent()) return;
    if (health !== undefined) {
      await options.settle({ kind: 'answering', port, health });
      return;
    }
    if (Date.now() > deadline) releaseLock(lock);
    await delay(100);
  }
  try {
    const result = await spawnLocked(options.launchSettings(), options.isCurrent);
    if (result !== undefined) await options.settle(result);
  } finally {
    releaseLock(lock);
  }
}

/** Launches the proxy and sorts out how it went; undefined when the start became obsolete. */
async function spawnLocked(settings: LaunchSettings, isCurrent: () => boolean): Promise<SpawnResult | undefined> {
  const { port } = settings;
  const { child, logFile, outcome, startupOutput } = await launchProxy(settings);
  if (!isCurrent()) {
    if (outcome.kind === 'listening') killQuietly(child.pid);
    return undefined;
  }
  if (outcome.kind === 'listening') return { kind: 'spawned', port, health: outcome.health, child, logFile };
  if (outcome.kind === 'exited' && /EADDRINUSE|is taken/.test(startupOutput)) {
    // Another window won the race for the port, or something else holds it.
    rmSync(logFile, { force: true });
    const winner = await probeHealth(port);
    if (!isCurrent()) return undefined;
    return winner !== undefined ? { kind: 'answering', port, health: winner } : { kind: 'port-taken', port };
  }
  if (outcome.kind === 'timeout') killQuietly(child.pid);
  const ending = outcome.kind === 'timeout' ? { kind: 'start-timeout' as const, seconds: settings.startTimeoutMs / 1000 } : outcome;
  return { kind: 'failed', reason: describeCrash(ending, startupOutput), lastOutput: lastLines(startupOutput) };
}

/**
 * Spawns the bundled proxy, detached, with its output in a fresh file of `<dataDir>/logs`
 * (never a pipe: a detached proxy that outlives this window would die of EPIPE writing to a
 * pipe nobody reads), and waits until it listens, exits or times out. Its startup output goes
 * to the user's log. The caller holds the spawn lock.
 */
export async function launchProxy(settings: LaunchSettings): Promise<Launch> {
  const { port } = settings;
  const logFile = newLogFile(settings.dataDir);
  const output = openSync(logFile, 'w', 0o600);
  // --serve-on-bad-config: a broken config file must not stop the proxy; the panel shows its
  // problems and saves a fixed one.
  const argumentsList = [
    settings.proxyScript,
    'serve',
    '--port',
    String(port),
    '--data-dir',
    settings.dataDir,
    '--config',
    settings.configFile,
    '--serve-on-bad-config',
  ];
  if (!settings.keepRunning) argumentsList.push('--stop-when-detached');
  if (settings.logEachCall === false) argumentsList.push('--quiet');
  let child: ChildProcess;
  try {
    child = spawn(settings.runtime, argumentsList, {
      detached: true,
      stdio: ['ignore', output, output],
      windowsHide: true,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SWITCHYARD_CONTROL_TOKEN: sharedControlToken(settings.dataDir) },
    });
  } finally {
    closeSync(output);
  }
  child.unref();
  settings.log(`starting the proxy (pid ${child.pid ?? 'unknown'}): ${argumentsList.join(' ')}`);
  const outcome = await waitForListening(child, port, logFile, settings.startTimeoutMs);
  const startupOutput = readText(logFile);
  for (const line of startupOutput.split('\n')) if (line.trim() !== '') settings.log(line);
  return { child, logFile, outcome, startupOutput };
}

/** Sends SIGTERM to the process, if there is one and it is still there. */
export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/**
 * Waits for the child's "Switchyard listening on" line, confirmed by a health answer carrying
 * the child's own pid (with two windows racing, the line in a shared log may be the other's).
 */
async function waitForListening(child: ChildProcess, port: number, logFile: string, timeoutMs: number): Promise<ListenOutcome> {
  let exited: ListenOutcome | undefined;
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => void (exited = { kind: 'exited', code, signal });
  child.once('exit', onExit);
  child.once('error', (error) => {
    exited = { kind: 'exited', code: null, signal: null };
    appendQuietly(logFile, `switchyard: could not run the proxy: ${error.message}\n`);
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (exited !== undefined) return exited;
      if (readText(logFile).includes(listeningLine)) {
        const health = await probeHealth(port, 500);
        if (health !== undefined && health.pid === child.pid) return { kind: 'listening', health };
      }
      await delay(50);
    }
    return exited ?? { kind: 'timeout' };
  } finally {
    child.off('exit', onExit);
  }
}
