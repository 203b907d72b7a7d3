import type { ProxyError } from '../core/errors';
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
  /** Books how the call ended (spend, counts); never throws into the request. */
  settle?(context: RequestContext, outcome: CallOutcome): void;
}
