/**
 * Token usage in one shape for every provider.
 *
 * `inputTokens` is the whole prompt, cached or not: providers differ here (OpenAI's
 * `prompt_tokens` includes cached tokens, Anthropic's `input_tokens` excludes cache reads
 * and writes), and decoders normalise to the total. `outputTokens` includes reasoning tokens.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the provider's cache (a subset of inputTokens). */
  cacheReadTokens: number;
  /** Prompt tokens written to the provider's cache (a subset of inputTokens). */
  cacheWriteTokens: number;
  /** Hidden reasoning tokens (a subset of outputTokens). */
  reasoningTokens: number;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/** Input tokens billed at the plain rate: neither read from nor written to a cache. */
export function uncachedInputTokens(usage: Usage): number {
  return Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
}
