import { setFlagsFromString } from 'node:v8';

/**
 * V8's old-generation growing factor, fixed at 4 (`1 + 300 / 100`), the top of the range V8
 * picks from by itself. V8 starts a marking when the old generation's room runs out: its limit is
 * the live heap after the last mark-compact × that factor, and every `ArrayBuffer` allocated since
 * (socket reads, request bodies) is taken from the room until a collection frees it. A proxy
 * allocates little on the heap a call and much outside it, so under a flood of 80 KB bodies the
 * room, not the young generation, ran out first, and how often depended on the factor V8 had
 * picked for that process from its collector's speed: one Switchyard mark-compacted 12–15 times
 * per 1,000 calls (~25–40 ms of CPU each, two thirds of the call), another of the same build
 * almost never, and the bench's 80 KB rows swung 0.75–2.16× the floor with it (docs/benchmark.md,
 * "Sixteenth round, CPU: the 80 KB JSON rows' swing"). With the factor fixed: 0–0.7 per 1,000.
 *
 * V8 reads it at every mark-compact, so setting it at start is enough; its memory reducer still
 * collects an idle heap with its smallest factor, so idle RSS does not move. The bench's floor
 * forwarders apply the same settings (bench/floor-forwarder.ts): no ratio credits Switchyard with a
 * setting any forwarder could use. Why this flag and not a smaller young generation:
 * docs/decisions.md, "The collector's growing factor".
 */
export const collectorFlags: readonly string[] = ['--heap-growing-percent=300'];

/** Applies `collectorFlags` to this process's V8. */
export function applyCollectorSettings(): void {
  for (const flag of collectorFlags) setFlagsFromString(flag);
}
