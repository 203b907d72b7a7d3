import { ProxyError } from '../core/errors';
import type { CanonicalRequest } from '../core/request';
import type { StreamPart } from '../core/stream-part';
import { ResponseCollector, type CanonicalResponse } from '../core/response';
import { SseParser } from '../sse/sse-parser';
import { providerAdapters } from '../codecs/registry';
import { refusedOutcome, type CallOutcome } from '../call/outcome';
import { arrive, type RequestContext } from '../call/request-context';
import type { CompletedCall } from '../evaluation/split-judge';
import { AttemptError, type OpenedAttempt } from './attempt';
import { clientError } from './client-answer';
import { createContext } from './endpoint';
import { budgetCheck, budgetRefusalKind, execute, settleHolds } from './execute';
import { recordCall } from './recorder';
import type { ProxyRuntime } from './runtime';
import { planAndAdmit, servedTarget, settle } from './stage-steps';
import { translatedRequest } from './translate';
import { ProxyStopping } from './calls-in-flight';
import { redactInternalRequest, type RedactionSummary } from './redact';
import { auditInternalCall } from '../audit/audit-observer';
import type { JsonValue } from '../store/response-cache';

/** A call Switchyard makes on its own behalf, for the caller of `parent`. */
export interface InternalCall {
  /** `provider/model` or an alias, as addressed. */
  label: string;
  request: CanonicalRequest;
  purpose: 'shadow' | 'judge';
  parent: RequestContext;
  /** The rule the served call matched: its redaction applies to what is done on the call's behalf. */
  parentRule?: number;
  /** Default 120 s. */
  timeoutMs?: number;
}

/**
 * The same stages for a call Switchyard makes itself: planned as addressed, admitted by the
 * same policies (a disabled model is not called), redacted by the same settings (for its own
 * matched rule and the served call's key: block refuses it, redact sends placeholders),
 * executed with the breaker, settled, recorded — marked with its purpose and linked to the
 * served call, so its spend shows — and audited while the content audit log is on.
 * Resolves with the whole answer, or rejects with why there is none.
 */
export function completeInternal(runtime: ProxyRuntime, call: InternalCall): Promise<CompletedCall> {
  const stop = new AbortController();
  const completed = completeTracked(runtime, call, stop.signal);
  // A stop waits for it like for a served call (its record too), or ends it.
  runtime.inFlight.track(completed, () => stop.abort(new ProxyStopping()));
  return completed;
}

