import { createHash } from 'node:crypto';

/** What one request would be billed as, in Anthropic's terms: cache reads and writes on top of `input`. */
export interface PromptCacheUsage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Anthropic's prompt cache, as the fake provider plays it: the prompt is the blocks of tools,
 * system and messages in that order; a `cache_control` breakpoint writes the prefix up to its
 * block, and a later request whose prefix up to one of those points hashes the same reads it.
 * The markers themselves are not part of the hashed content, as with the real API. Tokens are
 * estimated at four bytes each, which is all the tests need.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export class FakePromptCache {
  private readonly written = new Set<string>();

  usage(body: { tools?: unknown[]; system?: unknown; messages?: Array<{ role: string; content: unknown }> }): PromptCacheUsage {
    const blocks: unknown[] = [...(body.tools ?? [])];
    if (typeof body.system === 'string') blocks.push({ type: 'text', text: body.system });
    else if (Array.isArray(body.system)) blocks.push(...body.system);
    for (const message of body.messages ?? []) {
      const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content as unknown[]);
      for (const block of content) blocks.push({ role: message.role, block });
    }
    const hash = createHash('sha256');
    let bytes = 0;
    let readBytes = 0;
    let lastBreakpointBytes = 0;
    const breakpoints: string[] = [];
    for (const entry of blocks) {
      const text = JSON.stringify(entry, (key, value: unknown) => (key === 'cache_control' ? undefined : value));
      hash.update(text);
      bytes += Buffer.byteLength(text);
      const digest = hash.copy().digest('hex');
      if (this.written.has(digest)) readBytes = bytes;
      const block = (entry as { block?: unknown }).block ?? entry;
      if (typeof block === 'object' && block !== null && 'cache_control' in block) {
        breakpoints.push(digest);
        lastBreakpointBytes = bytes;
      }
    }
    for (const digest of breakpoints) this.written.add(digest);
    const tokens = (count: number): number => Math.ceil(count / 4);
    const cacheRead = tokens(readBytes);
    const cacheWrite = Math.max(0, tokens(lastBreakpointBytes) - cacheRead);
    return { input: Math.max(1, tokens(bytes) - cacheRead - cacheWrite), cacheRead, cacheWrite };
  }
}
