/**
 * `--priority`: the benchmark's processes ahead of everything else on the machine, for a shared
 * machine where other people's work would otherwise take the proxy's core.
 *
 * A nice value alone does nothing against them on Linux with autogroup scheduling (the default
 * on desktop and many server kernels): the scheduler first shares the CPU between sessions,
 * and a process's nice only counts inside its own session. So the benchmark re-runs itself as
 * the leader of a new session (`setsid`, through `detached`), and that session's autogroup gets
 * nice −20 along with every process in it — the load generator, the upstream, the proxies — and
 * goes away with it, leaving the caller's shell session as it was. Needs root or CAP_SYS_NICE;
 * without them the benchmark runs at normal priority and says so.
 *
 * Measured at load ~9 (other engineers' callgrind runs on both cores): the floor served 4,500
 * requests/s with it and ~400 without, and the OpenAI 1 KB JSON ratio of two halves of one run
 * agreed within 0.1 with it and differed by 0.4 without (docs/benchmark.md, "Fifth round").
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const sessionMarker = 'SWITCHYARD_BENCH_PRIORITY_SESSION';
const raisedNice = -20;

/**
 * With `--priority` and not yet in the raised session: runs this same command as the leader of
 * a new session and resolves with its exit code. Otherwise undefined: go on in this process.
 */
export function runInPrioritySession(): Promise<number> | undefined {
  if (!process.argv.includes('--priority') || process.env[sessionMarker] !== undefined) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, [sessionMarker]: '1' },
  });
  // A new session has no terminal: Ctrl-C reaches only this process, which passes it on.
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    child.on('error', () => resolve(1));
  });
}

/**
 * Raises this session's priority when it is the one `runInPrioritySession` made. Returns what
 * the header says about priority.
 */
export function raisePriority(): string {
  if (process.env[sessionMarker] === undefined) return 'normal priority';
  const raised: string[] = [];
  try {
    const autogroup = '/proc/self/autogroup';
    if (existsSync(autogroup)) {
      writeFileSync(autogroup, String(raisedNice));
      if (/nice -20/.test(readFileSync(autogroup, 'utf8'))) raised.push('session autogroup');
    }
  } catch {
    // No permission: the nice below may still work inside the session.
  }
  try {
    os.setPriority(raisedNice);
    raised.push('processes');
  } catch {
    // No permission.
  }
  return raised.length === 0 ? 'normal priority (--priority needs root or CAP_SYS_NICE)' : `priority raised (nice ${raisedNice}: ${raised.join(' and ')})`;
}
