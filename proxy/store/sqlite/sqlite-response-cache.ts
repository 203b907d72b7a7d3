import type { Database } from 'node-sqlite3-wasm';
import type { CachedResponse, JsonValue, ResponseCache } from '../response-cache';
import { rollback } from './open-database';

/** How the SQLite cache is bounded. */
export interface SqliteResponseCacheOptions {
  /** The most body bytes kept; the oldest entries are evicted past it. 256 MiB by default. */
  maximumBytes?: number;
  now?: () => number;
}

const defaultMaximumBytes = 256 * 1024 * 1024;

/**
 * The response cache in the `response_cache` table. Expired entries are never served and are
 * deleted when next asked for or when a write needs room; past `maximumBytes` the entries
 * stored longest ago go first, whatever their expiry.
 */
export class SqliteResponseCache implements ResponseCache {
  private readonly database: Database;
  private readonly maximumBytes: number;
  private readonly now: () => number;
  /** The body bytes stored, read once at open and kept in step by every write. */
  private storedBytes: number;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database, options: SqliteResponseCacheOptions = {}) {
    this.database = database;
    this.maximumBytes = options.maximumBytes ?? defaultMaximumBytes;
    this.now = options.now ?? Date.now;
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
        'INSERT OR REPLACE INTO response_cache (key, body, body_is_json, metadata, size, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [key, body, isBytes ? 0 : 1, JSON.stringify(entry.metadata), body.byteLength, now, now + ttlSeconds * 1000],
      );
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

  async close(): Promise<void> {}

  /** Expired entries first, then the oldest stored, until the bytes fit. */
  private makeRoom(now: number): void {
    this.storedBytes -= Number(this.database.get('SELECT TOTAL(size) AS bytes FROM response_cache WHERE expires_at <= ?', now)?.bytes ?? 0);
    this.database.run('DELETE FROM response_cache WHERE expires_at <= ?', now);
    while (this.storedBytes > this.maximumBytes) {
      // A page at a time, so a large cache is not read whole to free a little room.
      const oldest = this.database.all('SELECT key, size FROM response_cache ORDER BY stored_at, rowid LIMIT 32');
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
