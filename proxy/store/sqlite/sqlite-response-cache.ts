import type { Database } from 'node-sqlite3-wasm';
import type { CachedResponse, JsonValue, ResponseCache } from '../response-cache';
import { rollback } from './open-database';

/** How the SQLite cache is bounded. */
export interface SqliteResponseCacheOptions {
  /** The most body bytes kept; the least recently used entries are evicted past it. 256 MiB by default. */
  maximumBytes?: number;
  now?: () => number;
  /** How long uses of entries wait in memory before they are written (1000 ms by default). */
  touchIntervalMs?: number;
}

const defaultMaximumBytes = 256 * 1024 * 1024;

/**
 * The response cache in the `response_cache` table. Expired entries are never served and are
 * deleted when next asked for or when a write needs room; past `maximumBytes` the entries
 * used longest ago go first, whatever their expiry. A hit does not write: its use is noted in
 * memory and written in one transaction a moment later (or before an eviction needs it), so
 * answering from the cache never waits for a journal sync.
 */
export class SqliteResponseCache implements ResponseCache {
  private readonly database: Database;
  private maximumBytes: number;
  private readonly now: () => number;
  /** The body bytes stored, read once at open and kept in step by every write. */
  private storedBytes: number;
  /** Uses not yet written: key → time. */
  private readonly uses = new Map<string, number>();
  private readonly touchIntervalMs: number;
  private touchTimer: NodeJS.Timeout | undefined;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database, options: SqliteResponseCacheOptions = {}) {
    this.database = database;
    this.maximumBytes = options.maximumBytes ?? defaultMaximumBytes;
    this.now = options.now ?? Date.now;
    this.touchIntervalMs = options.touchIntervalMs ?? 1000;
    this.storedBytes = Number(database.get('SELECT TOTAL(size) AS bytes FROM response_cache')?.bytes ?? 0);
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const row = this.database.get('SELECT body, body_is_json, metadata, size, expires_at FROM response_cache WHERE key = ?', key);
    if (row === null) return undefined;
    if (Number(row.expires_at) <= this.now()) {
      this.deleteRow(key, Number(row.size));
      return undefined;
    }
    const body = row.body as Uint8Array;
    this.noteUse(key);
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
    this.database.exec('BEGIN IMMEDIATE');
    try {
      const previous = this.database.get('SELECT size FROM response_cache WHERE key = ?', key);
      if (previous !== null) this.storedBytes -= Number(previous.size);
      this.database.run(
        'INSERT OR REPLACE INTO response_cache (key, body, body_is_json, metadata, size, stored_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [key, body, isBytes ? 0 : 1, JSON.stringify(entry.metadata), body.byteLength, now, now + ttlSeconds * 1000, now],
      );
      this.uses.delete(key);
      this.storedBytes += body.byteLength;
      if (this.storedBytes > this.maximumBytes) this.makeRoom(now);
      this.database.exec('COMMIT');
    } catch (error) {
      rollback(this.database);
      this.storedBytes = Number(this.database.get('SELECT TOTAL(size) AS bytes FROM response_cache')?.bytes ?? 0);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const row = this.database.get('SELECT size FROM response_cache WHERE key = ?', key);
    if (row !== null) this.deleteRow(key, Number(row.size));
  }

  async clear(): Promise<number> {
    this.uses.clear();
    const removed = this.database.run('DELETE FROM response_cache').changes;
    this.storedBytes = 0;
    return removed;
  }

  async size(): Promise<{ entries: number; bytes: number }> {
    const row = this.database.get('SELECT COUNT(*) AS entries FROM response_cache');
    return { entries: Number(row?.entries ?? 0), bytes: this.storedBytes };
  }

  setMaximumBytes(maximumBytes: number): void {
    this.maximumBytes = maximumBytes;
    if (this.storedBytes <= maximumBytes) return;
    this.database.exec('BEGIN IMMEDIATE');
    try {
      this.makeRoom(this.now());
      this.database.exec('COMMIT');
    } catch (error) {
      rollback(this.database);
      this.storedBytes = Number(this.database.get('SELECT TOTAL(size) AS bytes FROM response_cache')?.bytes ?? 0);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    this.writeUses();
  }

  private noteUse(key: string): void {
    this.uses.set(key, this.now());
    this.touchTimer ??= setTimeout(() => {
      this.touchTimer = undefined;
      try {
        this.writeUses();
      } catch {
        // A busy database: the uses are only an eviction order, and are retried with the next.
      }
    }, this.touchIntervalMs).unref();
  }

  /** Writes the noted uses in one transaction (inside the caller's, when there is one). */
  private writeUses(): void {
    if (this.uses.size === 0) return;
    const own = !this.database.inTransaction;
    if (own) this.database.exec('BEGIN IMMEDIATE');
    try {
      for (const [key, time] of this.uses) this.database.run('UPDATE response_cache SET used_at = ? WHERE key = ?', [time, key]);
      if (own) this.database.exec('COMMIT');
      this.uses.clear();
    } catch (error) {
      if (own) rollback(this.database);
      throw error;
    }
  }

  /** Expired entries first, then the least recently used, until the bytes fit. */
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
}
