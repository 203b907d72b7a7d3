/**
 * A preload for a Switchyard under diagnosis (`NODE_OPTIONS=--require bench/loop-probe.cjs`,
 * `LOOP_PROBE_FILE=<file>`): appends one line per event to the file, each stamped with the wall
 * clock in milliseconds (performance.timeOrigin + now, so it lines up with strace's -tt and a
 * client's own stamps):
 *   gap <end> <ms> <cpu>    the event loop did not run a 1 ms ticker for <ms> (> 2 ms), in
 *                           which the process used <cpu> ms of CPU (all its threads): near
 *                           <ms>, the loop was busy; far below, it waited (a syscall, or for a core)
 *   gc <start> <ms> <kind>  a collection's pause (every major one, minor ones over 1 ms)
 * Written by bench/hit-tail.ts; plain CommonJS so Node can preload it without a bundler.
 */
'use strict';
const { appendFileSync } = require('node:fs');
const { performance, PerformanceObserver, constants } = require('node:perf_hooks');
const file = process.env.LOOP_PROBE_FILE;
if (file !== undefined && file !== '') {
  const origin = performance.timeOrigin;
  const kinds = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (now - last > 2) {
      const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
      appendFileSync(file, `gap ${(origin + now).toFixed(3)} ${(now - last).toFixed(3)} ${used.toFixed(3)}\n`);
    }
    last = now;
    lastCpu = cpu;
  }, 1).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kinds[entry.detail?.kind] ?? String(entry.detail?.kind);
      if (kind === 'major' || entry.duration > 1) appendFileSync(file, `gc ${(origin + entry.startTime).toFixed(3)} ${entry.duration.toFixed(3)} ${kind}\n`);
    }
  }).observe({ entryTypes: ['gc'] });
}
