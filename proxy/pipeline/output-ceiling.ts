import { ProxyError } from '../core/errors';
import type { RequestContext } from '../call/request-context';
import { modelLimits, type ModelLimits } from '../models/output-limits';
import type { CandidateDecision } from '../routing/decision';
import type { AttemptTarget } from './admit';

/**
 * Tokens a prompt may hold beyond its bytes: the framing around messages and the system prompt a
 * provider adds for tools (Anthropic: 346). A prompt's tokens are otherwise at most its bytes.
 */
const framingTokens = 2_048;

/** How many output tokens a call may ask its target for, and why that is less than asked. */
export interface OutputCeiling {
  /** At most this many output tokens (thinking included); undefined when nothing is known. */
  ceiling: number | undefined;
  /** Which limit set the ceiling. */
  by: NonNullable<CandidateDecision['outputClamped']>['by'];
  /** The estimate of the prompt's tokens, when the context window was looked at. */
  estimatedInputTokens?: number;
}

/**
 * The most output tokens `target` accepts for this call: its model's output limit, lowered to
 * what the context window leaves after the prompt where the provider counts both in one window
 * (OpenAI, Anthropic, the OpenAI-compatible hosts: prompt + `max_tokens` must fit, or the call is
 * refused with a 400). `wanted` is what would be sent (the client's value, or the encoder's
 * default where the API requires one); the window is looked at only when `wanted` could overflow
 * it, and the prompt's tokens are estimated only when its bytes do not already show it fits, so
 * an ordinary call pays a comparison.
 *
 * @throws ProxyError (400) when the prompt alone, by Switchyard's estimate, fills the window:
 *   no answer could fit, and the message says what to do.
 */
export function outputCeiling(context: RequestContext, target: AttemptTarget, wanted: number | undefined): OutputCeiling {
  // The target's label is the same `provider/model` text, made once per name (plan.ts): joined
  // here on every routed call, it was a new string to hash for the lookup each time.
  const limits = modelLimits(target.provider.id, target.model, target.label);
  const window = contextWindow(context, target, limits);
  const output = limits.output;
  const asked = Math.min(wanted ?? Number.POSITIVE_INFINITY, output ?? Number.POSITIVE_INFINITY);
  if (window === undefined || !Number.isFinite(asked)) return { ceiling: output, by: 'output limit' };
  const raw = context.raw;
  if (raw !== undefined && raw.length + framingTokens + asked <= window) return { ceiling: output, by: 'output limit' };
  const input = context.features.estimatedInputTokens;
  const room = window - input;
  if (room <= 0) {
    throw new ProxyError(
      'invalid_request',
      `This conversation is about ${input.toLocaleString('en-US')} tokens by Switchyard's estimate, which fills ${target.label}'s context window of ${window.toLocaleString('en-US')} tokens and leaves no room for an answer. Shorten or compact the conversation (Claude Code: /compact), or route it to a model with a larger context window.`,
      { status: 400 },
    );
  }
  if (room < asked) return { ceiling: room, by: 'context window', estimatedInputTokens: input };
  return { ceiling: output, by: 'output limit', estimatedInputTokens: input };
}

/**
 * The window prompt and output share, or undefined when they do not share one or it is not
 * known: Gemini's input limit excludes the output (which has its own limit), and an Anthropic
 * call that asked for the 1M-token window with `anthropic-beta: context-1m-…` has that instead
 * of the standard one.
 */
function contextWindow(context: RequestContext, target: AttemptTarget, limits: ModelLimits): number | undefined {
  if (target.api === 'gemini' || limits.context === undefined) return undefined;
  if (target.api === 'anthropic-messages') {
    const betas = context.headers['anthropic-beta'];
    if (betas !== undefined && String(betas).includes('context-1m')) return undefined;
  }
  return limits.context;
}

/** Writes a clamp into the candidate's decision line. */
export function recordClamp(target: AttemptTarget, requested: number, sent: number, ceiling: OutputCeiling): void {
  target.entry.outputClamped = { requested, sent, by: ceiling.by };
  if (ceiling.by === 'context window' && ceiling.estimatedInputTokens !== undefined) target.entry.outputClamped.estimatedInputTokens = ceiling.estimatedInputTokens;
}
