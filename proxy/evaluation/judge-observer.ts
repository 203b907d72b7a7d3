import type { RouteConfig } from '../config/config';
import type { CanonicalRequest } from '../core/request';
import { ResponseCollector } from '../core/response';
import type { AnswerObserver } from '../call/answer-observer';
import type { CompleteCall, SplitJudge } from './split-judge';

export interface JudgeObserverInput {
  judge: SplitJudge;
  routeName: string;
  route: RouteConfig;
  requestId: string;
  request: () => CanonicalRequest;
  /** How the judge makes its shadow and judge calls: through the pipeline, linked to this request. */
  complete: CompleteCall;
  log: (message: string) => void;
}

/**
 * Collects the served answer of a sampled split request as parts and, once the client has it
 * and it succeeded, hands it to the judge off the request path.
 */
export function judgeObserver(input: JudgeObserverInput): AnswerObserver {
  const collector = new ResponseCollector();
  return {
    wantsParts: true,
    onPart: (part) => collector.add(part),
    onEnd: (outcome) => {
      if (outcome.error !== undefined || outcome.decision?.winner === undefined) return;
      const servedTarget = outcome.decision.winner;
      setImmediate(() => {
        try {
          input.judge.judge({ routeName: input.routeName, route: input.route, requestId: input.requestId, request: input.request(), servedTarget, served: collector.result(), complete: input.complete });
        } catch (error) {
          input.log(`${input.requestId} not judged: ${(error as Error).message}`);
        }
      });
    },
  };
}
