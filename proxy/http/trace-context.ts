import type { IncomingHttpHeaders } from 'node:http';

/** A client's W3C Trace Context: the call's spans continue its trace. */
export interface TraceContext {
  /** The `traceparent` header as sent: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
  traceParent: string;
  /** The `tracestate` header, vendor entries passed along with the trace (at most 512 characters). */
  traceState?: string;
}

/** Version 00's exact shape; a later version may append fields after another dash. */
const traceParentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** The spec's bound on `tracestate` (32 entries of up to 256 characters would be more; 512 is what it asks to keep). */
const maximumTraceStateLength = 512;

/**
 * The client's trace context, when its `traceparent` is valid: lowercase hex, version not
 * `ff`, neither id all zeros, and version 00 with nothing after the flags. An invalid one is
 * ignored, as the spec asks (the call then starts a trace of its own).
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export function readTraceContext(headers: IncomingHttpHeaders): TraceContext | undefined {
  const traceParent = headers.traceparent;
  if (typeof traceParent !== 'string' || traceParent.length < 55) return undefined;
  const match = traceParentPattern.exec(traceParent);
  if (match === null) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  const context: TraceContext = { traceParent };
  const traceState = headers.tracestate;
  if (typeof traceState === 'string' && traceState !== '' && traceState.length <= maximumTraceStateLength) context.traceState = traceState;
  return context;
}