async function completeTracked(runtime: ProxyRuntime, call: InternalCall, stopped: AbortSignal): Promise<CompletedCall> {
  const identity = arrive({ format: 'openai-chat', operation: 'generate', endpoint: call.parent.endpoint, principal: call.parent.principal, purpose: call.purpose, parentId: call.parent.id });
  const signal = AbortSignal.any([AbortSignal.timeout(call.timeoutMs ?? 120_000), stopped]);
  let request = { ...call.request, stream: false };
  const contextOf = (canonical: CanonicalRequest): RequestContext =>
    createContext(identity, { requestedModel: call.label, stream: false, headers: {}, query: '', raw: undefined, body: () => ({}), signal, decode: () => canonical, canonical });
  let context = contextOf(request);
  let redaction: RedactionSummary | undefined;
  let sent: { api: OpenedAttempt['target']['api']; model: string; body: string | Buffer } | undefined;
  let answer: CanonicalResponse | undefined;
  const audit = runtime.audit !== undefined && runtime.routing.config.audit.enabled ? runtime.audit : undefined;
  const record = (outcome: CallOutcome): void => {
    recordCall(runtime, { identity, requestedModel: call.label, stream: false, outcome, redaction });
    if (audit !== undefined) auditInternalCall(audit, { context, purpose: call.purpose, parentId: call.parent.id, sent, answer, outcome }, request as unknown as JsonValue);
  };
  const admitted = await planAndAdmit(runtime, context);
  if ('refusal' in admitted) {
    record(settle(runtime, context, [], refusedOutcome(admitted.refusal.message, admitted.refusal.status, admitted.decision, admitted.target, admitted.refusal.kind)));
    throw admitted.refusal;
  }
  const plan = admitted.plan;
  // redact: as the served call was, by its rule's and its caller's key's settings
  const settings = runtime.routing.redaction;
  if (settings !== undefined) {
    const redacted = await redactInternalRequest(runtime, settings, context, call.parentRule, request);
    redaction = redacted.summary;
    if ('refusal' in redacted) {
      record(settle(runtime, context, [], refusedOutcome(redacted.refusal.message, redacted.refusal.status, plan.decision, servedTarget(plan.targets[0]!), redacted.refusal.kind)));
      throw redacted.refusal;
    }
    if (redacted.request !== request) {
      request = redacted.request;
      context = contextOf(request);
    }
  }
  let opened: OpenedAttempt;
  try {
    opened = await execute(runtime, context, plan, (target) => translatedRequest(context, target), signal);
  } catch (error) {
    const failure = error instanceof AttemptError ? error.error : clientError(error, identity.id, runtime.log);
    const outcome: CallOutcome = { target: servedTarget(plan.targets[0]!), decision: plan.decision, usage: undefined, firstTokenAt: undefined, error: failure.message, status: failure.status };
    const budget = budgetCheck(plan, failure);
    if (budget !== undefined) outcome.budget = budget;
    const refusal = budgetRefusalKind(budget, failure);
    if (refusal !== undefined) outcome.refusal = refusal;
    record(settle(runtime, context, [], outcome));
    throw failure;
  }
  plan.decision.winner = opened.target.label;
  const target = servedTarget(opened.target);
  // What the winning attempt sent, for the audit log: encoding again is cheap and only done when auditing.
  if (audit !== undefined) sent = { api: opened.target.api, model: opened.target.model, body: translatedRequest(context, opened.target).body };
  let response: CanonicalResponse;
  try {
    response = await readWhole(opened);
  } catch (error) {
    const failure = clientError(error, identity.id, runtime.log);
    // Whose fault, as for served calls: only the provider's availability counts against its circuit.
    if (failure === error && !failure.malformed) runtime.reliability.breakers.recordFailure(opened.target.label);
    const outcome: CallOutcome = { target, decision: plan.decision, usage: undefined, firstTokenAt: opened.firstChunkAt, error: failure.message, status: failure.status };
    if (opened.holds !== undefined) {
      settleHolds(opened.holds, undefined, true);
      outcome.budget = budgetCheck(plan);
    }
    record(settle(runtime, context, [], outcome));
    throw failure;
  }
  answer = response;
  const costUsd = runtime.routing.pricer.price(target.provider, target.model, response.usage);
  const outcome: CallOutcome = { target, decision: plan.decision, usage: response.usage, firstTokenAt: opened.firstChunkAt, error: undefined, status: 200, costUsd };
  if (opened.holds !== undefined) {
    settleHolds(opened.holds, response.usage, true);
    outcome.budget = budgetCheck(plan);
  }
  record(settle(runtime, context, [], outcome));
  return { target: opened.target.label, response, costUsd, latencyMs: Math.round(performance.now() - identity.startedAt) };
}

/** An internal call's answer, whole: a JSON body, or a stream a provider sent anyway, collected. */
async function readWhole(opened: OpenedAttempt): Promise<CanonicalResponse> {
  const adapter = providerAdapters[opened.target.api];
  const provider = opened.target.provider.id;
  if (opened.kind === 'whole') {
    let json: unknown;
    try {
      json = JSON.parse(opened.body.toString('utf8'));
    } catch {
      throw new ProxyError('api_error', `${provider} answered with a body that is not JSON.`, { status: 502, provider });
    }
    return adapter.decodeResponse(json, provider);
  }
  const collector = new ResponseCollector();
  const parser = new SseParser();
  const decoder = adapter.createStreamDecoder(provider);
  const keep = (parts: StreamPart[]): void => {
    for (const part of parts) {
      if (part.type === 'error') throw part.error;
      collector.add(part);
    }
  };
  const take = (chunk: Buffer): void => {
    for (const event of parser.push(chunk)) keep(decoder.decode(event));
  };
  take(opened.firstChunk);
  for await (const chunk of opened.rest()) take(chunk as Buffer);
  for (const event of parser.end()) keep(decoder.decode(event));
  keep(decoder.end());
  return collector.result();
}
