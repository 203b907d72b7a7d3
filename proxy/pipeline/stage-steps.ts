/**
 * The steps served calls (stages.ts) and Switchyard's own calls (internal-call.ts) share: plan and
 * admit, settle, and how a target is named.
 */
import type { AnswerObserver } from '../call/answer-observer';
import type { CallOutcome, ServedTarget } from '../call/outcome';
import type { RequestContext } from '../call/request-context';
import { admit, type Admitted, type AttemptTarget } from './admit';
import { planCall } from './plan';
import type { ProxyRuntime } from './runtime';

/** The plan and admit stages; a refusal from either carries what routing found out. */
export function planAndAdmit(runtime: ProxyRuntime, context: RequestContext): Admitted | Promise<Admitted> {
  const planned = planCall(runtime, context);
  if ('refusal' in planned) return planned;
  return admit(runtime.routing.policies, context, planned.plan);
}

/** The settle stage: policies book the outcome, observers hear the end; neither can break the call. Returns the outcome. */
export function settle(runtime: ProxyRuntime, context: RequestContext, observers: readonly AnswerObserver[], outcome: CallOutcome): CallOutcome {
  for (const policy of runtime.routing.policies) {
    if (policy.settle === undefined) continue;
    try {
      policy.settle(context, outcome);
    } catch (error) {
      runtime.log(`${context.id} policy ${policy.name} failed to settle: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
  for (const observer of observers) {
    try {
      observer.onEnd?.(outcome);
    } catch (error) {
      runtime.log(`${context.id} answer observer failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
  return outcome;
}

/** How records and headers name a target. */
export function servedTarget(target: AttemptTarget): ServedTarget {
  return { provider: target.provider.id, model: target.model, passthrough: target.passthrough };
}
