import type { ReasoningPart } from '../../core/request';

/**
 * Markers for another provider's reasoning proof carried in `thoughtSignature`. A Gemini client
 * keeps that field opaque and sends it back on the same part, so an Anthropic thinking
 * signature (or redacted thinking) survives a Gemini client's history. Anthropic refuses a tool
 * result whose turn lost its signed thinking, which would otherwise break Gemini CLI and
 * `@google/genai` agents routed to Claude with thinking on.
 */
const anthropicSignatureMarker = 'switchyard.anthropic.signature:';
const anthropicRedactedMarker = 'switchyard.anthropic.redacted:';

/** The `thoughtSignature` to send a Gemini client for a reasoning block, if any. */
export function encodeReasoningSignature(part: Pick<ReasoningPart, 'signature' | 'redactedData' | 'providerOptions'>): string | undefined {
  const gemini = part.providerOptions?.gemini?.thoughtSignature;
  if (typeof gemini === 'string') return gemini;
  if (part.signature !== undefined) return anthropicSignatureMarker + part.signature;
  if (part.redactedData !== undefined) return anthropicRedactedMarker + part.redactedData;
  return undefined;
}

/** The redacted-thinking carrier a Gemini client gets for an Anthropic `redacted_thinking` block. */
export function encodeRedactedThinking(redactedData: string): string {
  return anthropicRedactedMarker + redactedData;
}

/** Puts a signature a Gemini client sent back on a reasoning block where it came from. */
export function applyReasoningSignature(part: ReasoningPart, signature: string): void {
  if (signature.startsWith(anthropicSignatureMarker)) {
    part.signature = signature.slice(anthropicSignatureMarker.length);
  } else if (signature.startsWith(anthropicRedactedMarker)) {
    part.redactedData = signature.slice(anthropicRedactedMarker.length);
  } else {
    part.providerOptions = { gemini: { thoughtSignature: signature } };
  }
}

/** Whether a reasoning block already holds a signature of any origin. */
export function hasReasoningSignature(part: ReasoningPart): boolean {
  return part.signature !== undefined || part.redactedData !== undefined || part.providerOptions?.gemini?.thoughtSignature !== undefined;
}
