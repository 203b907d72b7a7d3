import type { Usage } from '../../core/usage';
import type { GeminiUsageMetadata } from '../../wire/gemini/types';

/**
 * Canonical usage as Gemini's `usageMetadata`: thoughts are reported apart from the visible
 * candidates, and the cached part of the prompt only when there is one, as Google does.
 *
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function encodeGeminiUsage(usage: Usage): GeminiUsageMetadata {
  const metadata: GeminiUsageMetadata = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: Math.max(0, usage.outputTokens - usage.reasoningTokens),
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens > 0) metadata.cachedContentTokenCount = usage.cacheReadTokens;
  if (usage.reasoningTokens > 0) metadata.thoughtsTokenCount = usage.reasoningTokens;
  return metadata;
}
