/** A JSON value, as a cached entry's body or metadata may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One cached answer. */
export interface CachedResponse {
  /** The answer: opaque bytes (a recorded stream, a wire body) or a JSON value. */
  body: Uint8Array | JsonValue;
  /** What the caller needs to replay it: status, content type, usage…; the cache does not read it. */
  metadata: { [key: string]: JsonValue };
  /**
   * The question the entry answers, kept so that it can be keyed again later (a store that
   * tracks formats keeps it; see {@link ResponseCache.questions}). Absent on an entry stored
   * under a second key of an answer already stored.
   */
  question?: CachedQuestion;
}

/** The request an entry answers, as the client sent it (after redaction's rewrite). */
export interface CachedQuestion {
  /** The resolved target, `provider/model`. */
  target: string;
  /** The client format it came in. */
  format: string;
  /** Whose entry it is: an access key's id, or `shared`. */
  owner: string;
  /** The body as the client sent it. */
  request: Uint8Array;
  /** The answer-affecting headers as sent (`anthropic-beta`…). */
  headers: { [name: string]: string };
  /**
   * A cheap fingerprint of the request's bytes key, equal for every request of that key (see
   * {@link ResponseCache.mayHold}); absent on questions stored before fingerprints were kept.
   */
  fingerprint?: number;
}

/**
 * A key not computed yet: the store asks for it only if it needs it (an entry that earns its
 * row, see {@link ResponseCache.setDeferred}); until then the fingerprint stands for it.
 */
export interface DeferredKey {
  fingerprint: number;
  /**
   * Computes the key (a SHA-256) from the entry's question as the store keeps it; called at
   * most once. One function for every entry (not a closure over the call): what an answer on
   * probation keeps alive for thousands of calls is then only what the store chooses to keep.
   */
  key: (question: CachedQuestion) => string;
}

/**
 * The entry with bytes of its own: a body that is a view of a larger buffer (a socket's read
 * chunk) copied, so that an entry kept never holds more memory than its bytes; anything else
 * as it is.
 */
export function withOwnBytes(entry: CachedResponse): CachedResponse {
  const body = entry.body;
  if (!(body instanceof Uint8Array) || (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength)) return entry;
  const copy = Buffer.allocUnsafeSlow(body.byteLength);
  copy.set(body);
  return entry.question === undefined ? { body: copy, metadata: entry.metadata } : { body: copy, metadata: entry.metadata, question: entry.question };
}

/** A stored question and the key and expiry of its entry. */
export interface StoredQuestion {
  key: string;
  question: CachedQuestion;
  /** The entry's answer (without its question). */
  entry: CachedResponse;
  /** Milliseconds since the epoch. */
  expiresAt: number;
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
  /**
   * The client formats each target's entries were asked in (target → formats), kept current in
   * memory: read at open, added to by every store, and by what another process stored once it
   * is seen. Formats are never taken away (an extra format costs a parse, not a wrong answer).
   * A store without it keeps questions of no kind: every lookup then computes the
   * format-independent key (see the cache stage).
   */
  formatsByTarget?(): ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * False when no entry with a question of this fingerprint is stored (in memory or in the
   * table): a lookup of that request's bytes key would certainly miss, and need not compute it.
   * True when one may be: entries stored under a deferred key with this fingerprint are then
   * given their keys, so that a `get` of the key finds them. A store without it is always
   * asked by key.
   */
  mayHold?(fingerprint: number): boolean;
  /**
   * Stores an entry (with its question) whose key is computed only if the store needs it: when
   * the entry is written, or when {@link mayHold} is asked about its fingerprint. Only a store
   * with {@link mayHold} has it. Undefined when it was taken at once (kept in memory, as nearly
   * every miss's answer is): a promise, and the caller's handler on it, every miss for nothing.
   * The entry's body may be a view of a larger buffer (a socket's read): the store copies what
   * it keeps ({@link withOwnBytes}), where `set` is given bytes of their own.
   */
  setDeferred?(key: DeferredKey, entry: CachedResponse, ttlSeconds: number): Promise<void> | undefined;
  /** The live entries of a target that kept their question, newest first, `limit` from `offset`. */
  questions?(target: string, limit: number, offset: number): Promise<StoredQuestion[]>;
  close(): Promise<void>;
}
