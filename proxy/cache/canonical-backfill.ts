import type { ClientFormat } from '../core/request';
import { inboundCodecs } from '../codecs/registry';
import type { CachedQuestion, ResponseCache } from '../store/response-cache';
import { cacheKeyFor, requestDigest } from './cache-key';

/** Entries given their canonical key while the request that asked waits: enough for it to hit a recent one. */
export const firstBatch = 64;
/** Entries per later batch, each on its own turn of the event loop. */
const laterBatch = 64;

/** The canonical (format-independent) key of a stored question; undefined when its body no longer decodes. */
export function canonicalKeyOf(question: CachedQuestion): string | undefined {
  const codec = inboundCodecs[question.format as ClientFormat];
  if (codec === undefined) return undefined;
  try {
    const canonical = codec.decodeRequest(JSON.parse(Buffer.from(question.request.buffer, question.request.byteOffset, question.request.byteLength).toString('utf8')));
    return cacheKeyFor(requestDigest(canonical, question.headers), { target: question.target, owner: question.owner });
  } catch {
    return undefined;
  }
}

/**
 * Gives a target's stored entries their canonical keys, once per target per process: the
 * first time a second client format asks for a target whose entries were stored under their
 * bytes keys only. The newest {@link firstBatch} at once (the asking request may be one of
 * them, asked again in another format), the rest in batches off the request path. Entries
 * stored from then on get both keys as they are stored (see the cache fill).
 */
export class CanonicalBackfill {
  private readonly started = new Set<string>();

  constructor(
    private readonly cache: ResponseCache,
    private readonly log: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves once the newest entries of `target` have their canonical keys. */
  async ensure(target: string): Promise<void> {
    if (this.started.has(target) || this.cache.questions === undefined) return;
    this.started.add(target);
    try {
      if (await this.batch(target, 0, firstBatch)) this.continueFrom(target, firstBatch);
    } catch (error) {
      this.log(`response cache: keying ${target}'s entries for other client formats failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** Keys one page; true when there may be more. */
  private async batch(target: string, offset: number, limit: number): Promise<boolean> {
    const page = await this.cache.questions!(target, limit, offset);
    const now = this.now();
    for (const stored of page) {
      const key = canonicalKeyOf(stored.question);
      const ttlSeconds = (stored.expiresAt - now) / 1000;
      if (key === undefined || ttlSeconds <= 0) continue;
      await this.cache.set(key, stored.entry, ttlSeconds);
    }
    return page.length === limit;
  }

  private continueFrom(target: string, offset: number): void {
    setImmediate(() => {
      this.batch(target, offset, laterBatch).then(
        (more) => {
          if (more) this.continueFrom(target, offset + laterBatch);
        },
        (error: unknown) => this.log(`response cache: keying ${target}'s entries for other client formats failed: ${(error as Error)?.message ?? String(error)}`),
      );
    }).unref();
  }
}
