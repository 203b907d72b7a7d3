import type { DecisionRecord } from '../routing/decision';

/** What the tally reads of a finished call's record. */
export interface FinishedCall {
  decision?: DecisionRecord;
  purpose?: 'served' | 'shadow' | 'judge';
  status: number;
  error?: string;
  costUsd: number | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
}

/** One arm of a split route: what it served and how the judge rated it. */
export interface SplitArmStats {
  /** The arm as `provider/model`, as the pipeline labels the served target. */
  target: string;
  /** Finished requests this arm served, failed ones included. */
  requests: number;
  errors: number;
  /** Total cost of the requests with a known price, in USD. */
  costUsd: number;
  /** Requests whose cost is unknown (no price for the model); left out of `costUsd`. */
  unpricedRequests: number;
  /** `costUsd` over the priced requests; null before the first. */
  averageCostUsd: number | null;
  /** Over successful requests only: a failure's latency is time to the failure. Whole ms. */
  averageLatencyMs: number | null;
  /** Over successful requests that reported a first token. Whole ms. */
  averageTimeToFirstTokenMs: number | null;
  /** Valid verdicts this arm took part in, as the served or the shadow answer: wins + losses + ties. */
  judged: number;
  wins: number;
  losses: number;
  ties: number;
  /**
   * (wins + ties / 2) / judged: a tie counts half, so two arms the judge cannot tell apart
   * both sit at 0.5 and the two rates of a two-arm split add up to 1. Null before any verdict.
   */
  winRate: number | null;
}

/** The A/B results of one split route. */
export interface SplitRouteStats {
  route: string;
  /** In the order arms were first seen. */
  arms: SplitArmStats[];
  /** Valid verdicts (a winner or a tie). */
  judged: number;
  /** Judge answers that held no readable verdict. */
  invalidVerdicts: number;
  /** Shadow or judge calls that failed; such a sample is not judged. */
  judgeErrors: number;
  /** Samples not judged because `maxConcurrent` judgements were already in flight. */
  dropped: number;
  /** What the shadow calls to the other arm cost (known prices only), in USD. */
  shadowCostUsd: number;
  /** What the judge model's calls cost (known prices only), in USD. */
  judgeCostUsd: number;
  /** The judging overhead: `shadowCostUsd + judgeCostUsd`. */
  judgingCostUsd: number;
}

export class ArmTally {
  requests = 0;
  errors = 0;
  costUsd = 0;
  pricedRequests = 0;
  latencyTotalMs = 0;
  timedRequests = 0;
  firstTokenTotalMs = 0;
  firstTokenRequests = 0;
  wins = 0;
  losses = 0;
  ties = 0;

  constructor(readonly target: string) {}

  stats(): SplitArmStats {
    const judged = this.wins + this.losses + this.ties;
    return {
      target: this.target,
      requests: this.requests,
      errors: this.errors,
      costUsd: this.costUsd,
      unpricedRequests: this.requests - this.pricedRequests,
      averageCostUsd: this.pricedRequests === 0 ? null : this.costUsd / this.pricedRequests,
      averageLatencyMs: this.timedRequests === 0 ? null : Math.round(this.latencyTotalMs / this.timedRequests),
      averageTimeToFirstTokenMs: this.firstTokenRequests === 0 ? null : Math.round(this.firstTokenTotalMs / this.firstTokenRequests),
      judged,
      wins: this.wins,
      losses: this.losses,
      ties: this.ties,
      winRate: judged === 0 ? null : (this.wins + this.ties / 2) / judged,
    };
  }
}

export class RouteTally {
  readonly arms = new Map<string, ArmTally>();
  judged = 0;
  invalidVerdicts = 0;
  judgeErrors = 0;
  dropped = 0;
  shadowCostUsd = 0;
  judgeCostUsd = 0;

  constructor(readonly route: string) {}

  arm(target: string): ArmTally {
    let arm = this.arms.get(target);
    if (arm === undefined) {
      arm = new ArmTally(target);
      this.arms.set(target, arm);
    }
    return arm;
  }

  stats(): SplitRouteStats {
    return {
      route: this.route,
      arms: Array.from(this.arms.values(), (arm) => arm.stats()),
      judged: this.judged,
      invalidVerdicts: this.invalidVerdicts,
      judgeErrors: this.judgeErrors,
      dropped: this.dropped,
      shadowCostUsd: this.shadowCostUsd,
      judgeCostUsd: this.judgeCostUsd,
      judgingCostUsd: this.shadowCostUsd + this.judgeCostUsd,
    };
  }
}


/**
 * The per-arm results of every split route: it is fed every finished call's record (the composition root subscribes it to `request` events), so each
 * finished call a split route served is counted once, by whatever path it took, and the
 * judge adds its verdicts. One tally per route and arm: memory stays bounded however long
 * the proxy runs.
 */
export class SplitTally {
  private readonly routes = new Map<string, RouteTally>();

  /** One finished call: counted when a split route served it (or failed on one of its arms). */
  recordRequest(record: FinishedCall): void {
    const decision = record.decision;
    // Shadow and judge calls are the judge's own; a split that refused the call served from no arm.
    if (decision === undefined || decision.strategy !== 'split' || decision.route === undefined || decision.attempts.length === 0) return;
    if (record.purpose !== undefined && record.purpose !== 'served') return;
    this.recordServed(decision.route, decision.winner ?? decision.candidates[0]?.target ?? '', {
      ok: record.status < 400 && record.error === undefined,
      costUsd: record.costUsd,
      latencyMs: record.latencyMs,
      timeToFirstTokenMs: record.timeToFirstTokenMs,
    });
  }

  /** Every finished request of a split route, judged or not: per-arm counts, errors, cost and latency. */
  recordServed(routeName: string, target: string, outcome: { ok: boolean; costUsd: number | null; latencyMs: number; timeToFirstTokenMs: number | null }): void {
    const arm = this.route(routeName).arm(target);
    arm.requests += 1;
    if (outcome.costUsd !== null) {
      arm.costUsd += outcome.costUsd;
      arm.pricedRequests += 1;
    }
    if (!outcome.ok) {
      arm.errors += 1;
      return;
    }
    arm.latencyTotalMs += outcome.latencyMs;
    arm.timedRequests += 1;
    if (outcome.timeToFirstTokenMs !== null) {
      arm.firstTokenTotalMs += outcome.timeToFirstTokenMs;
      arm.firstTokenRequests += 1;
    }
  }

  /** The tally of one route, created on first use. */
  route(name: string): RouteTally {
    let tally = this.routes.get(name);
    if (tally === undefined) {
      tally = new RouteTally(name);
      this.routes.set(name, tally);
    }
    return tally;
  }

  /** Results per route and arm. */
  stats(): SplitRouteStats[] {
    return Array.from(this.routes.values(), (route) => route.stats());
  }
}
