/**
 * Child processes of the end-to-end run, each in its own process group so that stopping it
 * also stops what it started (code-server's extension host, Chromium's renderers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';

/** A process started by {@link startGroup}. */
export interface GroupProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or 1 for a signal) once the process has exited. */
  exited: Promise<number>;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const running = new Set<GroupProcess>();

/**
 * Starts `command` as the leader of a new process group, keeping its output in memory and, when
 * `logFile` is given, in that file.
 */
export function startGroup(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string },
): GroupProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let log: WriteStream | undefined;
  if (options.logFile) log = createWriteStream(options.logFile, { flags: 'a' });
  const append = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    log?.write(chunk);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      text += `\n[spawn error] ${error.message}\n`;
      resolve(1);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
  // 'close' comes after the last output, unlike 'exit'.
  child.on('close', () => log?.end());

  const group: GroupProcess = {
    name,
    child,
    exited,
    output: () => text,
    async stop() {
      running.delete(group);
      if (child.pid === undefined) return;
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child.pid, 'SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
        if (!stopped) signalGroup(child.pid, 'SIGKILL');
        await exited;
      }
      // The leader is gone; whatever it left in its group goes too.
      signalGroup(child.pid, 'SIGKILL');
    },
  };
  running.add(group);
  return group;
}

/** Stops every group still running, newest first. */
export async function stopAll(): Promise<void> {
  for (const group of [...running].reverse()) await group.stop();
}

/** Last resort on `process.exit`: synchronous SIGKILL to every group still running. */
export function killAllNow(): void {
  for (const entry of running) if (entry.child.pid !== undefined) signalGroup(entry.child.pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

export function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Thrown by a {@link poll} probe to stop polling at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined, or throws with
 * `what` after `timeoutMs`. The last error the probe threw is part of the message.
 */
export async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await delay(intervalMs);
  }
}
