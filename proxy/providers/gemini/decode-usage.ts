import type { Usage } from '../../core/usage';
import type { GeminiUsageMetadata } from '../../wire/gemini/types';

/**
 * Maps Gemini's `usageMetadata` to canonical usage. `promptTokenCount` already includes the
 * cached content, which is what `inputTokens` wants. Thoughts are counted apart from
 * `candidatesTokenCount` but billed as output, so they are added to `outputTokens`. Results of
 * server-side tools (search, code execution) are billed as input and added to it.
 *
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function decodeGeminiUsage(metadata: GeminiUsageMetadata | undefined): Usage {
  const thoughts = metadata?.thoughtsTokenCount ?? 0;
  return {
    inputTokens: (metadata?.promptTokenCount ?? 0) + (metadata?.toolUsePromptTokenCount ?? 0),
    outputTokens: (metadata?.candidatesTokenCount ?? 0) + thoughts,
    cacheReadTokens: metadata?.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}
