/**
 * Why a target has its place in a latency ranking: `unmeasured` targets come first so they get
 * measured, then the `faster` one, then the `slower` ones; an `exploring` target was promoted
 * to first by chance so that a target that was slow once can show it has recovered.
 */
export type LatencyReason = 'faster' | 'slower' | 'unmeasured' | 'exploring';

export interface RankedTarget {
  target: string;
  reason: LatencyReason;
  /** The target's median time to first token, when it has been measured. */
  estimateMs?: number;
}

export interface LatencyTrackerOptions {
  /** Samples kept per target (default 50). */
  windowSize?: number;
  /** The chance that a ranking promotes a non-best target to first (default 0.1). */
  explore?: number;
  /** Targets remembered at most; the least recently measured is forgotten first (default 1024). */
  maximumTargets?: number;
}

/** A ring of one target's latest samples, with its median kept until the next sample. */
interface SampleWindow {
  samples: Float64Array;
  count: number;
  next: number;
  median: number | undefined;
}

/**
 * Time to first token per target, for the `fastest` strategy.
 *
 * The estimate is the median (p50) of the last `windowSize` samples, the mean of the two middle
 * ones for an even count: robust to the odd slow call, and quick to follow a lasting change
 * (half a window of new samples moves it). It is computed by sorting a copy of the window,
 * O(N log N) for N = 50, and only when asked after a new sample; rankings in between reuse it.
 */
export class LatencyTracker {
  private readonly windows = new Map<string, SampleWindow>();
  private readonly windowSize: number;
  private readonly explore: number;
  private readonly maximumTargets: number;

  constructor(options: LatencyTrackerOptions = {}) {
    this.windowSize = Math.max(1, Math.floor(options.windowSize ?? 50));
    this.explore = options.explore ?? 0.1;
    this.maximumTargets = Math.max(1, options.maximumTargets ?? 1024);
  }

  /** Adds one call's time to first token; values that are not finite or are negative are ignored. */
  record(target: string, timeToFirstTokenMs: number): void {
    if (!Number.isFinite(timeToFirstTokenMs) || timeToFirstTokenMs < 0) return;
    let window = this.windows.get(target);
    if (window === undefined) {
      if (this.windows.size >= this.maximumTargets) {
        const oldest = this.windows.keys().next();
        if (oldest.done !== true) this.windows.delete(oldest.value);
      }
      window = { samples: new Float64Array(this.windowSize), count: 0, next: 0, median: undefined };
    } else {
      // Re-inserted so the Map's order is the order of last measurement.
      this.windows.delete(target);
    }
    this.windows.set(target, window);
    window.samples[window.next] = timeToFirstTokenMs;
    window.next = (window.next + 1) % window.samples.length;
    if (window.count < window.samples.length) window.count++;
    window.median = undefined;
  }

  /** The target's median time to first token in milliseconds, undefined before its first sample. */
  estimate(target: string): number | undefined {
    const window = this.windows.get(target);
    if (window === undefined || window.count === 0) return undefined;
    if (window.median === undefined) window.median = median(window.samples.slice(0, window.count));
    return window.median;
  }

  /**
   * The targets fastest first, unmeasured ones ahead of all (in the order given) so they get
   * measured; equal estimates keep the order given. When every target is measured and there
   * are at least two, with probability `explore` one of the non-best targets, chosen uniformly,
   * moves to first. `random` is drawn once to decide and once more to choose, and not at all
   * when exploring is impossible.
   */
  rank(targets: readonly string[], random: () => number): RankedTarget[] {
    const unmeasured: RankedTarget[] = [];
    const measured: RankedTarget[] = [];
    for (const target of targets) {
      const estimateMs = this.estimate(target);
      if (estimateMs === undefined) unmeasured.push({ target, reason: 'unmeasured' });
      else measured.push({ target, reason: 'slower', estimateMs });
    }
    // Array.prototype.sort is stable: ties keep the configured order.
    measured.sort((left, right) => left.estimateMs! - right.estimateMs!);
    if (measured.length > 0) measured[0]!.reason = 'faster';
    if (unmeasured.length === 0 && measured.length >= 2 && random() < this.explore) {
      const chosen = 1 + Math.min(Math.floor(random() * (measured.length - 1)), measured.length - 2);
      const [promoted] = measured.splice(chosen, 1);
      promoted!.reason = 'exploring';
      measured.unshift(promoted!);
    }
    return unmeasured.length === 0 ? measured : unmeasured.concat(measured);
  }
}

function median(values: Float64Array): number {
  values.sort();
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
