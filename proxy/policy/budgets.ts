import { ProxyError } from '../core/errors';
import type { Principal } from '../core/principal';
import type { Usage } from '../core/usage';
import type { BudgetConfig, BudgetEstimateConfig } from '../config/config';
import type { Pricer } from '../cost/pricer';
import type { AttemptHold, CallPolicy, ResolvedTarget } from '../call/call-policy';
import { compileGlob } from '../routing/glob';
import type { BudgetCheck } from '../store/request-record';
import type { BudgetAccounts, BudgetRefusal, BudgetReservation, LedgerBudget } from './budget-accounts';
import { estimateCall } from './call-estimate';

/** A config budget with its match compiled. */
interface CompiledBudget extends LedgerBudget {
  matches(target: ResolvedTarget, principal: Principal | undefined): boolean;
}

/** The ledger name of a key's own budget. */
export function keyBudgetName(keyName: string): string {
  return `key:${keyName}`;
}

/** A config budget as the accounts know it, with its match compiled. */
export function compileBudget(budget: BudgetConfig): CompiledBudget {
  const { provider, model, key } = budget.match;
  const modelMatches = model === undefined ? undefined : compileGlob(model);
  return {
    ledgerName: budget.name,
    limitUsd: budget.limitUsd,
    period: budget.period,
    action: budget.action,
    matches: (target, principal) =>
      (provider === undefined || target.provider === provider) &&
      (modelMatches === undefined || modelMatches(target.label)) &&
      (key === undefined || (principal !== undefined && (principal.name === key || principal.label === key || principal.keyId === key))),
  };
}

const keyBudgets = new WeakMap<Principal, LedgerBudget>();

/** A key's own budget, as the accounts know it: one object per principal, so its account is found by identity. */
export function keyBudget(principal: Principal): LedgerBudget | undefined {
  const budget = principal.policy?.budget;
  if (budget === undefined || principal.name === undefined) return undefined;
  let own = keyBudgets.get(principal);
  if (own === undefined) {
    own = { ledgerName: keyBudgetName(principal.name), limitUsd: budget.limitUsd, period: budget.period, action: 'block' };
    keyBudgets.set(principal, own);
  }
  return own;
}

export interface BudgetsPolicyOptions {
  budgets: readonly BudgetConfig[];
  estimate: BudgetEstimateConfig;
  pricer: Pricer;
  accounts: BudgetAccounts;
  /** Any principal may carry a budget of its own (named keys with budgets exist). */
  keyBudgets: boolean;
  /** Told once per budget and period when a budget refuses a call (the extension notifies). */
  onBlocked?: (refusal: BudgetRefusal) => void;
  /**
   * When the spend ledger cannot be reached (a team's PostgreSQL is away) and a call needs a new
   * lease: `closed` (default) refuses it with a 503, `open` lets it through unreserved.
   */
  onStorageError?: 'closed' | 'open';
}

/**
 * Budgets as a call policy: before each attempt, every budget that matches the attempt's
 * resolved target and the caller reserves the attempt's worst case, all at once or not at all
 * (`BudgetAccounts`); after it, the reservation settles to what the attempt cost. Undefined
 * when no budget is configured and no key has one: the pipeline then pays nothing.
 */
