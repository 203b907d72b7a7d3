import type { Database } from 'node-sqlite3-wasm';
import type { CachedResponse, JsonValue, ResponseCache } from '../response-cache';
import { rollback } from './open-database';

/** How the SQLite cache is bounded and when it writes. */
export interface SqliteResponseCacheOptions {
  /** The most body bytes kept; the least recently used entries are evicted past it. 256 MiB by default. */
  maximumBytes?: number;
  now?: () => number;
  /**
   * How long new entries and uses of entries wait in memory before they are written, in one
   * transaction (1000 ms by default); 0 writes each at once.
   */
  writeIntervalMs?: number;
  /** Told about a batch that could not be written (its entries are dropped: it is a cache). */
  onError?: (error: unknown) => void;
}

const defaultMaximumBytes = 256 * 1024 * 1024;

/** An entry waiting to be written, served from memory until it is. */
interface PendingEntry {
  entry: CachedResponse;
  body: Uint8Array;
  isBytes: boolean;
  metadata: string;
  storedAt: number;
  expiresAt: number;
}

/**
 * The response cache in the `response_cache` table. Expired entries are never served and are
 * deleted when next asked for or when a write needs room; past `maximumBytes` the entries
 * used longest ago go first, whatever their expiry.
 *
 * Nothing is written on the request's path: node-sqlite3-wasm is synchronous, and a commit
 * waits for a journal sync (tens of milliseconds on a busy disk), which measured a miss at
 * several times the CPU of a call without the cache. New entries and the uses of entries (the
 * eviction order) wait in memory, are served from there, and are written together a moment
 * later, at close, or before anything that needs the table whole (size, a new bound).
 */
