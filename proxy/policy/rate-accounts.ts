import type { RateCounters, RateDenial, RateEntry, RateItem, RateSettlement } from '../store/rate-counters';

/** The window of `rpm` and `tpm`. */
export const rateWindowMs = 60_000;

/**
 * A slice of one scope's window this process took from the counters in one reservation and
 * hands out to its own calls in memory: `amount` booked, `used` handed out so far.
 */
export class RateLease {
  used = 0;
  /**
   * What calls took at admission over the lease's life, before settling. The next lease is
   * sized from the larger of this and `used`: from `used` alone, a key whose calls settle far
   * below their estimate (tpm: `max_tokens` 32,000, 500 used) would get a lease of one call
   * each time; from `taken` alone, a key whose calls settle above it (a 1 KB body estimated at
   * 256 input tokens, 1,873 counted) runs its lease dry at a fraction of `taken`, and each next
   * lease is smaller than the last: a store transaction every few calls.
   */
  taken = 0;
  /** When a call last took from the lease: the entry is settled to that time, so it counts as long as its last call. */
  lastUse: number;
  /** Calls admitted on the lease whose real count (tpm) is not known yet. */
  inFlight = 0;
  /** Taken out of service: no new calls; settled once its calls are. */
  retired = false;
  /** When it was last put among the leases to settle. */
  retiredAt = 0;
  /** `used` changed since the counters last heard of it. */
  dirty = false;
  /** Its successor was asked for ahead of need (once per lease, granted or not). */
  renewing = false;

  constructor(
    readonly entry: RateEntry,
    readonly amount: number,
    readonly takenAt: number,
  ) {
    this.lastUse = takenAt;
  }

  fits(amount: number, now: number, lifeMs: number): boolean {
    return !this.retired && now - this.takenAt < lifeMs && this.used + amount <= this.amount;
  }
}

/** One limit of one key: a scope in the counters, its limit, and the lease in service. */
export class RateAccount {
  lease: RateLease | undefined;
  /** What calls took or used of the last lease, whichever is more, to size the next: a busy key takes bigger slices. */
  lastTaken = 0;
  /** A new lease being taken: other calls wait for it rather than take one each. */
  reserving: Promise<unknown> | undefined;

  constructor(
    readonly scope: string,
    public limit: number,
  ) {}
}

/** What one admitted call took, to settle it later. */
export interface RateTake {
  account: RateAccount;
  lease: RateLease;
  amount: number;
}

export interface RateAccountsOptions {
  counters: RateCounters;
  now?: () => number;
  /** How long a lease hands out calls before it is settled and a new one taken (ms). */
  leaseLifeMs?: number;
  log?: (message: string) => void;
}

/** The outcome of a reservation that had to ask the counters. */
export type RateReservation = { granted: true; takes: RateTake[] } | ({ granted: false; account: RateAccount } & Pick<RateDenial, 'inWindow' | 'retryAfterMs'>);

const defaultLeaseLifeMs = 1000;

/**
 * How much of a lease is handed out, or of its life gone, when the next one is taken in the
 * background: the store transaction (a write with fsyncs, several ms on a busy disk) then runs
 * while calls still take from the old lease, not while one of them waits for it. Late in its
 * life, so a key's leases are not taken more often than once per life and a bit.
 */
const renewAheadUsedShare = 0.75;
const renewAheadLifeShare = 0.9;

/**
 * Rate limits exact across every process on one store, without a store transaction per call.
 * Each process takes leases: a slice of a scope's window booked in the counters at once (an
 * open entry), handed out to its own calls in memory (a comparison per limit), and settled to
 * what was handed out when it leaves service — at the latest a lease life after it was taken,
 * moved to the time of its last call so that it counts as long as that call does. Slices grow
 * with use (twice what the last lease handed out) up to an eighth of the limit, and shrink to
 * exactly one call's amount when the window is nearly full. A process refused while others
 * hold open leases waits one lease life for their unused part before refusing, so together the
 * processes admit exactly the limit. A lease of a process that died stays booked in full until
 * it leaves the window: a crash over-counts, never under-counts.
 */
export class RateAccounts {
  private readonly counters: RateCounters;
  private readonly now: () => number;
  readonly leaseLifeMs: number;
  private readonly log: (message: string) => void;
  /** Leases out of service whose final count the counters have not heard yet. */
  private readonly retired = new Set<RateLease>();
  /** Leases in service, to retire them when their life ends. */
  private readonly serving = new Set<RateAccount>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Renewals ahead of need under way: closing waits for them, so their leases are settled too. */
  private readonly renewals = new Set<Promise<void>>();

  constructor(options: RateAccountsOptions) {
    this.counters = options.counters;
    this.now = options.now ?? Date.now;
    this.leaseLifeMs = options.leaseLifeMs ?? defaultLeaseLifeMs;
    this.log = options.log ?? (() => {});
  }