export function budgetsPolicy(options: BudgetsPolicyOptions): CallPolicy | undefined {
  if (options.budgets.length === 0 && !options.keyBudgets) return undefined;
  const compiled = options.budgets.map(compileBudget);
  const { pricer, accounts, estimate } = options;
  // The budgets of a target for a caller, looked up once per pair: matching is not per call.
  // Principals are fixed per routing state, so they key a WeakMap; targets by their label.
  const anonymous: Principal = { keyId: '', label: '' };
  const applicable = new WeakMap<Principal, Map<string, readonly LedgerBudget[]>>();
  const budgetsFor = (target: ResolvedTarget, principal: Principal | undefined): readonly LedgerBudget[] => {
    const caller = principal ?? anonymous;
    let byTarget = applicable.get(caller);
    if (byTarget === undefined) applicable.set(caller, (byTarget = new Map()));
    let found = byTarget.get(target.label);
    if (found === undefined) {
      const list: LedgerBudget[] = compiled.filter((budget) => budget.matches(target, principal));
      const own = principal === undefined ? undefined : keyBudget(principal);
      if (own !== undefined) list.push(own);
      found = list;
      if (byTarget.size > 10_000) byTarget.clear();
      byTarget.set(target.label, found);
    }
    return found;
  };
  return {
    name: 'budgets',
    reserveAttempt(context, target) {
      // Counting tokens costs nothing.
      if (context.operation === 'count-tokens') return undefined;
      const budgets = budgetsFor(target, context.principal);
      if (budgets.length === 0) return undefined;
      const tokens = estimateCall(context, estimate.defaultMaxOutputTokens);
      const priced = pricer.price(target.provider, target.model, { inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
      const assumed = priced === null;
      const amountUsd = priced ?? estimate.unpricedCallUsd;
      const price = (usage: Usage): number => (assumed ? amountUsd : (pricer.price(target.provider, target.model, usage) ?? amountUsd));
      const result = accounts.reserve(budgets, amountUsd);
      if (result instanceof Promise) return result.then((settled) => holdOrRefusal(settled, budgets, price, assumed), ledgerUnreachable);
      return holdOrRefusal(result, budgets, price, assumed);
    },
  };

  /** The ledger failed: refuse (closed) or let the call through without a reservation (open). */
  function ledgerUnreachable(error: unknown): ProxyError | undefined {
    if (options.onStorageError === 'open') return undefined;
    return new ProxyError('overloaded', `Switchyard cannot reach its budget ledger (${(error as Error)?.message ?? String(error)}), and budgets fail closed: the call was not made. Try again shortly; an operator may set storage.onStorageError to "open".`, { status: 503 });
  }

  function holdOrRefusal(result: BudgetReservation | BudgetRefusal, budgets: readonly LedgerBudget[], price: (usage: Usage) => number, assumed: boolean): AttemptHold | ProxyError {
    if ('budget' in result) {
      options.onBlocked?.(result);
      return budgetRefusal(result);
    }
    return new BudgetHold(accounts, result, budgets, price, assumed);
  }
}

/** One attempt's reservation, settled once. */
class BudgetHold implements AttemptHold {
  private settledUsd: number | undefined;
  private toReservation = false;

  constructor(
    private readonly accounts: BudgetAccounts,
    private readonly reservation: BudgetReservation,
    private readonly budgets: readonly LedgerBudget[],
    private readonly price: (usage: Usage) => number,
    private readonly assumed: boolean,
  ) {}

  settle(usage: Usage | undefined, answered: boolean, costUsd?: number): void {
    if (this.settledUsd !== undefined) return;
    let cost: number;
    // An assumed price stays assumed: the delivery's price for an unpriced model is no price.
    if (usage !== undefined) cost = costUsd !== undefined && !this.assumed ? costUsd : this.price(usage);
    else if (answered) {
      // The provider answered but its usage never arrived (a stream cut or left early): the worst case.
      cost = this.reservation.amountUsd;
      this.toReservation = true;
    } else cost = 0;
    this.settledUsd = cost;
    this.accounts.settle(this.reservation, cost);
  }

  report(check: BudgetCheck): void {
    check.reservedUsd = roundUsd(check.reservedUsd + this.reservation.amountUsd);
    check.settledUsd = roundUsd(check.settledUsd + (this.settledUsd ?? 0));
    for (const budget of this.budgets) if (!check.budgets.includes(budget.ledgerName)) check.budgets.push(budget.ledgerName);
    if (this.reservation.warned.length > 0) check.warned = [...new Set([...(check.warned ?? []), ...this.reservation.warned])];
    if (this.assumed) check.assumedPrice = true;
    if (this.toReservation) check.settledToReservation = true;
  }
}

/**
 * 402, which neither the OpenAI nor the Anthropic SDK retries (they retry 408, 409, 429 and
 * 5xx): a spent budget does not come back in a few seconds, and a client retrying it would
 * only spin. The message names the budget, its spend, its limit and when it resets.
 */
export function budgetRefusal(refusal: BudgetRefusal): ProxyError {
  const { budget } = refusal;
  const resets = refusal.resetsAt === Infinity ? 'it never resets (period total); raise its limit to go on' : `it resets at ${new Date(refusal.resetsAt).toISOString()}`;
  const what = budget.ledgerName.startsWith('key:') ? `the budget of access key '${budget.ledgerName.slice(4)}'` : `budget '${budget.ledgerName}'`;
  return new ProxyError(
    'permission',
    `Switchyard refused this call: it could cost up to $${formatUsd(refusal.amountUsd)}, and ${what} has $${formatUsd(refusal.spentUsd)} spent or reserved of its $${formatUsd(budget.limitUsd)} limit per ${budget.period}; ${resets}.`,
    { status: 402 },
  );
}

function formatUsd(amount: number): string {
  return amount >= 1 ? amount.toFixed(2) : amount.toPrecision(3);
}

function roundUsd(amount: number): number {
  return Math.round(amount * 1e9) / 1e9;
}
