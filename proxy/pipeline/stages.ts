import type { ServerResponse } from 'node:http';
import { ProxyError } from '../core/errors';
import { checkModelName } from '../core/model-name';
import { sendJson } from '../http/model-route';
import type { AnswerObserver } from '../call/answer-observer';
import type { AnswerTransform } from '../call/answer-transform';
import { refusedOutcome, type CallOutcome } from '../call/outcome';
import { arrive, type CallIdentity, type RequestContext } from '../call/request-context';
import { CallAbortController } from '../call/call-abort';
import { judgeObserver } from '../evaluation/judge-observer';
import { auditObserver } from '../audit/audit-observer';
import type { ExecutionPlan } from './admit';
import { AttemptError, type OpenedAttempt } from './attempt';
import { answerError, clientError, streamErrorEvent } from './client-answer';
import type { Delivered } from './delivery';
import type { Endpoint, Exchange } from './endpoint';
import { attemptHeaders, budgetCheck, budgetRefusalKind, execute, settleHolds } from './execute';
import { completeInternal } from './internal-call';
import type { Refusal } from './plan';
import { lookupCache } from './cache-stage';
import { recordCall, type RecordInput } from './recorder';
import { redactCall, type RedactionSummary } from './redact';
import type { ProxyRuntime } from './runtime';
import { planAndAdmit, servedTarget, settle } from './stage-steps';
import { forwardedResponseHeaders } from './upstream-target';
import { ProxyStopping, stoppedBy, stoppingError, type Call as CallInFlight } from './calls-in-flight';
import { writeHead } from '../http/response-head';
import { clockOf } from '../http/call-clock';

/**
 * Every upstream call passes the same stages, in this order:
 *
 *   read → authenticate → plan → admit → redact → cache lookup → execute → settle → record
 *
 * `authenticate` is the front door's (server.ts): the principal arrives with the exchange.
 * `read` is the endpoint's; `plan` picks candidates (rules, routes, strategy); `admit` asks the
 * call policies and drops candidates without a key; `execute` opens attempts (retries,
 * fallback, race, breaker) and the endpoint delivers the winner; `settle` tells the policies
 * and answer observers how it ended; `record` writes the one request record. Each stage
 * returns a value — a context, a plan or a refusal, an outcome — and no stage writes into
 * another's state. Calls Switchyard makes itself (a split's shadow and judge calls) take the
 * same stages through `completeInternal` (internal-call.ts).
 */
export function serveCall(runtime: ProxyRuntime, endpoint: Endpoint, exchange: Exchange): Promise<void> {
  const abort = new CallAbortController();
  // In flight until its record is in the log's queue: a stop waits for that, or ends the call.
  const call = runtime.inFlight.enter(() => abort.abort(new ProxyStopping()));
  return serveTracked(runtime, endpoint, exchange, abort, call);
}

async function serveTracked(runtime: ProxyRuntime, endpoint: Endpoint, exchange: Exchange, abort: AbortController, call: CallInFlight): Promise<void> {
  try {
    const { response } = exchange;
    const identity = arrive({ format: endpoint.format, operation: endpoint.operation, endpoint: exchange.path, principal: exchange.principal, clientHeaders: exchange.request.headers, clock: clockOf(exchange.request) });
    // The record is written a turn after the response closed (below): one callback for both, not
    // a promise for the close and another for the turn after it.
    let closed = false;
    let afterClose: (() => void) | undefined;
    response.once('close', () => {
      // A client that leaves aborts every upstream attempt: no tokens billed for nobody.
      if (!response.writableFinished) abort.abort();
      closed = true;
      if (afterClose !== undefined) setImmediate(afterClose);
    });
    let recorded: RecordInput | undefined;
    try {
      recorded = await runStages(runtime, endpoint, exchange, identity, abort.signal);
      // A stop past its grace period: a call not yet answered is told so in its format (a
      // stream's relay has already written the format's error event and ended).
      if (stoppedBy(abort.signal) && !response.writableEnded) {
        const stopped = stoppingError();
        answerError(response, endpoint.format, stopped, { 'x-switchyard-request-id': identity.id });
        recorded ??= { identity, requestedModel: '', stream: false, outcome: refusedOutcome(stopped.message, stopped.status) };
      }
    } catch (error) {
      // Switchyard's own failure in some stage: the stack to the log, the client told in its format.
      const proxyError = clientError(error, identity.id, runtime.log);
      if (!abort.signal.aborted) answerError(response, endpoint.format, proxyError, { 'x-switchyard-request-id': identity.id });
      recorded = { identity, requestedModel: '', stream: false, outcome: refusedOutcome(proxyError.message, proxyError.status) };
    }
    // A client gone before its body was read leaves no record.
    if (recorded === undefined) return;
    // A turn after the close, so the response's own close handlers run first; still inside the
    // tracked call, so a stop waits for the record before it closes the log.
    await new Promise<void>((resolve) => {
      if (closed) setImmediate(resolve);
      else afterClose = resolve;
    });
    recorded.response = response;
    recordCall(runtime, recorded);
  } finally {
    runtime.inFlight.leave(call);
  }
}

