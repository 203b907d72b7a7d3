import { ProxyError } from '../core/errors';
import type { AttemptHold, CallPolicy, ResolvedTarget } from '../call/call-policy';
import type { RequestContext } from '../call/request-context';
import type { Candidate, Refusal, RoutePlan } from './plan';
import type { UpstreamCredential } from './upstream-target';
import { StorageUnavailableError } from '../store/storage-unavailable';

/** A candidate the policies let through, with a credential to call it. */
export interface AttemptTarget extends Omit<Candidate, 'credential'> {
  credential: UpstreamCredential;
}

/** The plan as it will run: only admitted targets, in order. */
export interface ExecutionPlan extends Omit<RoutePlan, 'candidates'> {
  targets: AttemptTarget[];
  /** Every attempt's holds (budget reservations), as execute took them; undefined while none. */
  holds?: AttemptHold[];
}

export type Admitted = { plan: ExecutionPlan } | Refusal;

/**
 * A policy whose shared store cannot be reached and that fails closed (a team's Redis for rate
 * limits, `storage.onStorageError: "closed"`) refuses the call with a 503 in the client's format,
 * naming the store; any other failure stays an internal error.
 */
function refuseWhenStoreIsAway(error: unknown): ProxyError {
  if (!(error instanceof StorageUnavailableError)) throw error;
  return new ProxyError('overloaded', `Switchyard refused this call: ${error.message}, and its limits fail closed (storage.onStorageError "closed"). Try again shortly.`, { status: 503 });
}

/**
 * The admit stage: each policy may refuse the call outright (`admitCall`), then each candidate
 * is tested on its resolved `provider/model` by every policy (`skipTarget`), then for what the
 * operation needs (an embeddings API) and for a key. A call left with no target is refused
 * with the reason that emptied it. Synchronous unless some policy's `admitCall` is async, so
 * the usual call pays no promise for it.
 */
export function admit(policies: readonly CallPolicy[], context: RequestContext, plan: RoutePlan): Admitted | Promise<Admitted> {
  let pending: Promise<ProxyError | undefined>[] | undefined;
  for (const policy of policies) {
    if (policy.admitCall === undefined) continue;
    const verdict = policy.admitCall(context);
    if (verdict instanceof ProxyError) return { refusal: verdict, decision: plan.decision };
    if (verdict !== undefined) (pending ??= []).push(verdict.catch(refuseWhenStoreIsAway));
  }
  if (pending === undefined) return admitTargets(policies, context, plan);
  return Promise.all(pending).then((verdicts) => {
    const refusal = verdicts.find((verdict) => verdict !== undefined);
    return refusal === undefined ? admitTargets(policies, context, plan) : { refusal, decision: plan.decision };
  });
}

