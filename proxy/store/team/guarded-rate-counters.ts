import type { RateAnswer, RateCounters, RateItem, RateSettlement } from '../rate-counters';
import { StorageUnavailableError } from '../storage-unavailable';

/**
 * The team's rate counters with the configured failure behaviour: while Redis cannot be reached
 * a reserve either throws `StorageUnavailableError` (`closed`, the default: the rate-limit policy
 * refuses the call with a 503) or is granted without being counted (`open`). Settlements of
 * entries booked before the outage are dropped: they can only have lowered a count.
 */
export class GuardedRateCounters implements RateCounters {
  constructor(
    private readonly counters: RateCounters,
    private readonly store: string,
    private readonly onStorageError: 'closed' | 'open',
    private readonly unavailable: () => string | undefined,
  ) {}

  async reserve(items: readonly RateItem[], now: number, settlements?: readonly RateSettlement[]): Promise<RateAnswer> {
    if (this.unavailable() === undefined) {
      try {
        const booked = settlements?.filter((settlement) => !settlement.id.startsWith(uncountedPrefix));
        return await this.counters.reserve(items, now, booked);
      } catch (error) {
        return this.failed(items, error);
      }
    }
    return this.failed(items, new Error(this.unavailable()));
  }

  async settle(settlements: readonly RateSettlement[]): Promise<void> {
    const booked = settlements.filter((settlement) => !settlement.id.startsWith(uncountedPrefix));
    if (booked.length === 0 || this.unavailable() !== undefined) return;
    await this.counters.settle(booked).catch(() => {});
  }

  close(): Promise<void> {
    return this.counters.close();
  }

  private failed(items: readonly RateItem[], error: unknown): RateAnswer {
    if (this.onStorageError === 'closed') throw new StorageUnavailableError(this.store, error);
    return { granted: true, entries: items.map((item) => ({ scope: item.scope, id: `${uncountedPrefix}${item.scope}` })) };
  }
}

/** Ids of entries granted while Redis was away (`open`): nothing to settle. */
const uncountedPrefix = 'uncounted:';
