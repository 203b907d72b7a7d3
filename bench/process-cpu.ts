/**
 * CPU time of another process, read from Linux /proc (this benchmark is Linux only:
 * `process.cpuUsage()` only sees the calling process).
 *
 * Preferred source: the sum of `/proc/<pid>/task/<tid>/schedstat` first fields, the nanoseconds
 * each thread (main loop, GC and libuv workers) spent on a CPU. Fallback: utime + stime from
 * `/proc/<pid>/stat`, in clock ticks (usually 10 ms each, too coarse for short phases).
 *
 * A proxy is measured as its whole process tree (`treeCpuNanoseconds`): a gateway that forks
 * workers or helpers must not look cheaper for it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicksPerSecond: number | undefined;

function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

function schedstatNanoseconds(pid: number): number | undefined {
  try {
    let total = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread exited between the listing and the read.
      }
    }
    return total > 0 ? total : undefined;
  } catch {
    return undefined;
  }
}

function statNanoseconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e9) / ticksPerSecond();
}

/** Which /proc source `cpuNanoseconds` reads for this process. */
export function cpuSource(pid: number): 'schedstat' | 'stat' {
  return schedstatNanoseconds(pid) === undefined ? 'stat' : 'schedstat';
}

/** CPU time the process has used so far, in nanoseconds, all threads included. */
export function cpuNanoseconds(pid: number, source: 'schedstat' | 'stat'): number {
  if (source === 'schedstat') {
    const nanoseconds = schedstatNanoseconds(pid);
    if (nanoseconds !== undefined) return nanoseconds;
  }
  return statNanoseconds(pid);
}

/**
 * The process and every descendant alive now. Children are found from the `ppid` field of every
 * `/proc/<pid>/stat` (the `children` files need a kernel option that is often off).
 */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const child = Number(entry);
    if (!Number.isInteger(child) || child <= 0) continue;
    try {
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = parents.get(parent);
      if (siblings === undefined) parents.set(parent, [child]);
      else siblings.push(child);
    } catch {
      // The process exited between the listing and the read.
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) tree.push(...(parents.get(tree[index]!) ?? []));
  return tree;
}

/** CPU time of a process and all its descendants alive now, in nanoseconds. */
export function treeCpuNanoseconds(pid: number, source: 'schedstat' | 'stat'): number {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      total += cpuNanoseconds(member, source);
    } catch {
      // Exited since the tree was read.
    }
  }
  return total;
}

/**
 * Nanoseconds the process tree's threads have spent runnable but waiting for a CPU (the second
 * field of each thread's `schedstat`): on a pinned proxy, mostly other people's processes on its
 * core. 0 where schedstat is not available.
 */
export function treeWaitNanoseconds(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      for (const thread of readdirSync(`/proc/${member}/task`)) {
        try {
          total += Number(readFileSync(`/proc/${member}/task/${thread}/schedstat`, 'utf8').split(' ')[1]) || 0;
        } catch {
          // The thread exited between the listing and the read.
        }
      }
    } catch {
      // Exited since the tree was read.
    }
  }
  return total;
}