function admitTargets(policies: readonly CallPolicy[], context: RequestContext, plan: RoutePlan): Admitted {
  const targets: AttemptTarget[] = [];
  // Allocated only when some policy passes a candidate over: the usual call has none to ask.
  let skippedBy: Map<CallPolicy, ResolvedTarget[]> | undefined;
  let unsupported: ProxyError | undefined;
  let keyless: ProxyError | undefined;
  for (const candidate of plan.candidates) {
    const resolved: ResolvedTarget | undefined = policies.length === 0 ? undefined : { label: candidate.label, provider: candidate.provider.id, model: candidate.model };
    const skippedFor = resolved === undefined ? undefined : skippingPolicy(policies, context, resolved);
    if (skippedFor !== undefined && resolved !== undefined) {
      skippedBy ??= new Map();
      candidate.entry.outcome = 'skipped';
      candidate.entry.reason = skippedFor.reason;
      const list = skippedBy.get(skippedFor.policy) ?? [];
      list.push(resolved);
      skippedBy.set(skippedFor.policy, list);
      continue;
    }
    const capability = missingCapability(context, candidate);
    if (capability !== undefined) {
      candidate.entry.outcome = 'skipped';
      candidate.entry.reason = `${candidate.provider.id} has no embeddings API`;
      unsupported ??= capability;
      continue;
    }
    if (candidate.credential instanceof ProxyError && needsCredential(context, candidate)) {
      candidate.entry.outcome = 'skipped';
      candidate.entry.reason = `no API key for ${candidate.provider.id}`;
      keyless ??= candidate.credential;
      continue;
    }
    const credential = candidate.credential instanceof ProxyError ? noCredential : candidate.credential;
    targets.push({ label: candidate.label, provider: candidate.provider, model: candidate.model, api: candidate.api, passthrough: candidate.passthrough, credential, entry: candidate.entry });
  }
  const { decision } = plan;
  if (targets.length === 0) {
    const first = plan.candidates[0];
    const target = plan.strategy === 'direct' && first !== undefined ? { provider: first.provider.id, model: first.model, passthrough: first.passthrough } : undefined;
    return { refusal: refusalFor(context, plan, skippedBy ?? new Map(), unsupported, keyless), decision, target };
  }
  // Skipped candidates go last, so the decision lists what was tried first.
  decision.candidates.sort((left, right) => Number(left.outcome === 'skipped') - Number(right.outcome === 'skipped'));
  const admitted: ExecutionPlan = { strategy: plan.strategy, targets, retry: plan.retry, timeouts: plan.timeouts, hedgeMs: plan.hedgeMs, decision };
  if (plan.judge !== undefined) admitted.judge = plan.judge;
  return { plan: admitted };
}

function skippingPolicy(policies: readonly CallPolicy[], context: RequestContext, target: ResolvedTarget): { policy: CallPolicy; reason: string } | undefined {
  for (const policy of policies) {
    const reason = policy.skipTarget?.(context, target);
    if (reason !== undefined) return { policy, reason };
  }
  return undefined;
}

/** A local token count calls no provider: no key is sent anywhere. */
const noCredential: UpstreamCredential = { source: 'provider', key: undefined };

/** Tokens are counted locally for a provider that cannot count this client's format: no key needed. */
function needsCredential(context: RequestContext, candidate: Candidate): boolean {
  return context.operation !== 'count-tokens' || candidate.passthrough;
}

/** What a provider lacks for this call's operation: Anthropic serves no embeddings. */
function missingCapability(context: RequestContext, candidate: Candidate): ProxyError | undefined {
  if (context.operation !== 'embed' || candidate.provider.kind !== 'anthropic') return undefined;
  return new ProxyError('invalid_request', `${candidate.provider.id} has no embeddings API. Use an OpenAI, Gemini or OpenAI-compatible embedding model.`, { param: 'model' });
}

/** Why nothing is left: one policy that passed over everything speaks for itself; else the missing keys. */
function refusalFor(context: RequestContext, plan: RoutePlan, skippedBy: Map<CallPolicy, ResolvedTarget[]>, unsupported: ProxyError | undefined, keyless: ProxyError | undefined): ProxyError {
  const route = plan.decision.route;
  if (keyless === undefined && unsupported === undefined && skippedBy.size > 0) {
    const [policy, skipped] = skippedBy.entries().next().value!;
    if (skippedBy.size === 1 && policy.refusal !== undefined) return policy.refusal(context, skipped, route);
    return new ProxyError('permission', `Every target${route === undefined ? '' : ` of route '${route}'`} was refused: ${plan.decision.candidates.map((entry) => `${entry.target}: ${entry.reason}`).join('; ')}.`);
  }
  if (keyless === undefined) return unsupported!;
  if (plan.strategy === 'direct' || route === undefined) return keyless;
  return new ProxyError(
    'authentication',
    `No target of route '${route}' has an API key: ${plan.decision.candidates.map((entry) => entry.target).join(', ')}. In VS Code, run "Switchyard: Set Provider Key"; otherwise set the providers' key variables and restart the proxy.`,
  );
}
