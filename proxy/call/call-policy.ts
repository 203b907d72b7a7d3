import type { ProxyError } from '../core/errors';
import type { Usage } from '../core/usage';
import type { BudgetCheck } from '../store/request-record';
import type { CallOutcome } from './outcome';
import type { RequestContext } from './request-context';

/** A candidate as policies judge it: the resolved provider and model, never an alias or route name. */
export interface ResolvedTarget {
  /** `provider/model`. */
  label: string;
  provider: string;
  model: string;
}

/**
 * What a policy holds for one upstream attempt from before it goes out until it has ended (a
 * budget's reservation). Every attempt's hold is settled exactly once.
 */
export interface AttemptHold {
  /**
   * Settles to what the attempt cost: `usage` when the provider reported it; when it did not,
   * `answered` says whether the provider answered at all (an answer of unknown size is settled
   * to the worst case reserved, a failure before any answer to nothing). `costUsd`: the
   * attempt's price for `usage` as the delivery already computed it with the same price table
   * (a number), so the call is not priced twice; left out, the hold prices `usage` itself.
   */
  settle(usage: Usage | undefined, answered: boolean, costUsd?: number): void;
  /** Adds what the hold reserved and settled to the call's budget check (for its record). */
  report(check: BudgetCheck): void;
}

/**
 * A rule every upstream call obeys: served, retried, raced, shadow and judge calls alike.
 * The admit stage asks each policy in turn; the settle stage tells each how the call ended.
 * Disabled models are the first policy; per-key allow-lists, budgets, rate limits and
 * redaction plug in here the same way. A policy that is not configured is not in the list,
 * so a feature that is off costs nothing.
 */
export interface CallPolicy {
  /** Named in logs and decisions. */
  readonly name: string;
  /**
   * Refuses the whole call before any candidate is looked at (a spent budget, a rate limit),
   * or returns undefined to let it through. May be async: a shared counter lives elsewhere.
   */
  admitCall?(context: RequestContext): ProxyError | undefined | Promise<ProxyError | undefined>;
  /**
   * Passes over one candidate: returns the reason (shown in the decision), or undefined to
   * keep it. Tested on the resolved `provider/model`, so aliases cannot slip past.
   */
  skipTarget?(context: RequestContext, target: ResolvedTarget): string | undefined;
  /** The refusal when this policy passed over every candidate the call had. */
  refusal?(context: RequestContext, skipped: readonly ResolvedTarget[], route: string | undefined): ProxyError;
  /**
   * Before each upstream attempt (retries, fallbacks, raced, shadow and judge calls alike):
   * holds what the attempt may cost, or refuses it. Returns undefined when the policy has
   * nothing to hold for this attempt. May be async when a shared ledger must be asked.
   */
  reserveAttempt?(context: RequestContext, target: ResolvedTarget): AttemptHold | ProxyError | undefined | Promise<AttemptHold | ProxyError | undefined>;
  /** Books how the call ended (spend, counts); never throws into the request. */
  settle?(context: RequestContext, outcome: CallOutcome): void;
}
