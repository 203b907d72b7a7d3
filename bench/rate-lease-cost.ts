/**
 * `node --import tsx bench/rate-lease-cost.ts`: what one rate-limit lease costs the proxy — a
 * `SqliteRateCounters.reserve` for a key's rpm and tpm, carrying the last lease's settlement, as
 * `RateAccounts` takes one per key and lease life — in a temporary `switchyard.db`: CPU of the
 * main thread (user and system, /proc, 10 ms ticks) and of the process, and wall time, per
 * transaction, 4 rounds of 200.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { openSqliteStorage } from '../proxy/store/sqlite/sqlite-storage';
import { runMain } from './run-main';
/** The main thread's utime and stime, in clock ticks. */
function mainTicks(): [number, number] {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]), Number(fields[12])];
}
async function main(): Promise<void> {
  const storage = openSqliteStorage({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'gov7-txn-')), retentionDays: 0 });
  const counters = storage.rateCounters;
  let now = Date.now();
  const ids: Array<{ scope: string; id: string }> = [];
  for (let round = 0; round < 4; round++) {
    const n = 200;
    const start = process.cpuUsage();
    const mainBefore = mainTicks();
    const wall = performance.now();
    for (let i = 0; i < n; i++) {
      now += 1000;
      const settlements = ids.splice(0).map((entry) => ({ ...entry, amount: 100, time: now - 10, close: true }));
      const answer = await counters.reserve([{ scope: 'rpm:k', windowMs: 60000, amount: 1000, limit: 1e7, open: true }, { scope: 'tpm:k', windowMs: 60000, amount: 100000, limit: 1e10, open: true }], now, settlements);
      if (answer.granted) ids.push(...answer.entries);
    }
    const used = process.cpuUsage(start);
    const mainAfter = mainTicks();
    console.log(`main thread: ${(((mainAfter[0] - mainBefore[0]) * 10000) / n).toFixed(0)} µs user, ${(((mainAfter[1] - mainBefore[1]) * 10000) / n).toFixed(0)} µs system`);
    console.log(`rate lease transaction: ${((used.user) / n).toFixed(0)} µs user + ${((used.system) / n).toFixed(0)} µs system CPU, ${(((performance.now() - wall) * 1000) / n).toFixed(0)} µs wall`);
  }
}
runMain(main);
