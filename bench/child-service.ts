/** Starting the benchmark's servers as child processes and reading the URL each one prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

/** A server running in its own process. */
export interface ChildService {
  name: string;
  pid: number;
  /** Origin the server listens on, e.g. `http://127.0.0.1:43121`. */
  url: string;
  /** The last lines it wrote to stdout and stderr, for failure reports. */
  recentOutput(): string;
  stop(): Promise<void>;
}

const urlPattern = /http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+/;
const keptLines = 40;

/**
 * Spawns `command args…` and resolves once its first stdout line holds a loopback URL.
 * Output keeps being drained afterwards: a full pipe would stall a server that logs.
 */
export function startChildService(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 20_000,
): Promise<ChildService> {
  const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const remember = (text: string): void => {
    for (const line of text.split('\n')) if (line !== '') lines.push(line);
    if (lines.length > keptLines) lines.splice(0, lines.length - keptLines);
  };
  child.stderr?.setEncoding('utf8').on('data', remember);

  return new Promise<ChildService>((resolve, reject) => {
    let pending = '';
    let found = false;
    const fail = (reason: string): void => {
      if (found) return;
      found = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name}: ${reason}\n${lines.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`no URL on stdout within ${timeoutMs} ms`), timeoutMs);
    child.on('error', (error) => fail(error.message));
    child.on('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (found) {
        remember(text);
        return;
      }
      pending += text;
      const newline = pending.indexOf('\n');
      if (newline === -1) return;
      const firstLine = pending.slice(0, newline);
      remember(pending);
      const match = urlPattern.exec(firstLine);
      if (match === null) {
        fail(`first stdout line holds no URL: ${firstLine}`);
        return;
      }
      found = true;
      clearTimeout(timer);
      resolve({
        name,
        pid: child.pid ?? -1,
        url: match[0],
        recentOutput: () => lines.join('\n'),
        stop: () => stopChild(child),
      });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Spawns `command args…` for a server that does not print its URL (it was told its port), and
 * resolves once `url` answers any HTTP request.
 */
export async function startChildServiceAt(
  name: string,
  command: string,
  args: string[],
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 30_000,
): Promise<ChildService> {
  const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const remember = (text: string): void => {
    for (const line of text.split('\n')) if (line !== '') lines.push(line);
    if (lines.length > keptLines) lines.splice(0, lines.length - keptLines);
  };
  child.stdout?.setEncoding('utf8').on('data', remember);
  child.stderr?.setEncoding('utf8').on('data', remember);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name}: exited early (code ${child.exitCode}, signal ${child.signalCode})\n${lines.join('\n')}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name}: ${url} did not answer within ${timeoutMs} ms\n${lines.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { name, pid: child.pid ?? -1, url, recentOutput: () => lines.join('\n'), stop: () => stopChild(child) };
}

/**
 * The fake provider every bench script measures against (bench/fake-upstream.ts), bundled into
 * `workDirectory` and started with its streams' text deltas 1 ms apart.
 */
export function startFakeUpstream(workDirectory: string): Promise<ChildService> {
  const script = path.join(workDirectory, 'fake-upstream.js');
  buildSync({ entryPoints: [path.join(__dirname, 'fake-upstream.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
  return startChildService('upstream', process.execPath, [script, '1']);
}
