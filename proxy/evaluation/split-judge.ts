import type { RouteConfig } from '../config/config';
import type { CanonicalRequest } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import { buildJudgeRequest } from './judge-prompt';
import type { RouteTally, SplitRouteStats, SplitTally } from './split-tally';
import { parseVerdict, responseText } from './verdict';

/** One verdict, as announced on the control event stream (`event: judgement`). */
export interface Judgement {
  requestId: string;
  route: string;
  /** The arm that served the client, `provider/model`. */
  served: string;
  /** The other arm, called on the side with the same request, `provider/model`. */
  shadow: string;
  /** The better answer's arm (`served` or `shadow`), `tie`, or `invalid` when the judge's answer held no verdict. */
  winner: string;
  reason: string;
  /** The judge model as configured. */
  judgeModel: string;
  shadowCostUsd: number | null;
  judgeCostUsd: number | null;
  /** When the verdict came, ms since the epoch. */
  time: number;
}


/** A whole answer from a call Switchyard makes on its own behalf (a shadow arm, a judge). */
export interface CompletedCall {
  /** The `provider/model` that answered. */
  target: string;
  response: CanonicalResponse;
  costUsd: number | null;
  latencyMs: number;
}

/**
 * Makes one whole, non-streamed call on Switchyard's behalf, through the same pipeline as a
 * client's call (plan, policies, breaker, record); rejects with the reason when it was refused
 * or failed. The pipeline supplies it per judgement, so the judge holds no runtime.
 */
export type CompleteCall = (label: string, request: CanonicalRequest, purpose: 'shadow' | 'judge') => Promise<CompletedCall>;

export interface SplitJudgeOptions {
  /** Where served requests are counted and verdicts go. */
  tally: SplitTally;
  random: () => number;
  log: (message: string) => void;
  /** Told each verdict (the composition root announces it as a control event). */
  onJudgement?: (judgement: Judgement) => void;
  /** At most this many judgements in flight; more are dropped (counted). Default 4. */
  maxConcurrent?: number;
}

/** What `judge` needs: the request, the arm that served it, the served answer, and a way to call. */
export interface SplitJudgeInput {
  routeName: string;
  route: RouteConfig;
  requestId: string;
  request: CanonicalRequest;
  servedTarget: string;
  served: CanonicalResponse;
  complete: CompleteCall;
}

/**
 * The judge of `split` routes: on a sample of served requests (`judge.sample`), the same
 * request goes to the other arm off the request path and a judge model compares the two
 * answers, shown in random order so that position bias cannot favour an arm.
 */
export class SplitJudge {
  readonly tally: SplitTally;
  private readonly random: () => number;
  private readonly log: (message: string) => void;
  private readonly onJudgement: ((judgement: Judgement) => void) | undefined;
  private readonly maxConcurrent: number;
  private inFlight = 0;

  constructor(options: SplitJudgeOptions) {
    this.tally = options.tally;
    this.random = options.random;
    this.log = options.log;
    this.onJudgement = options.onJudgement;
    this.maxConcurrent = options.maxConcurrent ?? 4;
  }

  /** One draw: should this request's served answer be collected for judging? (route.judge && random() < sample) */
  wantsAnswer(route: RouteConfig): boolean {
    return route.judge !== undefined && this.random() < route.judge.sample;
  }