  /** Takes `amounts[i]` from each account's lease in memory, all or none; undefined when a lease lacks room. */
  takeFromLeases(accounts: readonly RateAccount[], amounts: readonly number[], now: number): RateTake[] | undefined {
    for (let index = 0; index < accounts.length; index++) {
      const lease = accounts[index]!.lease;
      if (lease === undefined || !lease.fits(amounts[index]!, now, this.leaseLifeMs)) return undefined;
    }
    const takes: RateTake[] = [];
    let due: RateAccount[] | undefined;
    let dueNeeds: number[] | undefined;
    for (let index = 0; index < accounts.length; index++) {
      const account = accounts[index]!;
      const lease = account.lease!;
      lease.used += amounts[index]!;
      lease.taken += amounts[index]!;
      lease.lastUse = now;
      lease.inFlight++;
      takes.push({ account, lease, amount: amounts[index]! });
      if (!lease.renewing && (lease.used >= lease.amount * renewAheadUsedShare || now - lease.takenAt >= this.leaseLifeMs * renewAheadLifeShare)) {
        (due ??= []).push(account);
        (dueNeeds ??= []).push(amounts[index]!);
      }
    }
    if (due !== undefined) this.renewAhead(due, dueNeeds!);
    return takes;
  }

  /**
   * Takes the account's next lease before this one runs out or ends its life, off the call's
   * path: after the call that crossed the share has gone on (setImmediate), while the others
   * keep taking from this lease. Calls that find it short meanwhile wait for this renewal rather
   * than ask again. Granted, the new lease takes over and this one is retired and settled as
   * usual; both are booked for that moment, which only over-counts. Refused (near the limit),
   * this lease serves on and the next call that does not fit asks as before.
   */
  private renewAhead(accounts: readonly RateAccount[], needs: readonly number[]): void {
    const leases = accounts.map((account) => account.lease!);
    for (const lease of leases) lease.renewing = true;
    // A call's limits (rpm and tpm) renew together: one store transaction, as when they run out.
    if (this.closed || accounts.some((account) => account.reserving !== undefined)) return;
    const renewal = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      if (this.closed || accounts.some((account, index) => account.lease !== leases[index] || leases[index]!.retired)) return;
      accounts.forEach((account, index) => (account.lastTaken = Math.max(account.lastTaken, leases[index]!.taken, leases[index]!.used)));
      try {
        // Refused (near the limit): the leases serve on, and a call that does not fit asks as before.
        await this.takeLeases(accounts, needs, this.now(), leases);
      } catch (error) {
        this.log(`rate limit lease renewal failed, calls will ask again: ${String(error)}`);
      }
    });
    const done = renewal.finally(() => {
      for (const account of accounts) if (account.reserving === done) account.reserving = undefined;
      this.renewals.delete(done);
    });
    for (const account of accounts) account.reserving = done;
    this.renewals.add(done);
  }

  /**
   * Takes new leases from the counters for the accounts whose lease lacks room, then takes the
   * amounts from them. Retires and settles the old leases first, so their unused part is back in
   * the window before asking. Refused: waits one lease life for other processes' open leases,
   * once, when there are any.
   */
  async reserve(accounts: readonly RateAccount[], amounts: readonly number[]): Promise<RateReservation> {
    let waited = false;
    for (;;) {
      const busy = accounts.find((account) => account.reserving !== undefined);
      if (busy !== undefined) {
        await busy.reserving;
        continue;
      }
      const now = this.now();
      const taken = this.takeFromLeases(accounts, amounts, now);
      if (taken !== undefined) return { granted: true, takes: taken };
      const short: number[] = [];
      accounts.forEach((account, index) => {
        if (account.lease === undefined || !account.lease.fits(amounts[index]!, now, this.leaseLifeMs)) short.push(index);
      });
      const shortAccounts = short.map((index) => accounts[index]!);
      for (const account of shortAccounts) this.retire(account);
      // The retired leases are settled in the same step that takes the new ones.
      const asking = this.takeLeases(shortAccounts, short.map((index) => amounts[index]!), now);
      const done = asking.then(
        () => undefined,
        () => undefined,
      );
      for (const account of shortAccounts) account.reserving = done;
      let denial: RateDenial | undefined;
      try {
        denial = await asking;
      } finally {
        for (const account of shortAccounts) if (account.reserving === done) account.reserving = undefined;
      }
      if (denial === undefined) continue;
      if (!waited && denial.open > 0 && !this.closed) {
        waited = true;
        await new Promise((resolve) => setTimeout(resolve, this.leaseLifeMs + 50));
        continue;
      }
      return { granted: false, account: shortAccounts[denial.item]!, inWindow: denial.inWindow, retryAfterMs: denial.retryAfterMs };
    }
  }

  /** Books a call's real amount (tpm: tokens used) in place of what it took. */
  settle(take: RateTake, amount: number): void {
    const lease = take.lease;
    lease.inFlight--;
    if (amount !== take.amount) {
      lease.used += amount - take.amount;
      lease.dirty = true;
    }
    if (lease.retired && (lease.dirty || lease.inFlight === 0)) this.toSettle(lease, this.now());
  }

  /** Settles every lease with the counters; the accounts are unusable afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.renewals]);
    for (const account of this.serving) this.retire(account);
    await this.settleRetired(true);
  }

  /**
   * Asks the counters for a lease per account: a slice for the calls to come, down to the exact
   * need. `replacing`: the leases in service a renewal ahead of need replaces once granted.
   */
  private async takeLeases(accounts: readonly RateAccount[], needs: readonly number[], now: number, replacing?: readonly RateLease[]): Promise<RateDenial | undefined> {
    let wants = accounts.map((account, index) => Math.max(needs[index]!, Math.min(account.lastTaken * 2, Math.floor(account.limit / 8))));
    for (;;) {
      const items: RateItem[] = accounts.map((account, index) => ({ scope: account.scope, windowMs: rateWindowMs, amount: wants[index]!, limit: account.limit, open: true }));
      const { leases, settlements } = this.takeRetired(false);
      let answer;
      try {
        answer = await this.counters.reserve(items, now, settlements);
      } catch (error) {
        this.keepRetired(leases);
        throw error;
      }
      if (answer.granted) {
        answer.entries.forEach((entry, index) => {
          const account = accounts[index]!;
          if (replacing !== undefined && account.lease === replacing[index]) this.retire(account);
          account.lease = new RateLease(entry, wants[index]!, now);
          this.serving.add(account);
        });
        this.schedule();
        return undefined;
      }
      const index = answer.item;
      if (wants[index]! <= needs[index]!) return answer;
      // Near the limit: a quarter of what is left, or exactly the need.
      const room = accounts[index]!.limit - answer.inWindow;
      wants = wants.map((want, other) => (other === index ? Math.max(needs[index]!, Math.min(want - 1, Math.floor(room / 4))) : want));
    }
  }

  private retire(account: RateAccount): void {
    const lease = account.lease;
    if (lease === undefined) return;
    account.lease = undefined;
    account.lastTaken = Math.max(lease.taken, lease.used);
    this.serving.delete(account);
    lease.retired = true;
    this.toSettle(lease, this.now());
  }

  /** Puts a lease among those the next reservation carries to the counters (or the timer, if none comes). */
  private toSettle(lease: RateLease, now: number): void {
    if (!this.retired.has(lease)) lease.retiredAt = now;
    this.retired.add(lease);
    this.schedule();
  }

  /** What the retired leases handed out, to tell the counters; a lease with calls in flight stays open until they settle. */
  private takeRetired(final: boolean): { leases: RateLease[]; settlements: RateSettlement[] } {
    const leases = [...this.retired];
    this.retired.clear();
    const settlements = leases.map((lease) => {
      lease.dirty = false;
      const close = lease.inFlight === 0 || final;
      return { ...lease.entry, amount: Math.max(0, lease.used), time: lease.lastUse, close };
    });
    return { leases, settlements };
  }

  /** Not settled: the leases stay booked in full, which only over-counts; settled again later. */
  private keepRetired(leases: readonly RateLease[]): void {
    for (const lease of leases) {
      lease.dirty = true;
      this.retired.add(lease);
    }
    this.schedule();
  }

  /** Settles what is retired on its own, when no reservation carried it for a lease life (or at close). */
  private async settleRetired(final = false): Promise<void> {
    if (this.retired.size === 0) return;
    const now = this.now();
    if (!final && [...this.retired].every((lease) => now - lease.retiredAt < this.leaseLifeMs)) return;
    const { leases, settlements } = this.takeRetired(final);
    try {
      await this.counters.settle(settlements);
    } catch (error) {
      this.log(`rate limit settlement failed, retrying: ${String(error)}`);
      this.keepRetired(leases);
    }
  }

  /**
   * Retires leases no call used for a lease life and settles what is retired, soon. A lease
   * still in use is left to the next call, which settles it in the step that takes the next
   * lease: under steady load, one round trip to the counters per key and lease life.
   */
  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = this.now();
      for (const account of [...this.serving]) {
        const lease = account.lease;
        if (lease !== undefined && now - lease.takenAt >= this.leaseLifeMs && now - lease.lastUse >= this.leaseLifeMs / 2) this.retire(account);
      }
      void this.settleRetired().then(() => {
        if (this.serving.size > 0 || this.retired.size > 0) this.schedule();
      });
    }, this.leaseLifeMs);
    this.timer.unref();
  }
}
