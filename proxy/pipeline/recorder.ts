import type { ServerResponse } from 'node:http';
import { recognizeCallingTool, recordedUserAgent } from '../http/calling-tool';
import { readTraceContext } from '../http/trace-context';
import type { CallOutcome } from '../call/outcome';
import type { CallIdentity } from '../call/request-context';
import type { RequestRecord } from '../store/request-record';
import type { Usage } from '../core/usage';
import type { ProxyRuntime } from './runtime';
import type { RedactionSummary } from './redact';

/** What the recorder needs besides the outcome: the identity and what was read of the request. */
export interface RecordInput {
  identity: CallIdentity;
  requestedModel: string;
  stream: boolean;
  outcome: CallOutcome;
  /** The HTTP response the call was answered on; absent for calls Switchyard made itself. */
  response?: ServerResponse;
  /** What redaction did, when it ran. */
  redaction?: RedactionSummary;
}

/**
 * The one writer of request records: turns a call's identity and outcome into its
 * `RequestRecord`, queues it in the request log and announces it as a `request` event (the
 * panel, the split tally and the tests listen there). Called once per call, after its
 * response has closed, off the request's path.
 */
export function recordCall(runtime: ProxyRuntime, input: RecordInput): RequestRecord {
  const { identity, outcome, response } = input;
  const latencyMs = round(performance.now() - identity.startedAt);
  const closedEarly = response !== undefined && !response.writableFinished;
  let error = outcome.error;
  if (closedEarly && error === undefined) error = 'The client closed the connection before the response was complete.';
  const status = response === undefined ? (outcome.status ?? 200) : closedEarly && !response.headersSent ? 499 : response.statusCode;
  const usage = outcome.usage;
  const target = outcome.target;
  const record: RequestRecord = {
    id: identity.id,
    time: identity.time,
    clientFormat: identity.format,
    endpoint: identity.endpoint,
    requestedModel: input.requestedModel,
    provider: target?.provider,
    model: target?.model,
    status,
    stream: input.stream,
    passthrough: target?.passthrough ?? false,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadTokens: usage?.cacheReadTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    costUsd: outcome.costUsd !== undefined ? outcome.costUsd : usage === undefined || target === undefined ? null : runtime.routing.pricer.price(target.provider, target.model, usage),
    timeToFirstTokenMs: outcome.firstTokenAt === undefined ? null : round(outcome.firstTokenAt - identity.startedAt),
    latencyMs,
  };
  if (identity.principal !== undefined) {
    record.keyId = identity.principal.keyId;
    record.keyLabel = identity.principal.label;
  }
  if (identity.clientHeaders !== undefined) {
    const tool = recognizeCallingTool(identity.clientHeaders);
    if (tool !== undefined) {
      record.tool = tool.name;
      if (tool.version !== undefined) record.toolVersion = tool.version;
    }
    const userAgent = recordedUserAgent(identity.clientHeaders);
    if (userAgent !== undefined) record.userAgent = userAgent;
    const trace = readTraceContext(identity.clientHeaders);
    if (trace !== undefined) {
      record.traceParent = trace.traceParent;
      if (trace.traceState !== undefined) record.traceState = trace.traceState;
    }
  }
  const overheadMs = identity.clock?.headOverheadMs;
  if (overheadMs !== undefined) record.overheadMs = overheadMs;
  if (outcome.refusal !== undefined) record.refusal = outcome.refusal;
  if (outcome.finishReason !== undefined) record.finishReason = outcome.finishReason;
  if (identity.purpose !== 'served') record.purpose = identity.purpose;
  if (identity.parentId !== undefined) record.parentId = identity.parentId;
  if (error !== undefined) record.error = error;
  if (outcome.decision !== undefined) record.decision = outcome.decision;
  if (outcome.cache !== undefined) record.cache = outcome.cache;
  if (outcome.savedUsd !== undefined) record.savedUsd = outcome.savedUsd;
  if (usage !== undefined && usage.cacheReadTokens > 0 && target !== undefined && outcome.cache !== 'hit') {
    const saved = promptCacheSaving(runtime, target.provider, target.model, usage, record.costUsd);
    if (saved !== undefined) record.promptCacheSavedUsd = saved;
  }
  const redaction = input.redaction;
  if (redaction !== undefined && Object.keys(redaction.counts).length > 0) {
    record.redactions = redaction.counts;
    if (redaction.mode === 'block') record.redactionBlocked = true;
  }
  if (outcome.budget !== undefined) record.budget = outcome.budget;
  runtime.store?.add(record);
  runtime.events.emit('request', record);
  return record;
}

/**
 * What the provider's prompt cache saved: the call priced as if its cache-read tokens had been
 * plain input, less what it cost. Undefined when the model has no price.
 */
function promptCacheSaving(runtime: ProxyRuntime, provider: string, model: string, usage: Usage, costUsd: number | null): number | undefined {
  if (costUsd === null) return undefined;
  const uncached = runtime.routing.pricer.price(provider, model, { ...usage, cacheReadTokens: 0 });
  if (uncached === null) return undefined;
  return Math.max(0, uncached - costUsd);
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