async function runStages(runtime: ProxyRuntime, endpoint: Endpoint, exchange: Exchange, identity: CallIdentity, signal: AbortSignal): Promise<RecordInput | undefined> {
  const { response } = exchange;
  // read
  let read;
  try {
    read = await endpoint.read(exchange, identity, runtime, signal);
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  }
  if ('refusal' in read) {
    if (signal.aborted) return undefined;
    answerError(response, endpoint.format, read.refusal, { 'x-switchyard-request-id': identity.id });
    return { identity, requestedModel: read.requestedModel, stream: read.stream, outcome: refusedOutcome(read.refusal.message, read.refusal.status, undefined, undefined, read.refusal.kind) };
  }
  let context = read.context;
  let redaction: RedactionSummary | undefined;
  // One check for every endpoint: a name that could break a header or a URL goes no further.
  const badName = modelNameRefusal(context.requestedModel);
  if (badName !== undefined) {
    if (signal.aborted) return undefined;
    answerError(response, endpoint.format, badName, { 'x-switchyard-request-id': identity.id });
    return { identity, requestedModel: context.requestedModel, stream: context.stream, outcome: refusedOutcome(badName.message, badName.status, undefined, undefined, badName.kind) };
  }
  const finish = (outcome: CallOutcome): RecordInput => ({ identity, requestedModel: context.requestedModel, stream: context.stream, outcome, redaction });
  // plan, admit
  let admitted = planAndAdmit(runtime, context);
  // Awaited only when a policy is async: the usual call pays no promise for admission.
  if (admitted instanceof Promise) admitted = await admitted;
  // Refused calls settle too: a policy that reserved something at admission must hear the end.
  if ('refusal' in admitted) return finish(settle(runtime, context, [], refuse(response, context, admitted)));
  const plan = admitted.plan;
  const first = servedTarget(plan.targets[0]!);
  // redact: the outbound request rewritten with placeholders, or refused (block)
  let transform: AnswerTransform | undefined;
  const redactionSettings = runtime.routing.redaction;
  if (redactionSettings !== undefined) {
    // Awaited only when the body had to be parsed and scanned: a call the prefilter clears pays no promise.
    let redacted = redactCall(runtime, redactionSettings, context, plan);
    if (redacted instanceof Promise) redacted = await redacted;
    redaction = redacted.summary;
    if ('refusal' in redacted) return finish(settle(runtime, context, [], refuse(response, context, { refusal: redacted.refusal, decision: plan.decision, target: first })));
    context = redacted.context;
    transform = redacted.transform;
  }
  let local;
  try {
    endpoint.prepare?.(context, plan);
    local = endpoint.answerLocally?.(context, plan);
  } catch (error) {
    if (!(error instanceof ProxyError)) throw error;
    return finish(settle(runtime, context, [], refuse(response, context, { refusal: error, decision: plan.decision, target: first })));
  }
  if (local !== undefined) {
    sendJson(response, local.status, local.body);
    return finish(settle(runtime, context, [], { target: undefined, decision: plan.decision, usage: undefined, firstTokenAt: undefined, error: undefined }));
  }
  // cache lookup: a hit answers here, costs nothing and skips execute (no budget is reserved)
  const cached = runtime.routing.cache === undefined ? undefined : await lookupCache(runtime, context, plan, response, transform);
  if (cached?.kind === 'answered') return finish(settle(runtime, context, [], cached.outcome));
  const cacheHeader = cached?.header;
  // execute, then the endpoint delivers the winner
  const observers = observersFor(runtime, context, plan);
  if (cached?.observer !== undefined) observers.push(cached.observer);
  let opened: OpenedAttempt;
  try {
    opened = await execute(runtime, context, plan, (target) => endpoint.upstream(context, target), signal);
  } catch (error) {
    if (!(error instanceof AttemptError)) throw error;
    // A client that left is why the attempts stopped; the recorder says so.
    const outcome: CallOutcome = { target: first, decision: plan.decision, usage: undefined, firstTokenAt: undefined, error: signal.aborted ? undefined : error.error.message };
    if (cacheHeader === 'miss') outcome.cache = 'miss';
    const budget = budgetCheck(plan, error.error);
    if (budget !== undefined) outcome.budget = budget;
    const refusal = budgetRefusalKind(budget, error.error);
    if (refusal !== undefined) outcome.refusal = refusal;
    if (!signal.aborted) answerFailure(response, context, plan, error);
    return finish(settle(runtime, context, observers, outcome));
  }
  const target = servedTarget(opened.target);
  plan.decision.winner = opened.target.label;
  // Awaited only when the answer is relayed over time: a whole answer is delivered in this turn.
  let delivered = deliver(runtime, endpoint, context, plan, opened, response, observers, cacheHeader, transform);
  if (delivered instanceof Promise) delivered = await delivered;
  // A provider that cuts streams midway counts against its circuit like one that fails outright.
  if (delivered.blame === 'provider') runtime.reliability.breakers.recordFailure(opened.target.label);
  const outcome: CallOutcome = { target, decision: plan.decision, usage: delivered.usage, firstTokenAt: delivered.firstTokenAt, error: delivered.error?.message, costUsd: delivered.costUsd };
  if (cacheHeader === 'miss') outcome.cache = 'miss';
  if (delivered.finishReason !== undefined) outcome.finishReason = delivered.finishReason;
  // Budgets settle to the usage delivered (streamed, whole, or as far as a client that left got).
  if (opened.holds !== undefined) {
    settleHolds(opened.holds, delivered.usage, true, delivered.costUsd);
    outcome.budget = budgetCheck(plan);
  }
  // settle
  return finish(settle(runtime, context, observers, outcome));
}

