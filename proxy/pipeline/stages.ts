import type { ServerResponse } from 'node:http';
import { ProxyError } from '../core/errors';
import type { CanonicalRequest } from '../core/request';
import type { StreamPart } from '../core/stream-part';
import { ResponseCollector, type CanonicalResponse } from '../core/response';
import { sendJson } from '../http/model-route';
import { SseParser } from '../sse/sse-parser';
import { providerAdapters } from '../codecs/registry';
import type { AnswerObserver } from '../call/answer-observer';
import { refusedOutcome, type CallOutcome, type ServedTarget } from '../call/outcome';
import { arrive, type CallIdentity, type RequestContext } from '../call/request-context';
import { judgeObserver } from '../evaluation/judge-observer';
import type { CompletedCall } from '../evaluation/split-judge';
import { admit, type Admitted, type AttemptTarget, type ExecutionPlan } from './admit';
import { AttemptError, type OpenedAttempt } from './attempt';
import { answerError, clientError, streamErrorEvent, switchyardHeaders } from './client-answer';
import type { Delivered } from './delivery';
import { createContext, type Endpoint, type Exchange } from './endpoint';
import { attemptHeaders, execute } from './execute';
import { planCall, type Refusal } from './plan';
import { recordCall, type RecordInput } from './recorder';
import type { ProxyRuntime } from './runtime';
import { translatedRequest } from './translate';
import { forwardedResponseHeaders } from './upstream-target';

/**
 * Every upstream call passes the same stages, in this order:
 *
 *   read → authenticate → plan → admit → [cache lookup] → execute → settle → record
 *
 * `authenticate` is the front door's (server.ts): the principal arrives with the exchange.
 * `read` is the endpoint's; `plan` picks candidates (rules, routes, strategy); `admit` asks the
 * call policies and drops candidates without a key; `execute` opens attempts (retries,
 * fallback, race, breaker) and the endpoint delivers the winner; `settle` tells the policies
 * and answer observers how it ended; `record` writes the one request record. Each stage
 * returns a value — a context, a plan or a refusal, an outcome — and no stage writes into
 * another's state. Calls Switchyard makes itself (a split's shadow and judge calls) take the
 * same stages through `completeInternal`.
 */
export async function serveCall(runtime: ProxyRuntime, endpoint: Endpoint, exchange: Exchange): Promise<void> {
  const { response } = exchange;
  const identity = arrive({ format: endpoint.format, operation: endpoint.operation, endpoint: exchange.path, principal: exchange.principal });
  const abort = new AbortController();
  const closed = new Promise<void>((resolve) =>
    response.once('close', () => {
      // A client that leaves aborts every upstream attempt: no tokens billed for nobody.
      if (!response.writableFinished) abort.abort();
      resolve();
    }),
  );
  let recorded: RecordInput | undefined;
  try {
    recorded = await runStages(runtime, endpoint, exchange, identity, abort.signal);
  } catch (error) {
    // Switchyard's own failure in some stage: the stack to the log, the client told in its format.
    const proxyError = clientError(error, identity.id, runtime.log);
    if (!abort.signal.aborted) answerError(response, endpoint.format, proxyError, { 'x-switchyard-request-id': identity.id });
    recorded = { identity, requestedModel: '', stream: false, outcome: refusedOutcome(proxyError.message, proxyError.status) };
  }
  // A client gone before its body was read leaves no record.
  if (recorded === undefined) return;
  await closed;
  const input = { ...recorded, response };
  setImmediate(() => recordCall(runtime, input));
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
    return { identity, requestedModel: read.requestedModel, stream: read.stream, outcome: refusedOutcome(read.refusal.message, read.refusal.status) };
  }
  const context = read.context;
  const finish = (outcome: CallOutcome): RecordInput => ({ identity, requestedModel: context.requestedModel, stream: context.stream, outcome });
  // plan, admit
  let admitted = planAndAdmit(runtime, context);
  // Awaited only when a policy is async: the usual call pays no promise for admission.
  if (admitted instanceof Promise) admitted = await admitted;
  // Refused calls settle too: a policy that reserved something at admission must hear the end.
  if ('refusal' in admitted) return finish(settle(runtime, context, [], refuse(response, context, admitted)));
  const plan = admitted.plan;
  const first = servedTarget(plan.targets[0]!);
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
  // [cache lookup: a cache hit answers here and skips execute]
  // execute, then the endpoint delivers the winner
  const observers = observersFor(runtime, context, plan);
  let opened: OpenedAttempt;
  try {
    opened = await execute(runtime, plan, (target) => endpoint.upstream(context, target), signal);
  } catch (error) {
    if (!(error instanceof AttemptError)) throw error;
    // A client that left is why the attempts stopped; the recorder says so.
    const outcome: CallOutcome = { target: first, decision: plan.decision, usage: undefined, firstTokenAt: undefined, error: signal.aborted ? undefined : error.error.message };
    if (!signal.aborted) answerFailure(response, context, plan, error);
    return finish(settle(runtime, context, observers, outcome));
  }
  const target = servedTarget(opened.target);
  plan.decision.winner = opened.target.label;
  const delivered = await deliver(runtime, endpoint, context, plan, opened, response, observers);
  // A provider that cuts streams midway counts against its circuit like one that fails outright.
  if (delivered.blame === 'provider') runtime.reliability.breakers.recordFailure(opened.target.label);
  const outcome: CallOutcome = { target, decision: plan.decision, usage: delivered.usage, firstTokenAt: delivered.firstTokenAt, error: delivered.error?.message, costUsd: delivered.costUsd };
  // settle
  return finish(settle(runtime, context, observers, outcome));
}

