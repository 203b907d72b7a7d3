import type { RouteStrategy } from '../config/config';

/** Why a candidate target was or was not tried. */
export interface CandidateDecision {
  /** `provider/model`. */
  target: string;
  /** `tried`: an attempt was made; `skipped`: passed over (see reason); `unused`: an earlier one answered. */
  outcome: 'tried' | 'skipped' | 'unused';
  /** Why it stands where it does: `first in order`, `cheaper`, `faster`, `weight 90/100`, `open circuit`, `disabled`… */
  reason: string;
  /**
   * The client asked for more output tokens than this target's model accepts (`by: 'output
   * limit'`), or than its context window leaves after the prompt (`by: 'context window'`, with
   * the prompt's estimated tokens), so the request asked for that instead: the real API would
   * refuse the call. Translated calls, and passthrough calls whose model routing changed.
   */
  outputClamped?: { requested: number; sent: number; by: 'output limit' | 'context window'; estimatedInputTokens?: number };
}

/** One upstream attempt: where it went and how it ended. */
export interface AttemptDecision {
  target: string;
  /** The provider's HTTP status, or null when none came (connect error, timeout, abort). */
  status: number | null;
  /** From sending to the first chunk (won) or to the failure. */
  latencyMs: number;
  outcome: 'won' | 'failed' | 'cancelled';
  error?: string;
  /** The wait before the next try of the same target, when one followed. */
  retryDelayMs?: number;
  /**
   * When it was sent, in milliseconds after the call arrived (traces place the attempt's span by
   * it); absent for an attempt a policy (a budget) refused before it was sent.
   */
  startedMs?: number;
}

/**
 * Why a request went where it went: part of its record and live event, for the panel.
 * Direct calls (no rule, no route) carry the single target and its attempt too.
 */
export interface DecisionRecord {
  /** The rule that matched, by its position in `rules` and its name. */
  rule?: { index: number; name?: string };
  /** The route taken, if any; `x-switchyard-route` when the caller chose it by header. */
  route?: string;
  /**
   * How the route was chosen: `rule`, `header`, `model` (the model name is a route),
   * `default-route` (no rule matched and the config's `defaultRoute` applied), or `direct`.
   */
  via: 'rule' | 'header' | 'model' | 'default-route' | 'direct';
  strategy: RouteStrategy | 'direct';
  candidates: CandidateDecision[];
  attempts: AttemptDecision[];
  /** The target that answered. */
  winner?: string;
}