  /** Off the hot path (returns at once): shadow-call the other arm(s) with the same request, then ask the judge model; records the verdict. */
  judge(input: SplitJudgeInput): void {
    const judgeConfig = input.route.judge;
    if (judgeConfig === undefined) return;
    const tally = this.tally.route(input.routeName);
    if (this.inFlight >= this.maxConcurrent) {
      tally.dropped += 1;
      return;
    }
    const shadowLabel = this.otherArm(input.route.targets, input.servedTarget);
    if (shadowLabel === undefined) {
      tally.judgeErrors += 1;
      this.log(`split judge: route '${input.routeName}' has no arm besides ${input.servedTarget} to compare with.`);
      return;
    }
    // Drawn now rather than after the calls, so the order is fixed by the sample alone.
    const servedFirst = this.random() < 0.5;
    this.inFlight += 1;
    this.run(input, tally, judgeConfig.model, shadowLabel, servedFirst)
      .catch((error: unknown) => {
        tally.judgeErrors += 1;
        this.log(`split judge: judging request ${input.requestId} of route '${input.routeName}' failed: ${describeError(error)}`);
      })
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  /** Results per route and arm. */
  stats(): SplitRouteStats[] {
    return this.tally.stats();
  }

  /**
   * The arm to compare with: a target written differently from the served label. Targets are
   * compared as written, so when the served label matches none (it came through an alias) every
   * target counts as other and the first is taken; with more than one other arm, one at random,
   * so every pair of arms gets compared.
   */
  private otherArm(targets: readonly string[], served: string): string | undefined {
    const others = targets.filter((target) => target !== served);
    if (others.length === 0) return undefined;
    if (others.length === 1 || others.length === targets.length) return others[0];
    return others[Math.min(others.length - 1, Math.floor(this.random() * others.length))];
  }

  private async run(input: SplitJudgeInput, tally: RouteTally, judgeModel: string, shadowLabel: string, servedFirst: boolean): Promise<void> {
    let shadow: CompletedCall;
    try {
      shadow = await input.complete(shadowLabel, { ...input.request, stream: false }, 'shadow');
    } catch (error) {
      tally.judgeErrors += 1;
      this.log(`split judge: shadow call to ${shadowLabel} for route '${input.routeName}' failed: ${describeError(error)}`);
      return;
    }
    if (shadow.costUsd !== null) tally.shadowCostUsd += shadow.costUsd;
    if (shadow.target === input.servedTarget) {
      tally.judgeErrors += 1;
      this.log(`split judge: route '${input.routeName}': the other arm '${shadowLabel}' is the served model ${input.servedTarget}; nothing to compare.`);
      return;
    }

    const answerA = servedFirst ? input.served : shadow.response;
    const answerB = servedFirst ? shadow.response : input.served;
    let verdictCall: CompletedCall;
    try {
      verdictCall = await input.complete(judgeModel, buildJudgeRequest(judgeModel, input.request, answerA, answerB), 'judge');
    } catch (error) {
      tally.judgeErrors += 1;
      this.log(`split judge: judge call to ${judgeModel} for route '${input.routeName}' failed: ${describeError(error)}`);
      return;
    }
    if (verdictCall.costUsd !== null) tally.judgeCostUsd += verdictCall.costUsd;

    const verdict = parseVerdict(responseText(verdictCall.response));
    const servedArm = tally.arm(input.servedTarget);
    const shadowArm = tally.arm(shadow.target);
    let winner: string;
    if (verdict.winner === 'invalid') {
      tally.invalidVerdicts += 1;
      winner = 'invalid';
    } else {
      tally.judged += 1;
      if (verdict.winner === 'tie') {
        servedArm.ties += 1;
        shadowArm.ties += 1;
        winner = 'tie';
      } else {
        const servedWon = (verdict.winner === 'A') === servedFirst;
        (servedWon ? servedArm : shadowArm).wins += 1;
        (servedWon ? shadowArm : servedArm).losses += 1;
        winner = servedWon ? input.servedTarget : shadow.target;
      }
    }
    this.onJudgement?.({
      requestId: input.requestId,
      route: input.routeName,
      served: input.servedTarget,
      shadow: shadow.target,
      winner,
      reason: verdict.reason,
      judgeModel,
      shadowCostUsd: shadow.costUsd,
      judgeCostUsd: verdictCall.costUsd,
      time: Date.now(),
    });
  }
}

/** Error messages from calls are already scrubbed of keys (see `completeInternal`). */
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
