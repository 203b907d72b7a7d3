import type { RouteConfig } from '../../../proxy/config/config';
import type { ProxyEvents } from '../../../proxy/events/proxy-events';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { SplitJudge, type CompletedCall, type SplitJudgeInput } from '../../../proxy/evaluation/split-judge';
import { SplitTally, type SplitRouteStats } from '../../../proxy/evaluation/split-tally';

export interface TestJudgeOptions {
  complete: (label: string, request: CanonicalRequest) => Promise<CompletedCall>;
  random: () => number;
  log: (message: string) => void;
  events?: ProxyEvents;
  maxConcurrent?: number;
}

/**
 * A split judge and its tally wired as the composition root wires them, with one fake
 * `complete` for every judgement (the pipeline hands the real judge one per call).
 */
export class TestJudge {
  readonly tally = new SplitTally();
  private readonly judgeOf: SplitJudge;
  private readonly complete: TestJudgeOptions['complete'];

  constructor(options: TestJudgeOptions) {
    this.complete = options.complete;
    this.judgeOf = new SplitJudge({
      tally: this.tally,
      random: options.random,
      log: options.log,
      maxConcurrent: options.maxConcurrent,
      onJudgement: (judgement) => options.events?.emit('judgement', judgement),
    });
  }

  wantsAnswer(route: RouteConfig): boolean {
    return this.judgeOf.wantsAnswer(route);
  }

  judge(input: Omit<SplitJudgeInput, 'complete'>): void {
    this.judgeOf.judge({ ...input, complete: (label, request) => this.complete(label, request) });
  }

  recordServed(...args: Parameters<SplitTally['recordServed']>): void {
    this.tally.recordServed(...args);
  }

  stats(): SplitRouteStats[] {
    return this.tally.stats();
  }
}