export class SqliteResponseCache implements ResponseCache {
  private readonly database: Database;
  private maximumBytes: number;
  private readonly now: () => number;
  private readonly writeIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  /** The body bytes in the table, read once at open and kept in step by every write. */
  private storedBytes: number;
  private readonly pending = new Map<string, PendingEntry>();
  /** Uses not yet written: key → time. */
  private readonly uses = new Map<string, number>();
  private writeTimer: NodeJS.Timeout | undefined;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database, options: SqliteResponseCacheOptions = {}) {
    this.database = database;
    this.maximumBytes = options.maximumBytes ?? defaultMaximumBytes;
    this.now = options.now ?? Date.now;
    this.writeIntervalMs = options.writeIntervalMs ?? 1000;
    this.onError = options.onError ?? (() => {});
    this.storedBytes = this.tableBytes();
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const now = this.now();
    const waiting = this.pending.get(key);
    if (waiting !== undefined) {
      if (waiting.expiresAt <= now) return undefined;
      this.noteUse(key, now);
      return waiting.entry;
    }
    const row = this.database.get('SELECT body, body_is_json, metadata, size, expires_at FROM response_cache WHERE key = ?', key);
    if (row === null) return undefined;
    if (Number(row.expires_at) <= now) {
      this.deleteRow(key, Number(row.size));
      return undefined;
    }
    const body = row.body as Uint8Array;
    this.noteUse(key, now);
    return {
      body: row.body_is_json === 1 ? (JSON.parse(Buffer.from(body).toString('utf8')) as JsonValue) : body,
      metadata: JSON.parse(String(row.metadata)) as CachedResponse['metadata'],
    };
  }

  async set(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    const isBytes = entry.body instanceof Uint8Array;
    const body = isBytes ? (entry.body as Uint8Array) : Buffer.from(JSON.stringify(entry.body));
    // An entry larger than the whole cache would only evict everything, then itself.
    if (body.byteLength > this.maximumBytes) return;
    const now = this.now();
    this.pending.set(key, { entry, body, isBytes, metadata: JSON.stringify(entry.metadata), storedAt: now, expiresAt: now + ttlSeconds * 1000 });
    this.uses.delete(key);
    this.scheduleWrite();
  }

  async delete(key: string): Promise<void> {
    this.pending.delete(key);
    this.uses.delete(key);
    const row = this.database.get('SELECT size FROM response_cache WHERE key = ?', key);
    if (row !== null) this.deleteRow(key, Number(row.size));
  }

  async clear(): Promise<number> {
    const waiting = this.pending.size;
    this.pending.clear();
    this.uses.clear();
    const removed = this.database.run('DELETE FROM response_cache').changes;
    this.storedBytes = 0;
    return removed + waiting;
  }

  async size(): Promise<{ entries: number; bytes: number }> {
    this.flush();
    const row = this.database.get('SELECT COUNT(*) AS entries FROM response_cache');
    return { entries: Number(row?.entries ?? 0), bytes: this.storedBytes };
  }

  setMaximumBytes(maximumBytes: number): void {
    this.maximumBytes = maximumBytes;
    if (this.storedBytes <= maximumBytes && this.pending.size === 0) return;
    this.flush();
    if (this.storedBytes <= maximumBytes) return;
    this.transaction(() => this.makeRoom(this.now()));
  }

  async close(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.flush();
  }

  /** Writes the waiting entries and uses in one transaction, evicting what no longer fits. */
  flush(): void {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    if (this.pending.size === 0 && this.uses.size === 0) return;
    const entries = [...this.pending];
    this.pending.clear();
    this.transaction(() => {
      for (const [key, waiting] of entries) {
        const previous = this.database.get('SELECT size FROM response_cache WHERE key = ?', key);
        if (previous !== null) this.storedBytes -= Number(previous.size);
        this.database.run(
          'INSERT OR REPLACE INTO response_cache (key, body, body_is_json, metadata, size, stored_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [key, waiting.body, waiting.isBytes ? 0 : 1, waiting.metadata, waiting.body.byteLength, waiting.storedAt, waiting.expiresAt, waiting.storedAt],
        );
        this.storedBytes += waiting.body.byteLength;
      }
      this.writeUses();
      if (this.storedBytes > this.maximumBytes) this.makeRoom(this.now());
    });
  }

  private scheduleWrite(): void {
    if (this.writeIntervalMs === 0) {
      this.flush();
      return;
    }
    this.writeTimer ??= setTimeout(() => {
      this.writeTimer = undefined;
      try {
        this.flush();
      } catch (error) {
        this.onError(error);
      }
    }, this.writeIntervalMs).unref();
  }

  private noteUse(key: string, time: number): void {
    this.uses.set(key, time);
    // Uses are only an eviction order: they ride with the next write, or go on their own later.
    if (this.writeIntervalMs === 0) return;
    this.scheduleWrite();
  }

  private transaction(work: () => void): void {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.database.exec('COMMIT');
    } catch (error) {
      rollback(this.database);
      this.storedBytes = this.tableBytes();
      throw error;
    }
  }

  /** Writes the noted uses; inside the caller's transaction. */
  private writeUses(): void {
    for (const [key, time] of this.uses) this.database.run('UPDATE response_cache SET used_at = ? WHERE key = ?', [time, key]);
    this.uses.clear();
  }

  /** Expired entries first, then the least recently used, until the bytes fit; inside the caller's transaction. */
  private makeRoom(now: number): void {
    this.writeUses();
    this.storedBytes -= Number(this.database.get('SELECT TOTAL(size) AS bytes FROM response_cache WHERE expires_at <= ?', now)?.bytes ?? 0);
    this.database.run('DELETE FROM response_cache WHERE expires_at <= ?', now);
    while (this.storedBytes > this.maximumBytes) {
      // A page at a time, so a large cache is not read whole to free a little room.
      const oldest = this.database.all('SELECT key, size FROM response_cache ORDER BY used_at, rowid LIMIT 32');
      if (oldest.length === 0) break;
      for (const row of oldest) {
        if (this.storedBytes <= this.maximumBytes) break;
        this.database.run('DELETE FROM response_cache WHERE key = ?', row.key);
        this.storedBytes -= Number(row.size);
      }
    }
  }

  private deleteRow(key: string, size: number): void {
    this.database.run('DELETE FROM response_cache WHERE key = ?', key);
    this.storedBytes -= size;
  }

  private tableBytes(): number {
    return Number(this.database.get('SELECT TOTAL(size) AS bytes FROM response_cache')?.bytes ?? 0);
  }
}
