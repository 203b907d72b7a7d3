/** A JSON value, as a cached entry's body or metadata may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One cached answer. */
export interface CachedResponse {
  /** The answer: opaque bytes (a recorded stream, a wire body) or a JSON value. */
  body: Uint8Array | JsonValue;
  /** What the caller needs to replay it: status, content type, usage…; the cache does not read it. */
  metadata: { [key: string]: JsonValue };
}

/**
 * The response cache port: answers stored under a key the caller derives from the request,
 * each for a limited time. A backend bounds its size (evicting the least recently used entry
 * first) and may evict any entry before it expires, so a miss is always possible.
 */
export interface ResponseCache {
  /** The live entry under `key`, or undefined when there is none or it expired; a hit counts as a use. */
  get(key: string): Promise<CachedResponse | undefined>;
  /** Stores the entry under `key` for `ttlSeconds`, replacing any entry there. */
  set(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes every entry; returns how many there were. */
  clear(): Promise<number>;
  /** How many entries and body bytes are stored. */
  size(): Promise<{ entries: number; bytes: number }>;
  /** Bounds the stored body bytes from now on (the config's `cache.maxMegabytes`), evicting at once if over. */
  setMaximumBytes(maximumBytes: number): void;
  close(): Promise<void>;
}
