import { ResponseCollector, type CanonicalResponse } from '../core/response';
import type { JsonValue } from '../store/response-cache';
import type { AuditSink } from '../store/audit-sink';
import type { DecisionRecord } from '../routing/decision';
import type { AnswerObserver } from '../call/answer-observer';
import type { CallOutcome, ServedTarget } from '../call/outcome';
import type { RequestContext } from '../call/request-context';

/** The kind of entry one call leaves in the audit log. */
export const callContentKind = 'call';

/**
 * What the content audit log keeps of one call (`GET /_switchyard/requests/:id/content`, the
 * panel's Content section, `switchyard audit export`): the request as sent — the client's body
 * after redaction, in the client's own format, which is byte for byte what a passthrough call
 * sent and what a translated call was translated from — and the answer as the provider gave it,
 * before placeholders were restored.
 */
export interface CallContent {
  requestId: string;
  time: number;
  format: RequestContext['format'];
  /** The inbound path, e.g. `/v1/messages` or `/v1beta/models/…:generateContent`. */
  endpoint: string;
  requestedModel: string;
  stream: boolean;
  principal?: { keyId: string; label: string };
  /** For a call Switchyard made itself: why (`shadow`, `judge`) and the served call it was for. */
  purpose?: 'shadow' | 'judge';
  parentId?: string;
  target?: ServedTarget;
  decision?: DecisionRecord;
  /** The request body as sent (after redaction). */
  request: JsonValue;
  /** The answer as received, collected from its parts; absent when none came. */
  answer?: CanonicalResponse;
  error?: string;
}

/** Where each wire API is served, for the content of a call Switchyard made itself (replay sends it there). */
function inboundPath(api: RequestContext['format'], model: string): string {
  switch (api) {
    case 'openai-chat':
      return '/v1/chat/completions';
    case 'openai-responses':
      return '/v1/responses';
    case 'anthropic-messages':
      return '/v1/messages';
    case 'gemini':
      return `/v1beta/models/${encodeURIComponent(model)}:generateContent`;
  }
}

/** What an internal call sent and got, as the audit keeps it. */
export interface InternalCallAudit {
  context: RequestContext;
  purpose: 'shadow' | 'judge';
  parentId: string;
  /** The provider's wire API and the body sent to it (after redaction); absent when nothing was sent. */
  sent?: { api: RequestContext['format']; model: string; body: string | Buffer };
  answer?: CanonicalResponse;
  outcome: CallOutcome;
}

/**
 * Queues the content of a call Switchyard made itself (a split's shadow or judge call): the
 * body as sent to the provider, in the provider's API (there is no client body), and the answer
 * as received. Calls refused before anything was sent keep the request as planned.
 */
export function auditInternalCall(sink: AuditSink, call: InternalCallAudit, planned: JsonValue): void {
  const { context, outcome } = call;
  let request: JsonValue = planned;
  let format = context.format;
  let endpoint = context.endpoint;
  if (call.sent !== undefined) {
    try {
      request = JSON.parse(call.sent.body.toString()) as JsonValue;
      format = call.sent.api;
      endpoint = inboundPath(call.sent.api, call.sent.model);
    } catch {
      // Not JSON (no encoder writes anything else): the request as planned stands in.
    }
  }
  const content: CallContent = { requestId: context.id, time: context.time, format, endpoint, requestedModel: context.requestedModel, stream: false, request, purpose: call.purpose, parentId: call.parentId };
  if (context.principal !== undefined) content.principal = { keyId: context.principal.keyId, label: context.principal.label };
  if (outcome.target !== undefined) content.target = outcome.target;
  if (outcome.decision !== undefined) content.decision = outcome.decision;
  if (call.answer !== undefined) content.answer = call.answer;
  if (outcome.error !== undefined) content.error = outcome.error;
  sink.write({ id: `aud_${context.id}`, time: context.time, kind: callContentKind, requestId: context.id, data: content as unknown as JsonValue });
}

/**
 * Collects a served call's answer and, once the call has ended, queues its content in the audit
 * sink. The sink writes off the request path; nothing here touches the disk.
 */
export function auditObserver(sink: AuditSink, context: RequestContext): AnswerObserver {
  const collector = new ResponseCollector();
  let collected = false;
  let broken = false;
  return {
    wantsParts: true,
    onPart(part) {
      if (broken) return;
      try {
        collector.add(part);
        collected = true;
      } catch {
        // A part out of order (a provider's quirk) ends collection; the entry keeps what came.
        broken = true;
      }
    },
    onEnd(outcome: CallOutcome) {
      let request: JsonValue;
      try {
        request = context.body() as JsonValue;
      } catch {
        return;
      }
      const content: CallContent = {
        requestId: context.id,
        time: context.time,
        format: context.format,
        endpoint: context.endpoint,
        requestedModel: context.requestedModel,
        stream: context.stream,
        request,
      };
      if (context.principal !== undefined) content.principal = { keyId: context.principal.keyId, label: context.principal.label };
      if (outcome.target !== undefined) content.target = outcome.target;
      if (outcome.decision !== undefined) content.decision = outcome.decision;
      if (collected) content.answer = collector.result();
      if (outcome.error !== undefined) content.error = outcome.error;
      sink.write({ id: `aud_${context.id}`, time: context.time, kind: callContentKind, requestId: context.id, data: content as unknown as JsonValue });
    },
  };
}
