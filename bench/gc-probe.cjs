/**
 * A preload that records every garbage collection of a process on the wall clock, for lining the
 * collector's work up against the bench's runs (`NODE_OPTIONS="--require <this file>"`,
 * `GC_PROBE_DIR=<folder>`): every Node process started with it — Switchyard, each floor, the
 * bench itself — writes `<folder>/gc-<pid>.txt`, its first line `argv <the process's arguments>`,
 * then one line per collection:
 *   <kind> <start> <pause ms> <old space used MB> <old space size MB> <external MB>
 * <kind> is scavenge, mark-compact, incremental (a marking step's pause) or weak-callbacks;
 * <start> is milliseconds since the epoch (performance.timeOrigin + the entry's start), as the
 * bench's run records (`RunRecord.startedAt`); the sizes are read when the entry is delivered
 * (after the collection, a little later). Lines are buffered and written every 500 ms from an
 * unreferenced timer, so the probe adds no system call a collection. Used by
 * bench/gc-by-run.ts (docs/benchmark.md, "Sixteenth round, CPU: the 80 KB JSON rows' swing").
 * Plain CommonJS so Node preloads it without a bundler.
 */
'use strict';
const { appendFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { performance, PerformanceObserver, constants } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');
const folder = process.env.GC_PROBE_DIR;
// The main thread's heap only: a worker (the request log's writer thread) has its own, and its
// lines would land in the same file.
if (folder !== undefined && folder !== '' && isMainThread) {
  const file = path.join(folder, `gc-${process.pid}.txt`);
  writeFileSync(file, `argv ${process.argv.slice(1).join(' ')}\n`);
  const origin = performance.timeOrigin;
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
  };
  const megabytes = (bytes) => (bytes / 1048576).toFixed(2);
  let pending = '';
  new PerformanceObserver((list) => {
    const old = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
    const external = v8.getHeapStatistics().external_memory;
    for (const entry of list.getEntries()) {
      const kind = kinds[entry.detail?.kind] ?? String(entry.detail?.kind);
      pending += `${kind} ${(origin + entry.startTime).toFixed(3)} ${entry.duration.toFixed(3)} ${megabytes(old?.space_used_size ?? 0)} ${megabytes(old?.space_size ?? 0)} ${megabytes(external ?? 0)}\n`;
    }
  }).observe({ entryTypes: ['gc'] });
  const flush = () => {
    if (pending === '') return;
    appendFileSync(file, pending);
    pending = '';
  };
  setInterval(flush, 500).unref();
  process.on('exit', flush);
}
