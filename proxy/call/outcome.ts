import type { Usage } from '../core/usage';
import type { DecisionRecord } from '../routing/decision';
import type { BudgetCheck } from '../store/request-record';

/** Where a call went, as records and the panel name it. */
export interface ServedTarget {
  provider: string;
  model: string;
  /** The body went through untouched (client format = provider format). */
  passthrough: boolean;
}

/**
 * How a call ended, returned by the stages that ran it (a refusal, or execution and delivery)
 * and turned into the call's record by the recorder alone.
 */
export interface CallOutcome {
  /** The target that answered; for a failed or refused call, the one it failed or was refused on. */
  target: ServedTarget | undefined;
  /** Where routing sent the call and why; undefined for calls refused before routing. */
  decision: DecisionRecord | undefined;
  usage: Usage | undefined;
  /** The first generated content, `performance.now()` time. */
  firstTokenAt: number | undefined;
  /** The message the client (or the caller of an internal call) was given, when the call failed. */
  error: string | undefined;
  /**
   * The status given, for calls with no HTTP response of their own (shadow and judge calls,
   * refusals answered by the front door). HTTP calls take the status their response went out with.
   */
  status?: number;
  /** USD, when delivery already priced the call (to send it in a header); priced by the recorder otherwise. */
  costUsd?: number | null;
  /** The response cache's part, when it was asked: a hit served a stored answer. */
  cache?: 'hit' | 'miss';
  /** On a hit: what the stored answer cost when it was fetched. */
  savedUsd?: number;
  /** What budgets reserved and settled for the call's attempts; undefined when none applied. */
  budget?: BudgetCheck;
  /** The error kind when Switchyard refused the call before any attempt (`rate_limit`…). */
  refusal?: string;
  /** Why the model stopped, when the relay decoded it. */
  finishReason?: string;
}

/** The outcome of a call refused before any upstream attempt. */
export function refusedOutcome(error: string, status: number, decision?: DecisionRecord, target?: ServedTarget, refusal?: string): CallOutcome {
  const outcome: CallOutcome = { target, decision, usage: undefined, firstTokenAt: undefined, error, status };
  if (refusal !== undefined) outcome.refusal = refusal;
  return outcome;
}
