import { randomBytes } from 'node:crypto';
import type { BudgetPeriod } from '../core/principal';
import { leaseHolderName, type LeaseGrant, type LeaseRequest, type SpendLedger } from '../store/spend-ledger';
import { periodBounds } from './budget-period';

/** A budget as the accounts know it: a name in the ledger, a limit, a period and what to do at the limit. */
export interface LedgerBudget {
  /** The ledger's name: a config budget's name, or `key:NAME` for a key's own budget. */
  readonly ledgerName: string;
  readonly limitUsd: number;
  readonly period: BudgetPeriod;
  readonly action: 'block' | 'warn';
}

/** One budget in one period, as this process holds it. */
class Account {
  /** USD this process may hand out: its lease in the ledger. */
  lease = 0;
  /** USD reserved by calls in flight. */
  reserved = 0;
  /** USD settled since the last exchange, not yet booked in the ledger (still inside the lease). */
  pending = 0;
  /** Settled spend of every process, as of the last exchange. */
  knownSpent = 0;
  /** Leases of other processes, as of the last exchange. */
  othersLeased = 0;
  /** When a call last reserved here. */
  lastActive = 0;
  /** When the ledger last refused this account, and the least amount it refused. */
  refusedAt = -Infinity;
  refusedUsd = Infinity;
  /** A `warn` budget passed its limit this period: announced once. */
  warned = false;
  /** The ledger has answered for this account once: `knownSpent` holds the spend of before this process. */
  synced = false;

  constructor(
    /** The budget as last configured: a reload may change its limit or action. */
    public budget: LedgerBudget,
    readonly periodStart: number,
    readonly resetsAt: number,
  ) {}

  /** What every process together has spent or may spend, as far as this process knows. */
  committed(): number {
    return this.knownSpent + this.othersLeased + this.lease;
  }
}

/** What one attempt holds until it settles. */
export interface BudgetReservation {
  readonly amountUsd: number;
  readonly accounts: readonly Account[];
  /** `warn` budgets this reservation crossed. */
  readonly warned: readonly string[];
}

/** Why a reservation was refused: the budget, where it stands and when it resets. */
export interface BudgetRefusal {
  readonly budget: LedgerBudget;
  /** Spent and reserved by every process, as far as this one knows. */
  readonly spentUsd: number;
  readonly resetsAt: number;
  readonly amountUsd: number;
}

/** A budget's state for `GET /_switchyard/budgets`. */
export interface BudgetStanding {
  spentUsd: number;
  reservedUsd: number;
  periodStart: number;
  resetsAt: number;
}

export interface BudgetAccountsOptions {
  ledger: SpendLedger;
  now?: () => number;
  /** How often leases are resized and spend is booked while another process holds a lease on a budget here (ms). */
  syncIntervalMs?: number;
  /** How often, while no other process holds a lease on these budgets (ms). */
  loneSyncIntervalMs?: number;
  /** A lease not renewed for this long stops counting (its holder died). */
  leaseTtlMs?: number;
  log?: (message: string) => void;
  /** Told once per `warn` budget and period, by the reservation that first passes its limit. */
  onWarned?: (warning: BudgetWarning) => void;
}

/** A `warn` budget passed its limit: the reservation that crossed it, and where the budget stands. */
export interface BudgetWarning {
  readonly budget: LedgerBudget;
  /** Spent and reserved by every process, as far as this one knows, this reservation included. */
  readonly spentUsd: number;
  readonly resetsAt: number;
}

/**
 * Every exchange is a write transaction with its fsyncs: 0.6 ms of CPU on a quiet machine, 2–4 ms
 * and 15 ms of wall time on a busy one (measured), blocking the event loop. Once a second while
 * another process shares a budget, so that leases it may need come back soon; every 5 s while
 * this process is alone on its budgets. A crash loses nothing either way: a dead holder's lease
 * is booked as spent in full (spend-ledger.ts). The lease's time to live only matters when its
 * holder cannot be checked (another machine) or stalls: long against the slow interval.
 */
const defaultSyncIntervalMs = 1000;
const defaultLoneSyncIntervalMs = 5000;
const defaultLeaseTtlMs = 30_000;

