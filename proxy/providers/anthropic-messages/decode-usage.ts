import type { Usage } from '../../core/usage';
import type { AnthropicUsage } from '../../wire/anthropic-messages/types';

/**
 * Anthropic usage to canonical usage. Anthropic's `input_tokens` excludes cache reads and
 * writes, so the canonical total adds them back.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function decodeAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage {
  const uncached = usage?.input_tokens ?? 0;
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: uncached + cacheRead + cacheWrite,
    outputTokens: usage?.output_tokens ?? 0,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: usage?.output_tokens_details?.thinking_tokens ?? 0,
  };
}
