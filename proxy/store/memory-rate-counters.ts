import { randomBytes } from 'node:crypto';
import { maxWindowMs, type RateAnswer, type RateCounters, type RateEntry, type RateItem, type RateSettlement } from './rate-counters';
import { denial, type WindowEntry } from './rate-window';

interface MemoryEntry extends WindowEntry {
  id: string;
}

/**
 * Rate counters in memory, for one process (a proxy without a database, and tests): the same
 * contract as the shared backends, exact within this process only.
 */
export class MemoryRateCounters implements RateCounters {
  private readonly scopes = new Map<string, MemoryEntry[]>();
  private readonly prefix = randomBytes(4).toString('hex');
  private next = 0;

  async reserve(items: readonly RateItem[], now: number, settlements?: readonly RateSettlement[]): Promise<RateAnswer> {
    if (settlements !== undefined) await this.settle(settlements);
    for (let index = 0; index < items.length; index++) {
      const item = items[index]!;
      const window = this.entries(item.scope, now).filter((entry) => entry.time > now - item.windowMs);
      let sum = 0;
      for (const entry of window) sum += entry.amount;
      if (sum + item.amount > item.limit) return denial(index, window, item.amount, item.limit, item.windowMs, now);
    }
    const booked: RateEntry[] = [];
    for (const item of items) {
      const id = `${this.prefix}-${(this.next++).toString(36)}`;
      this.entries(item.scope, now).push({ id, time: now, amount: item.amount, open: item.open === true });
      booked.push({ scope: item.scope, id });
    }
    return { granted: true, entries: booked };
  }

  async settle(settlements: readonly RateSettlement[]): Promise<void> {
    for (const settlement of settlements) {
      const entry = this.scopes.get(settlement.scope)?.find((candidate) => candidate.id === settlement.id);
      if (entry === undefined) continue;
      entry.amount = settlement.amount;
      if (settlement.time !== undefined && settlement.time > entry.time) entry.time = settlement.time;
      if (settlement.close !== false) entry.open = false;
    }
  }

  async close(): Promise<void> {}

  /** A scope's entries, those past every window dropped. */
  private entries(scope: string, now: number): MemoryEntry[] {
    const kept = (this.scopes.get(scope) ?? []).filter((entry) => entry.time > now - maxWindowMs);
    this.scopes.set(scope, kept);
    return kept;
  }
}
