import type { CachedResponse, ResponseCache, StoredQuestion } from './response-cache';

interface MemoryEntry {
  entry: CachedResponse;
  bytes: number;
  expiresAt: number;
  /** Stores so far when it was stored: newer entries have higher numbers. */
  order: number;
}

/**
 * The response cache in this process's memory, least recently used first out past the bound:
 * for a team proxy without Redis (each proxy then has a cache of its own) and for a proxy whose
 * Redis is away (the cache is bypassed, not this). A Map keeps insertion order, so a use moves
 * an entry to the end and eviction takes from the front.
 */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, MemoryEntry>();
  private bytes = 0;
  private stores = 0;
  private readonly formats = new Map<string, Set<string>>();

  constructor(
    private maximumBytes: number = 256 * 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CachedResponse | undefined> {
    const found = this.entries.get(key);
    if (found === undefined) return undefined;
    this.remove(key, found);
    if (found.expiresAt <= this.now()) return undefined;
    this.entries.set(key, found);
    this.bytes += found.bytes;
    return found.entry;
  }

  async set(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    const bytes = (entry.body instanceof Uint8Array ? entry.body.byteLength : JSON.stringify(entry.body).length) + (entry.question?.request.byteLength ?? 0);
    this.entries.set(key, { entry, bytes, expiresAt: this.now() + ttlSeconds * 1000, order: (this.stores += 1) });
    if (entry.question !== undefined) addFormat(this.formats, entry.question.target, entry.question.format);
    this.bytes += bytes;
    this.evict();
  }

  async delete(key: string): Promise<void> {
    const found = this.entries.get(key);
    if (found !== undefined) this.remove(key, found);
  }

  async clear(): Promise<number> {
    const count = this.entries.size;
    this.entries.clear();
    this.bytes = 0;
    return count;
  }

  async size(): Promise<{ entries: number; bytes: number }> {
    const now = this.now();
    for (const [key, found] of this.entries) if (found.expiresAt <= now) this.remove(key, found);
    return { entries: this.entries.size, bytes: this.bytes };
  }

  setMaximumBytes(maximumBytes: number): void {
    this.maximumBytes = maximumBytes;
    this.evict();
  }

  formatsByTarget(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.formats;
  }

  async questions(target: string, limit: number, offset: number): Promise<StoredQuestion[]> {
    const now = this.now();
    const found: Array<StoredQuestion & { order: number }> = [];
    for (const [key, stored] of this.entries) {
      const question = stored.entry.question;
      if (question?.target === target && stored.expiresAt > now) found.push({ key, question, entry: { body: stored.entry.body, metadata: stored.entry.metadata }, expiresAt: stored.expiresAt, order: stored.order });
    }
    found.sort((left, right) => right.order - left.order);
    return found.slice(offset, offset + limit).map(({ key, question, entry, expiresAt }) => ({ key, question, entry, expiresAt }));
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string, found: MemoryEntry): void {
    this.entries.delete(key);
    this.bytes -= found.bytes;
  }

  private evict(): void {
    for (const [key, found] of this.entries) {
      if (this.bytes <= this.maximumBytes) return;
      this.remove(key, found);
    }
  }
}

/** Adds a format to a target's set. */
export function addFormat(formats: Map<string, Set<string>>, target: string, format: string): void {
  const known = formats.get(target);
  if (known === undefined) formats.set(target, new Set([format]));
  else known.add(format);
}
