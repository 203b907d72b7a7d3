/**
 * Request ids (`req_…`, sent as `x-switchyard-request-id` and the request log's key): a prefix
 * per process and a counter, so a call draws no random number.
 *
 * The prefix starts with the process's start time, so a proxy started later makes ids that sort
 * after every id an earlier one made. The request log keeps its records in a B-tree by id, and a
 * new id that sorts last is appended at its end; with the former random prefix, a restarted
 * proxy's ids landed among the stored ones, and SQLite then splits and rebalances pages in the
 * middle of the index: ~9,600 more instructions a record written (bench/row-instructions.ts,
 * docs/benchmark.md "Seventeenth round"). The 32 random bits after the time keep two proxies
 * started in the same millisecond apart.
 */

/** Base-36 digits of the start time: enough for any millisecond before the year 5188. */
const timeDigits = 9;
/** Base-36 digits of the counter: ids sort in call order for the first 36^6 (2.2 billion) calls. */
const counterDigits = 6;

/** The prefix of a process's ids, from its start time (ms since the epoch) and 4 random bytes. */
export function requestIdPrefix(startedAt: number, random: Uint8Array): string {
  return `req_${Math.trunc(startedAt).toString(36).padStart(timeDigits, '0')}${Buffer.from(random).toString('hex')}`;
}

/** The id of a process's call number `counter` (from 0). */
export function requestId(prefix: string, counter: number): string {
  return `${prefix}${counter.toString(36).padStart(counterDigits, '0')}`;
}