/** The plan and admit stages; a refusal from either carries what routing found out. */
function planAndAdmit(runtime: ProxyRuntime, context: RequestContext): Admitted | Promise<Admitted> {
  const planned = planCall(runtime, context);
  if ('refusal' in planned) return planned;
  return admit(runtime.routing.policies, context, planned.plan);
}

/** Refuses a call before any attempt, in the client's format; the refusal is recorded with its reason. */
function refuse(response: ServerResponse, context: RequestContext, refusal: Refusal): CallOutcome {
  if (!context.signal.aborted) answerError(response, context.format, refusal.refusal, { 'x-switchyard-request-id': context.id });
  return refusedOutcome(refusal.refusal.message, refusal.refusal.status, refusal.decision, refusal.target);
}

/** Every attempt failed: the provider's own error answer when it is already in the client's format, else ours. */
function answerFailure(response: ServerResponse, context: RequestContext, plan: ExecutionPlan, error: AttemptError): void {
  const headers = { 'x-switchyard-request-id': context.id, ...attemptHeaders(plan) };
  if (error.reply) {
    response.writeHead(error.reply.status, { ...forwardedResponseHeaders(error.reply.headers), ...headers });
    response.end(error.reply.text);
    return;
  }
  answerError(response, context.format, error.error, headers);
}

async function deliver(runtime: ProxyRuntime, endpoint: Endpoint, context: RequestContext, plan: ExecutionPlan, opened: OpenedAttempt, response: ServerResponse, observers: readonly AnswerObserver[]): Promise<Delivered> {
  const { pricer } = runtime.routing;
  const { provider, model } = opened.target;
  try {
    return await endpoint.deliver({
      context,
      opened,
      response,
      headers: { ...switchyardHeaders(context.id, servedTarget(opened.target)), ...attemptHeaders(plan) },
      observers,
      price: (usage) => pricer.price(provider.id, model, usage),
      log: runtime.log,
    });
  } catch (error) {
    // Thrown before the answer went out (a whole answer that does not decode).
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
}

/** The settle stage: policies book the outcome, observers hear the end; neither can break the call. Returns the outcome. */
function settle(runtime: ProxyRuntime, context: RequestContext, observers: readonly AnswerObserver[], outcome: CallOutcome): CallOutcome {
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
        complete: (label, request, purpose) => completeInternal(runtime, { label, request, purpose, parent: context }),
        log: runtime.log,
      }),
    );
  }
  return observers;
}

function servedTarget(target: AttemptTarget): ServedTarget {
  return { provider: target.provider.id, model: target.model, passthrough: target.passthrough };
}

/** A call Switchyard makes on its own behalf, for the caller of `parent`. */
export interface InternalCall {
  /** `provider/model` or an alias, as addressed. */
  label: string;
  request: CanonicalRequest;
  purpose: 'shadow' | 'judge';
  parent: RequestContext;
  /** Default 120 s. */
  timeoutMs?: number;
}

/**
 * The same stages for a call Switchyard makes itself: planned as addressed, admitted by the
 * same policies (a disabled model is not called), executed with the breaker, settled and
 * recorded — marked with its purpose and linked to the served call, so its spend shows.
 * Resolves with the whole answer, or rejects with why there is none.
 */
export async function completeInternal(runtime: ProxyRuntime, call: InternalCall): Promise<CompletedCall> {
  const identity = arrive({ format: 'openai-chat', operation: 'generate', endpoint: call.parent.endpoint, principal: call.parent.principal, purpose: call.purpose, parentId: call.parent.id });
  const signal = AbortSignal.timeout(call.timeoutMs ?? 120_000);
  const request = { ...call.request, stream: false };
  const context = createContext(identity, { requestedModel: call.label, stream: false, headers: {}, query: '', raw: undefined, body: () => ({}), signal, decode: () => request, canonical: request });
  const record = (outcome: CallOutcome): void => void recordCall(runtime, { identity, requestedModel: call.label, stream: false, outcome });
  const admitted = await planAndAdmit(runtime, context);
  if ('refusal' in admitted) {
    record(settle(runtime, context, [], refusedOutcome(admitted.refusal.message, admitted.refusal.status, admitted.decision, admitted.target)));
    throw admitted.refusal;
  }
  const plan = admitted.plan;
  let opened: OpenedAttempt;
  try {
    opened = await execute(runtime, plan, (target) => translatedRequest(request, target), signal);
  } catch (error) {
    const failure = error instanceof AttemptError ? error.error : clientError(error, identity.id, runtime.log);
    const outcome: CallOutcome = { target: servedTarget(plan.targets[0]!), decision: plan.decision, usage: undefined, firstTokenAt: undefined, error: failure.message, status: failure.status };
    record(settle(runtime, context, [], outcome));
    throw failure;
  }
  plan.decision.winner = opened.target.label;
  const target = servedTarget(opened.target);
  let response: CanonicalResponse;
  try {
    response = await readWhole(opened);
  } catch (error) {
    const failure = clientError(error, identity.id, runtime.log);
    // Whose fault, as for served calls: only the provider's availability counts against its circuit.
    if (failure === error && !failure.malformed) runtime.reliability.breakers.recordFailure(opened.target.label);
    const outcome: CallOutcome = { target, decision: plan.decision, usage: undefined, firstTokenAt: opened.firstChunkAt, error: failure.message, status: failure.status };
    record(settle(runtime, context, [], outcome));
    throw failure;
  }
  const costUsd = runtime.routing.pricer.price(target.provider, target.model, response.usage);
  const outcome: CallOutcome = { target, decision: plan.decision, usage: response.usage, firstTokenAt: opened.firstChunkAt, error: undefined, status: 200, costUsd };
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
  for await (const chunk of opened.answer.body) take(chunk as Buffer);
  for (const event of parser.end()) keep(decoder.decode(event));
  keep(decoder.end());
  return collector.result();
}
