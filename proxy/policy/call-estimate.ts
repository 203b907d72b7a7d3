import type { RequestContext } from '../call/request-context';
import { estimateInputTokens } from '../tokens/estimate-tokens';

/** The worst case of a call in tokens, before it goes out. */
export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
}

const estimates = new WeakMap<RequestContext, TokenEstimate>();

/**
 * A call's worst case, once per call: the input from the body's size (a byte in four; JSON
 * and markup make it an overestimate, never parsed for it on the passthrough path), or the
 * canonical request's estimate for calls Switchyard builds itself; the output from the body's
 * own cap, else `defaultMaxOutputTokens`. Embeddings and token counts produce no output.
 */
export function estimateCall(context: RequestContext, defaultMaxOutputTokens: number): TokenEstimate {
  let estimate = estimates.get(context);
  if (estimate !== undefined) return estimate;
  const inputTokens = context.raw !== undefined ? Math.ceil(context.raw.length / 4) : estimateInputTokens(context.canonical());
  const outputTokens = context.operation !== 'generate' ? 0 : (context.scan.maxOutputTokens ?? (context.raw === undefined ? context.canonical().maxOutputTokens : undefined) ?? defaultMaxOutputTokens);
  estimate = { inputTokens, outputTokens };
  estimates.set(context, estimate);
  return estimate;
}
