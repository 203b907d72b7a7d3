/**
 * Which cores the benchmark's processes may run on, switched per phase with `taskset`.
 *
 * Under load, three busy processes (load generator, proxy, upstream) share two cores; left to
 * the scheduler, the proxy's throughput and CPU per request swing by 2× from run to run with
 * where it lands. So during load the proxies get the last core to themselves and the load
 * generator and the upstream share the rest. During the sequential (latency) phases everything
 * may run anywhere again: pinning there would add a cross-core wake-up to every hop.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { processTree } from './process-cpu';

export interface CoreLayout {
  description: string;
  /** Load phases: proxies on the last core, everything else on the others. */
  separate(): void;
  /** Sequential phases: every process on every core. */
  share(): void;
}

function setAffinity(pid: number, cores: string): void {
  // -a: every thread of the process (the main loop, GC and libuv workers).
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/** Pins a process and its descendants (a gateway may run workers); one that exited is skipped. */
function setTreeAffinity(pid: number, cores: string): void {
  for (const member of processTree(pid)) {
    try {
      setAffinity(member, cores);
    } catch {
      if (member === pid) throw new Error(`taskset could not pin process ${pid}`);
    }
  }
}

/** A layout for the given proxies and load-side processes (this process is always load side). */
export function coreLayout(proxyPids: number[], loadPids: number[]): CoreLayout {
  const cores = os.cpus().length;
  const none: CoreLayout = { description: 'processes not pinned', separate: () => {}, share: () => {} };
  if (cores < 2 || process.env.BENCH_PIN === '0') return none;
  const all = `0-${cores - 1}`;
  const proxyCore = String(cores - 1);
  const loadCores = cores === 2 ? '0' : `0-${cores - 2}`;
  const loadSide = [process.pid, ...loadPids];
  try {
    setAffinity(process.pid, all);
  } catch {
    return none;
  }
  return {
    description: `under load the proxy runs alone on core ${proxyCore}, load generator and upstream on core ${loadCores}`,
    separate: () => {
      for (const pid of proxyPids) setTreeAffinity(pid, proxyCore);
      for (const pid of loadSide) setAffinity(pid, loadCores);
    },
    share: () => {
      for (const pid of proxyPids) setTreeAffinity(pid, all);
      for (const pid of loadSide) setAffinity(pid, all);
    },
  };
}