/**
 * Reserve-then-settle against budgets, exact across every process on one ledger, without a
 * ledger transaction per call. Each process holds a lease on each budget it serves: a slice
 * it hands out to its own calls in memory (one comparison per budget), taken from the ledger
 * in one transaction that also books what was spent. The ledger never grants more leases
 * than the limit less the spend, and a process never reserves more than its lease, so
 * concurrent calls in any number of processes cannot overshoot a limit by more than the
 * estimate error of the calls in flight.
 *
 * Slices are small against what is left (a quarter of the room at most) and shrink to the
 * exact need near the limit; unused lease goes back within a sync interval, and a process
 * refused while another holds leases waits for those to come back before refusing.
 */
export class BudgetAccounts {
  readonly holder = leaseHolderName(randomBytes(6).toString('hex'));
  private readonly ledger: SpendLedger;
  private readonly now: () => number;
  private readonly syncIntervalMs: number;
  private readonly loneSyncIntervalMs: number;
  private readonly leaseTtlMs: number;
  /** When the last sync ran. */
  private lastSync = 0;
  private readonly log: (message: string) => void;
  private readonly onWarned: ((warning: BudgetWarning) => void) | undefined;
  private readonly accounts = new Map<string, Account>();
  /** Each budget's account of the current period, found without building a key (the hot path). */
  private readonly current = new WeakMap<LedgerBudget, Account>();
  /** The exchange in flight; reservations that need the ledger wait for it. */
  private exchanging: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: BudgetAccountsOptions) {
    this.ledger = options.ledger;
    this.now = options.now ?? Date.now;
    this.syncIntervalMs = options.syncIntervalMs ?? defaultSyncIntervalMs;
    this.loneSyncIntervalMs = Math.max(this.syncIntervalMs, options.loneSyncIntervalMs ?? defaultLoneSyncIntervalMs);
    this.leaseTtlMs = options.leaseTtlMs ?? defaultLeaseTtlMs;
    this.log = options.log ?? (() => {});
    this.onWarned = options.onWarned;
  }

  /**
   * Reserves `amountUsd` against every budget listed, all or none. Synchronous while each
   * `block` budget's lease has room; otherwise one ledger exchange (a promise).
   */
  reserve(budgets: readonly LedgerBudget[], amountUsd: number): BudgetReservation | BudgetRefusal | Promise<BudgetReservation | BudgetRefusal> {
    const now = this.now();
    const accounts: Account[] = [];
    let fits = this.exchanging === undefined;
    for (const budget of budgets) {
      let account = this.current.get(budget);
      if (account === undefined || now >= account.resetsAt || now < account.periodStart) {
        account = this.account(budget, now);
        this.current.set(budget, account);
      }
      accounts.push(account);
      if (fits && !fitsLease(account, amountUsd)) fits = false;
    }
    if (fits) return this.take(accounts, amountUsd, now);
    return this.reserveThroughLedger(accounts, amountUsd, 0);
  }

  /** Releases a reservation and books what the attempt really cost. */
  settle(reservation: BudgetReservation, costUsd: number): void {
    for (const account of reservation.accounts) {
      account.reserved = Math.max(0, account.reserved - reservation.amountUsd);
      account.pending += costUsd;
    }
    this.schedule();
  }

  /** Where a budget stands now: the ledger's spend plus what this process has not booked yet. */
  async standing(budget: LedgerBudget): Promise<BudgetStanding> {
    const now = this.now();
    const bounds = periodBounds(budget.period, now);
    const [state] = await this.ledger.read([{ budget: budget.ledgerName, periodStart: bounds.start }], now);
    const account = this.accounts.get(accountKey(budget.ledgerName, bounds.start));
    const ownLease = account?.lease ?? 0;
    const othersLeased = Math.max(0, (state?.leasedUsd ?? 0) - ownLease);
    return {
      spentUsd: (state?.spentUsd ?? 0) + (account?.pending ?? 0),
      // Other processes' leases count as reserved: what they have handed out is not known here.
      reservedUsd: (account?.reserved ?? 0) + othersLeased,
      periodStart: bounds.start,
      resetsAt: bounds.resetsAt,
    };
  }

  /** Books what is pending and gives every lease back; the accounts are unusable afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.exchanging;
    for (const account of this.accounts.values()) account.reserved = 0;
    await this.sync(true);
  }

  private account(budget: LedgerBudget, now: number): Account {
    const bounds = periodBounds(budget.period, now);
    const key = accountKey(budget.ledgerName, bounds.start);
    let account = this.accounts.get(key);
    if (account === undefined) {
      account = new Account(budget, bounds.start, bounds.resetsAt);
      this.accounts.set(key, account);
    } else {
      // A changed limit or action takes effect at once; reservations in flight stay on the account.
      account.budget = budget;
    }
    return account;
  }

  private take(accounts: readonly Account[], amountUsd: number, now: number): BudgetReservation {
    let warned: string[] | undefined;
    for (const account of accounts) {
      account.reserved += amountUsd;
      account.lastActive = now;
      if (account.budget.action === 'warn') {
        const spentUsd = account.knownSpent + account.othersLeased + account.pending + account.reserved;
        if (spentUsd > account.budget.limitUsd) {
          (warned ??= []).push(account.budget.ledgerName);
          // Synchronous with the reservation: of calls reserving together, exactly one crosses.
          if (!account.warned) {
            account.warned = true;
            this.onWarned?.({ budget: account.budget, spentUsd, resetsAt: account.resetsAt });
          }
        }
      }
    }
    return { amountUsd, accounts, warned: warned ?? noNames };
  }

  private async reserveThroughLedger(accounts: readonly Account[], amountUsd: number, waited: number): Promise<BudgetReservation | BudgetRefusal> {
    const asked = this.now();
    while (this.exchanging !== undefined) await this.exchanging;
    const now = this.now();
    if (accounts.every((account) => fitsLease(account, amountUsd))) return this.take(accounts, amountUsd, now);
    const blocking = accounts.filter((account) => account.budget.action === 'block' && !fitsLease(account, amountUsd));
    // A warn budget's first call in this process reads its spend so far (after a restart, it may be past its limit).
    const unread = accounts.filter((account) => account.budget.action === 'warn' && !account.synced);
    // The ledger refused as little as this while this call waited for the exchange: same answer.
    const known = waited === 0 ? blocking.find((account) => account.refusedAt >= asked && account.refusedUsd <= amountUsd) : undefined;
    if (known !== undefined) return this.waitForLeases(accounts, known, amountUsd, waited);
    const grants = await this.exchange(
      [
        ...blocking.map((account) => {
          const room = Math.max(0, account.budget.limitUsd - account.committed());
          // A slice for the calls to come, small against what is left: exact near the limit.
          const slice = Math.min(amountUsd * 16 + account.budget.limitUsd * 0.01, room / 4);
          return { account, keep: account.reserved, need: account.reserved + amountUsd, want: account.reserved + amountUsd + slice };
        }),
        // Warn budgets never refuse (the ledger grants them no lease, see `exchange`).
        ...unread.map((account) => ({ account, keep: 0, need: 0, want: 0 })),
      ],
      now,
    );
    const refused = grants.findIndex((grant) => !grant.granted);
    if (refused === -1) {
      if (accounts.every((account) => fitsLease(account, amountUsd))) return this.take(accounts, amountUsd, this.now());
      // Spend settled while the ledger answered used the room: ask again.
      return this.reserveThroughLedger(accounts, amountUsd, waited);
    }
    const account = blocking[refused]!;
    account.refusedAt = now;
    account.refusedUsd = Math.min(account.refusedUsd, amountUsd);
    return this.waitForLeases(accounts, account, amountUsd, waited);
  }

  /**
   * Another process may hold a lease it no longer needs: it gives it back within a sync, or
   * within its lone interval if it had not seen this process yet. Calls refused together wait
   * together: after the wait, one asks the ledger again, and the others take its answer if it
   * was refused for as little as they need.
   */
  private async waitForLeases(accounts: readonly Account[], account: Account, amountUsd: number, waited: number): Promise<BudgetReservation | BudgetRefusal> {
    if (waited < 2 && account.othersLeased > 0 && !this.closed) {
      const waitMs = waited === 0 ? this.syncIntervalMs + 100 : this.loneSyncIntervalMs - this.syncIntervalMs;
      const started = this.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      while (this.exchanging !== undefined) await this.exchanging;
      if (account.refusedAt > started && account.refusedUsd <= amountUsd && !accounts.every((each) => fitsLease(each, amountUsd))) {
        return this.waitForLeases(accounts, account, amountUsd, waited + 1);
      }
      account.refusedUsd = Infinity;
      return this.reserveThroughLedger(accounts, amountUsd, waited + 1);
    }
    return { budget: account.budget, spentUsd: account.knownSpent + account.othersLeased + account.pending + account.reserved, resetsAt: account.resetsAt, amountUsd };
  }

  /** One ledger exchange for the accounts listed; books their pending spend and resizes their leases. */
  private exchange(changes: ReadonlyArray<{ account: Account; keep: number; need: number; want: number }>, now: number): Promise<LeaseGrant[]> {
    const requests: LeaseRequest[] = [];
    const booked: number[] = [];
    for (const { account, keep, need, want } of changes) {
      booked.push(account.pending);
      requests.push({
        budget: account.budget.ledgerName,
        periodStart: account.periodStart,
        limitUsd: account.budget.action === 'warn' ? Infinity : account.budget.limitUsd,
        spentUsd: account.pending,
        // The lease covers the pending spend until it is booked; booked now, it leaves the lease.
        keepUsd: account.budget.action === 'warn' ? 0 : keep,
        needUsd: account.budget.action === 'warn' ? 0 : need,
        wantUsd: account.budget.action === 'warn' ? 0 : want,
      });
    }
    const done = this.ledger.exchange(this.holder, requests, now, this.leaseTtlMs).then((grants) => {
      grants.forEach((grant, index) => {
        const { account } = changes[index]!;
        account.pending -= booked[index]!;
        account.lease = grant.leaseUsd;
        account.knownSpent = grant.spentUsd;
        account.othersLeased = grant.othersLeasedUsd;
        account.synced = true;
      });
      return grants;
    });
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.exchanging = settled;
    void settled.then(() => {
      if (this.exchanging === settled) this.exchanging = undefined;
    });
    return done;
  }

  /** Books pending spend and shrinks idle leases soon: once a sync interval while others share a budget, else once a lone interval. */
  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.othersPresent() && this.now() - this.lastSync < this.loneSyncIntervalMs) {
        this.schedule();
        return;
      }
      void this.sync(false).catch((error: unknown) => this.log(`budget ledger sync failed, retrying: ${String(error)}`)).then(() => {
        if (this.needsSync()) this.schedule();
      });
    }, this.syncIntervalMs);
    this.timer.unref();
  }

  /** Whether another process held a lease on one of these budgets at the last exchange. */
  private othersPresent(): boolean {
    for (const account of this.accounts.values()) if (account.othersLeased > 0) return true;
    return false;
  }

  private needsSync(): boolean {
    for (const account of this.accounts.values()) if (account.pending !== 0 || account.lease > 0) return true;
    return false;
  }

  /**
   * Books every account's pending spend, renews leases still used (a slice kept while calls
   * come), gives back the rest, and forgets accounts of past periods with nothing left.
   */
  private async sync(final: boolean): Promise<void> {
    while (this.exchanging !== undefined) await this.exchanging;
    const now = this.now();
    this.lastSync = now;
    const changes = [];
    for (const [key, account] of this.accounts) {
      if (account.pending === 0 && account.lease === 0) {
        if (account.reserved === 0 && now >= account.resetsAt) this.accounts.delete(key);
        continue;
      }
      const active = !final && now - account.lastActive < 1000 && now < account.resetsAt;
      const keep = account.reserved;
      // Still busy: keep what is reserved plus a little; idle: only what is reserved.
      const want = active ? Math.max(keep, Math.min(account.lease, keep + (account.budget.limitUsd - account.committed() + account.lease) / 8)) : keep;
      changes.push({ account, keep, need: keep, want });
    }
    if (changes.length > 0) await this.exchange(changes, now);
  }
}

const noNames: readonly string[] = [];

function accountKey(ledgerName: string, periodStart: number): string {
  return `${ledgerName}\u0000${periodStart}`;
}

/**
 * A `warn` budget never refuses (it needs the ledger once, to learn its spend so far); a `block`
 * budget fits when its lease covers what is reserved, pending and asked.
 */
function fitsLease(account: Account, amountUsd: number): boolean {
  if (account.budget.action === 'warn') return account.synced;
  return account.reserved + account.pending + amountUsd <= account.lease;
}
