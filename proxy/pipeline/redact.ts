import { ProxyError } from '../core/errors';
import type { JsonObject } from '../core/json';
import type { CanonicalRequest } from '../core/request';
import type { AnswerTransform } from '../call/answer-transform';
import type { RequestContext } from '../call/request-context';
import { prefilterSliceBytes } from '../privacy/raw-prefilter';
import { redactBody, type Located } from '../privacy/redact-body';
import type { Redaction, RedactionSettings } from '../privacy/redaction-settings';
import { restoreTransform } from '../privacy/restore';
import type { ExecutionPlan } from './admit';
import type { ProxyRuntime } from './runtime';

/** What redaction did to a call, for its record: counts per detector, never values. */
export interface RedactionSummary {
  mode: 'redact' | 'block';
  /** Findings per detector; empty when nothing was found. */
  counts: Record<string, number>;
}

export type Redacted =
  /** The call to execute: the same context when nothing was found, a rewritten one otherwise. */
  | { context: RequestContext; transform: AnswerTransform | undefined; summary: RedactionSummary | undefined }
  | { refusal: ProxyError; summary: RedactionSummary };

/**
 * The redaction stage, between admit and the response-cache lookup: scans every text of the
 * client's body with the detectors in force for the matched rule and the caller's key, then refuses the call (block)
 * or rewrites it with placeholders (redact). A body whose raw bytes the prefilter clears is not
 * parsed at all (raw-prefilter.ts). A call where nothing was found goes on untouched —
 * on the passthrough path, byte for byte. With `restore`, the answer gets a transform that puts
 * the values back. Calls Switchyard makes itself (a split's shadow and judge calls) are
 * redacted by {@link redactInternalRequest}.
 */
export function redactCall(runtime: ProxyRuntime, settings: RedactionSettings, context: RequestContext, plan: ExecutionPlan): Redacted | Promise<Redacted> {
  const redaction = settings.resolve(plan.decision.rule?.index, context.principal);
  if (redaction === undefined || context.purpose !== 'served') return { context, transform: undefined, summary: undefined };
  // Most calls hold nothing to find: a look at the raw bytes says so, and the body is neither
  // parsed nor walked (the passthrough path then forwards it as it came), with no promise.
  const raw = context.raw;
  if (redaction.prefilter !== undefined && raw !== undefined && raw.length <= prefilterSliceBytes && !redaction.prefilter.mayFind(raw)) return { context, transform: undefined, summary: { mode: redaction.mode, counts: {} } };
  return redactParsed(runtime, redaction, context);
}

/** {@link redactCall} past the quick look: a body of several MB looked at a slice at a time, then parsed and scanned. */
async function redactParsed(runtime: ProxyRuntime, redaction: Redaction, context: RequestContext): Promise<Redacted> {
  const raw = context.raw;
  if (redaction.prefilter !== undefined && raw !== undefined && raw.length > prefilterSliceBytes && !(await redaction.prefilter.mayFindYielding(raw))) {
    return { context, transform: undefined, summary: { mode: redaction.mode, counts: {} } };
  }
  let body: JsonObject;
  try {
    body = context.body();
  } catch {
    // A body that is not JSON goes to no provider: the later stages refuse it in the client's format.
    return { context, transform: undefined, summary: undefined };
  }
  if (redaction.mode === 'block') {
    const { found, counts } = await redactBody(body, redaction.scanner);
    if (found.length === 0) return { context, transform: undefined, summary: { mode: 'block', counts } };
    return { refusal: blockedRefusal(found), summary: { mode: 'block', counts } };
  }
  const scope = runtime.placeholders.scope(context.principal?.keyId ?? 'local');
  let original: string | undefined;
  // A placeholder already in the caller's own text would be ambiguous: its number is skipped.
  const taken = (placeholder: string): boolean => (original ??= context.raw?.toString('utf8') ?? JSON.stringify(body)).includes(placeholder);
  const { found, counts, body: rewritten } = await redactBody(body, redaction.scanner, (finding, value) => scope.placeholderFor(finding.kind, value, taken));
  if (found.length === 0) return { context, transform: undefined, summary: { mode: 'redact', counts } };
  return { context: context.withBody(rewritten), transform: redaction.restore ? restoreTransform(scope) : undefined, summary: { mode: 'redact', counts } };
}

/**
 * The redaction stage of a call Switchyard makes itself, on its canonical request, with the
 * settings of the served call it is made for: the rule that call matched (`parentRule`) and the
 * caller's key. A split's shadow and judge calls carry the served call's request, already
 * redacted, but the judge's also carries both answers, and a model's answer may hold a secret or
 * an address of its own: every text is scanned again before it goes to a provider. Nothing is
 * restored: the answer goes to no client.
 */
export async function redactInternalRequest(
  runtime: ProxyRuntime,
  settings: RedactionSettings,
  context: RequestContext,
  parentRule: number | undefined,
  request: CanonicalRequest,
): Promise<{ request: CanonicalRequest; summary: RedactionSummary | undefined } | { refusal: ProxyError; summary: RedactionSummary }> {
  const redaction = settings.resolve(parentRule, context.principal);
  if (redaction === undefined) return { request, summary: undefined };
  const body = request as unknown as JsonObject;
  if (redaction.mode === 'block') {
    const { found, counts } = await redactBody(body, redaction.scanner);
    if (found.length === 0) return { request, summary: { mode: 'block', counts } };
    return { refusal: blockedRefusal(found), summary: { mode: 'block', counts } };
  }
  const scope = runtime.placeholders.scope(context.principal?.keyId ?? 'local');
  let original: string | undefined;
  const taken = (placeholder: string): boolean => (original ??= JSON.stringify(body)).includes(placeholder);
  const { found, counts, body: rewritten } = await redactBody(body, redaction.scanner, (finding, value) => scope.placeholderFor(finding.kind, value, taken));
  if (found.length === 0) return { request, summary: { mode: 'redact', counts } };
  return { request: rewritten as unknown as CanonicalRequest, summary: { mode: 'redact', counts } };
}

/** Block mode's refusal: the first finding's detector, kind and place, never its value. */
function blockedRefusal(found: readonly Located[]): ProxyError {
  const first = found[0]!;
  const others = found.length > 1 ? ` (${found.length} findings in all)` : '';
  const message =
    `Switchyard's redaction blocked this request: the ${first.detector} detector found ${article(first.kind)} ${first.kind.toLowerCase().replace(/_/g, ' ')} in ${first.path}${others}. ` +
    'Remove it from the request, add it to redaction.allow if it is not sensitive, or set redaction.mode to "redact" to send placeholders instead.';
  return new ProxyError('invalid_request', message, { param: first.path });
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}