function modelNameRefusal(name: string): ProxyError | undefined {
  try {
    checkModelName(name);
    return undefined;
  } catch (error) {
    if (error instanceof ProxyError) return error;
    throw error;
  }
}

/** Refuses a call before any attempt, in the client's format; the refusal is recorded with its reason. */
function refuse(response: ServerResponse, context: RequestContext, refusal: Refusal): CallOutcome {
  if (!context.signal.aborted) answerError(response, context.format, refusal.refusal, { 'x-switchyard-request-id': context.id });
  return refusedOutcome(refusal.refusal.message, refusal.refusal.status, refusal.decision, refusal.target, refusal.refusal.kind);
}

/** Every attempt failed: the provider's own error answer when it is already in the client's format, else ours. */
function answerFailure(response: ServerResponse, context: RequestContext, plan: ExecutionPlan, error: AttemptError): void {
  const headers = { 'x-switchyard-request-id': context.id, ...attemptHeaders(plan) };
  if (error.reply) {
    writeHead(response, error.reply.status, { ...forwardedResponseHeaders(error.reply.headers), ...headers });
    response.end(error.reply.text);
    return;
  }
  answerError(response, context.format, error.error, headers);
}

function deliver(
  runtime: ProxyRuntime,
  endpoint: Endpoint,
  context: RequestContext,
  plan: ExecutionPlan,
  opened: OpenedAttempt,
  response: ServerResponse,
  observers: readonly AnswerObserver[],
  cacheHeader: 'miss' | 'off' | undefined,
  transform: AnswerTransform | undefined,
): Delivered | Promise<Delivered> {
  const { provider, model } = opened.target;
  // What switchyardHeaders and attemptHeaders say, written as one object: it is made on every call.
  const headers: Record<string, string> = {
    'x-switchyard-request-id': context.id,
    'x-switchyard-provider': provider.id,
    'x-switchyard-model': model,
    'x-switchyard-attempts': String(plan.decision.attempts.length),
  };
  if (cacheHeader !== undefined) headers['x-switchyard-cache'] = cacheHeader;
  const { pricer } = runtime.routing;
  const failed = (error: unknown): Delivered => deliveryFailed(runtime, context, opened, response, error);
  let delivered: Delivered | Promise<Delivered>;
  try {
    delivered = endpoint.deliver({
      context,
      opened,
      response,
      headers,
      observers,
      transform,
      price: (usage) => pricer.price(provider.id, model, usage),
      log: runtime.log,
    });
  } catch (error) {
    return failed(error);
  }
  return delivered instanceof Promise ? delivered.catch(failed) : delivered;
}

/** A delivery that threw before the answer went out (a whole answer that does not decode). */
function deliveryFailed(runtime: ProxyRuntime, context: RequestContext, opened: OpenedAttempt, response: ServerResponse, error: unknown): Delivered {
  opened.abort.abort();
  const proxyError = clientError(error, context.id, runtime.log);
  if (response.headersSent) {
    if (!response.writableEnded) response.end(streamErrorEvent(context, proxyError));
  } else {
    answerError(response, context.format, proxyError, { 'x-switchyard-request-id': context.id });
  }
  const blame = proxyError !== error ? 'internal' : proxyError.malformed ? 'malformed' : 'provider';
  return { usage: undefined, firstTokenAt: undefined, error: proxyError, blame };
}

/** The answer observers this call needs; none for most calls. */
function observersFor(runtime: ProxyRuntime, context: RequestContext, plan: ExecutionPlan): AnswerObserver[] {
  const observers: AnswerObserver[] = [];
  const judge = plan.judge;
  if (judge !== undefined && context.purpose === 'served') {
    observers.push(
      judgeObserver({
        judge: runtime.splits,
        routeName: judge.routeName,
        route: judge.route,
        requestId: context.id,
        request: () => context.canonical(),
        complete: (label, request, purpose) => completeInternal(runtime, { label, request, purpose, parent: context, parentRule: plan.decision.rule?.index }),
        log: runtime.log,
      }),
    );
  }
  if (runtime.audit !== undefined && runtime.routing.config.audit.enabled && context.purpose === 'served') observers.push(auditObserver(runtime.audit, context));
  return observers;
}
