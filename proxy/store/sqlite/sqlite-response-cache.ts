import type { Database, Statement } from 'node-sqlite3-wasm';
import { withOwnBytes, type CachedQuestion, type CachedResponse, type DeferredKey, type JsonValue, type ResponseCache, type StoredQuestion } from '../response-cache';
import { addFormat } from '../memory-response-cache';
import { ProbationRing, type RingEntry } from '../probation-ring';
import { rollback } from './open-database';
import { longestWaitForMomentMs, type WriteMoments } from '../write-moments';

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
  /**
   * The most bytes of answers stored once and not asked for again yet, kept in memory only
   * (admission on second use, see the class). By default 32 MiB or an eighth of the bound,
   * whichever is less; 0 writes every answer to the table (a store that is the only copy).
   */
  probationBytes?: number;
  /**
   * Whether another process has the database open now (a second proxy on the same data
   * folder). While one has, every answer is written, so that it can answer there too. Asked at
   * most once a second; never, by default.
   */
  othersOnDatabase?: () => boolean;
  /**
   * When a due batch is written: at a moment these say is good (beside a provider call), within
   * {@link longestWaitForMomentMs} more. Without them, when it is due.
   */
  writeMoments?: WriteMoments;
}

const defaultMaximumBytes = 256 * 1024 * 1024;

/** How often, at most, a lookup asks whether another connection wrote the database, while another process has it open. */
const otherWritersCheckMs = 1000;
/**
 * How often it asks while no other process has had the database open since it last asked: a
 * process that opened it, wrote and left between two looks at the holders (a second) is seen
 * this much later. Reading `data_version` takes the database's lock: once a second it weighed
 * as much as the rest of the cache's work on a miss (under callgrind).
 */
const aloneCheckMs = 30_000;
/**
 * How far back in `stored_at` entries another process wrote are looked for: they are stamped
 * when stored and written up to a write interval later, on another clock.
 */
const otherWritersSlackMs = 10_000;

/** How long uses of entries (the eviction order) wait to be written when nothing else is. */
const usesWriteIntervalMs = 30_000;

/** The most body bytes of recently used entries kept in memory (or an eighth of the bound, if less). */
const hotBytesLimit = 32 * 1024 * 1024;

/**
 * The ring of unkeyed answers on probation starts this large (or at the probation limit, if
 * less) and grows fourfold, up to the limit, whenever a request comes for an answer it had to
 * drop unasked: memory is touched only as far as the traffic shows it is worth it. Each page a
 * process touches for the first time is a page fault; a 32 MB ring filled by one-off misses cost
 * one every other 1 KB miss until it had gone round once.
 */
const ringStartBytes = 1024 * 1024;

/**
 * At a clean stop, the most bytes of answers on probation written, newest first (see
 * {@link SqliteResponseCache.close}). A 32 MB probation of 1 KB answers is some 17,000 rows, each
 * keyed (a SHA-256) and inserted: seconds of a stop, for answers asked for once.
 */
const probationWrittenAtClose = 8 * 1024 * 1024;

/** The most bytes of answers on probation (or an eighth of the bound, if less). */
const probationBytesLimit = 32 * 1024 * 1024;

/** What the index knows of a stored entry. */
interface IndexedEntry {
  size: number;
  expiresAt: number;
  /**
   * The fingerprint of its question's bytes key; null for a question stored without one (by
   * an older Switchyard), undefined for an entry without a question (a second key's copy).
   */
  fingerprint: number | null | undefined;
}

/** An entry waiting to be written, served from memory until it is. */
interface PendingEntry {
  entry: CachedResponse;
  body: Uint8Array;
  isBytes: boolean;
  /** The body's bytes and the question's. */
  size: number;
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
 *
 * Nothing is read on a miss either: every read of the table takes and drops the database's
 * lock (a directory made and removed, two syscalls and a journal check), which measured at
 * several times the rest of a miss. The keys in the table, with their sizes and expiry, are
 * held in memory (read once at open, about 100 bytes an entry), so only a hit reads the table.
 * Entries another process (a second proxy on the same data folder) writes are picked up on the
 * first lookup a second after its commit, through SQLite's `data_version`.
 *
 * The entries used most recently (up to 32 MB) are also kept in memory as read, so a repeated
 * hit reads nothing either: it is a map lookup.
 *
 * An answer earns its row on its second use (admission on second use, the CDNs' rule against
 * "one-hit wonders"): most answers are never asked for again, and writing one (an `INSERT` into
 * five B-trees, with the question's bytes, through SQLite compiled to WebAssembly) was most of
 * what a miss cost. A new answer waits on probation, in memory (up to 32 MB or an eighth of the
 * bound, the oldest dropped first); asked again, it is served from there and written with the
 * next batch. At close (a proxy's stop, SIGTERM, the extension's last window leaving) the newest
 * answers on probation are written, up to 8 MB and only into room the table has, so a restart
 * keeps what was asked just before it (a CI job run again) without a row that earned its place
 * giving way to answers asked for once; a crash loses only answers nobody had asked for twice. While another process has the database open (a second proxy on the same
 * data folder), every answer is written, so that either proxy can answer from it.
 */
export class SqliteResponseCache implements ResponseCache {
  private readonly database: Database;
  private maximumBytes: number;
  private readonly now: () => number;
  private readonly writeIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  /** The body bytes in the table, read once at open and kept in step by every write. */
  private storedBytes = 0;
  /** The entries in the table, by key. */
  private readonly index = new Map<string, IndexedEntry>();
  /** The client formats of each target's entries (grows only; see ResponseCache.formatsByTarget). */
  private readonly formats = new Map<string, Set<string>>();
  /** SQLite's `data_version` when last read: it changes when another connection commits. */
  private dataVersion = 0;
  /** `data_version` when `storedBytes` was last counted from the table. */
  private countedVersion = 0;
  private otherWritersCheckedAt = 0;
  /** Recently used entries, least recently used first. */
  private readonly hot = new Map<string, { entry: CachedResponse; size: number }>();
  private hotBytes = 0;
  private insertStatement: Statement | undefined;
  private useStatement: Statement | undefined;
  private readonly pending = new Map<string, PendingEntry>();
  /** Answers stored once and not asked for again yet, by key, oldest first: never written unless used again (or at close). */
  private readonly probation = new Map<string, PendingEntry>();
  /** Their bytes (the ring's are counted apart: see probationTotal). */
  private probationBytes = 0;
  /** Answers on probation not keyed yet, by fingerprint (see setDeferred); created with the first. */
  private ring: ProbationRing | undefined;
  /** The most bytes on probation as configured (undefined: from the bound). */
  private readonly probationLimitOption: number | undefined;
  private readonly othersOnDatabase: () => boolean;
  /** Whether another process had the database open when last asked. */
  private othersSeen = false;
  private othersCheckedAt = Number.NEGATIVE_INFINITY;
  /** When another process was last seen holding the database open. */
  private othersLastSeenAt = Number.NEGATIVE_INFINITY;
  /**
   * The fingerprints of the stored questions (table, pending, probation), and maybe of some
   * gone since: it only grows, and is rebuilt when it holds twice as many as there are entries.
   * Not those of the ring's unkeyed answers: the ring's own index knows them ({@link mayHold}
   * asks it first), so a miss adds nothing here.
   */
  private fingerprints = new Set<number>();
  /** Entries in the table whose question has no fingerprint: while any is, every fingerprint may be stored. */
  private unknownFingerprints = 0;
  /**
   * When the last of them expires: past it none can answer (an expired entry is never served),
   * so fingerprints decide again even while expired rows wait to be deleted.
   */
  private unknownUntil = 0;
  /** A question without a fingerprint was stored in memory (a caller that keeps none): every fingerprint may be stored. */
  private unfingerprintedInMemory = false;
  /** Uses not yet written: key → time. */
  private readonly uses = new Map<string, number>();
  private writeTimer: NodeJS.Timeout | undefined;
  private readonly writeMoments: WriteMoments | undefined;
  /** Cancels the due batch's wait for a good moment, while it waits. */
  private cancelMoment: (() => void) | undefined;
  /** Cancels the wait of a look for other writers (taken while alone) for a good moment. */
  private cancelLook: (() => void) | undefined;
  /** When the write timer fires (`performance.now()`: timers run on real time, whatever `now` says). */
  private writeDueAt = 0;

  /** @param database An open `switchyard.db`; closing it stays with its owner. */
  constructor(database: Database, options: SqliteResponseCacheOptions = {}) {
    this.database = database;
    this.maximumBytes = options.maximumBytes ?? defaultMaximumBytes;
    this.now = options.now ?? Date.now;
    this.writeIntervalMs = options.writeIntervalMs ?? 1000;
    this.onError = options.onError ?? (() => {});
    this.probationLimitOption = options.probationBytes;
    this.othersOnDatabase = options.othersOnDatabase ?? (() => false);
    this.writeMoments = options.writeMoments;
    this.readIndex();
    this.dataVersion = this.readDataVersion();
    this.countedVersion = this.dataVersion;
    this.otherWritersCheckedAt = this.now();
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const now = this.now();
    const waiting = this.pending.get(key);
    if (waiting !== undefined) {
      if (waiting.expiresAt <= now) return undefined;
      this.noteUse(key, now);
      return waiting.entry;
    }
    const untried = this.probation.get(key);
    if (untried !== undefined) {
      this.leaveProbation(key, untried);
      if (untried.expiresAt <= now) return undefined;
      // Its second use: it has earned its row.
      this.pending.set(key, untried);
      this.scheduleWrite();
      return untried.entry;
    }
    this.followOtherWriters(now);
    const indexed = this.index.get(key);
    if (indexed === undefined) return undefined;
    if (indexed.expiresAt <= now) {
      this.deleteRow(key, indexed.size);
      return undefined;
    }
    const kept = this.hot.get(key);
    if (kept !== undefined) {
      this.keepHot(key, kept.entry, kept.size);
      this.noteUse(key, now);
      return kept.entry;
    }
    const row = this.database.get('SELECT body, body_is_json, metadata FROM response_cache WHERE key = ?', key);
    if (row === null) {
      // Another process evicted or cleared it.
      this.forget(key);
      this.storedBytes -= indexed.size;
      return undefined;
    }
    this.noteUse(key, now);
    const entry = this.rowEntry(row);
    this.keepHot(key, entry, indexed.size);
    return entry;
  }

  async set(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void> {
    const isBytes = entry.body instanceof Uint8Array;
    const body = isBytes ? (entry.body as Uint8Array) : Buffer.from(JSON.stringify(entry.body));
    // The question's bytes are stored too, and count against the bound.
    const size = body.byteLength + (entry.question?.request.byteLength ?? 0);
    // An entry larger than the whole cache would only evict everything, then itself.
    if (size > this.maximumBytes) return;
    const now = this.now();
    const waiting: PendingEntry = { entry, body, isBytes, size, storedAt: now, expiresAt: now + ttlSeconds * 1000 };
    this.noteQuestion(entry);
    this.uses.delete(key);
    const previous = this.probation.get(key);
    if (previous !== undefined) this.leaveProbation(key, previous);
    if (this.onProbation(key, size, now)) {
      this.probation.set(key, waiting);
      this.probationBytes += size;
      this.dropOldestPastProbation();
      return;
    }
    this.pending.set(key, waiting);
    this.scheduleWrite();
  }

  mayHold(fingerprint: number): boolean {
    const now = this.now();
    this.followOtherWriters(now);
    const ring = this.ring;
    const unkeyed = ring?.take(fingerprint);
    if (unkeyed !== undefined) {
      // A request of this fingerprint is here: the entry that may answer it gets its key.
      this.keyUnkeyed(unkeyed);
      return true;
    }
    // Asked again after it was dropped for room: the ring is too small for this traffic.
    if (ring !== undefined && ring.budget < this.probationLimit() && ring.dropped(fingerprint)) this.resizeRing(Math.min(ring.budget * 4, this.probationLimit()));
    return (this.unknownFingerprints > 0 && now < this.unknownUntil) || this.unfingerprintedInMemory || this.fingerprints.has(fingerprint);
  }

  /**
   * An answer whose request no stored entry's fingerprint matched: it goes on probation under
   * its fingerprint, and its key (a SHA-256 of the request) is computed only when it is needed —
   * when a request of the same fingerprint comes ({@link mayHold}), or when it is written. Most
   * answers are never asked for again, and never keyed. Written at once, keyed now, when it
   * cannot wait on probation.
   */
  setDeferred(deferred: DeferredKey, entry: CachedResponse, ttlSeconds: number): Promise<void> | undefined {
    const isBytes = entry.body instanceof Uint8Array;
    const body = isBytes ? (entry.body as Uint8Array) : Buffer.from(JSON.stringify(entry.body));
    const size = body.byteLength + (entry.question?.request.byteLength ?? 0);
    const now = this.now();
    const question = entry.question;
    // A deferred key is computed from the question: an entry without one cannot be keyed.
    if (question === undefined) return undefined;
    // Kept as an object from here: with bytes of its own (the ring copies what it keeps).
    if (size > this.maximumBytes || size > this.probationLimit() || this.othersPresent(now)) return this.set(deferred.key(question), withOwnBytes(entry), ttlSeconds);
    // Its fingerprint is the ring's to know (mayHold asks the ring first); only its format is noted here.
    addFormat(this.formats, question.target, question.format);
    const ring = (this.ring ??= new ProbationRing(Math.min(ringStartBytes, this.probationLimit())));
    // Not kept (an answer of that fingerprint waits already, or it does not fit): a cache may drop it.
    ring.put(deferred.fingerprint, entry.metadata, question, body, isBytes, size, now, now + ttlSeconds * 1000, deferred.key);
    return undefined;
  }

  async delete(key: string): Promise<void> {
    this.pending.delete(key);
    const untried = this.probation.get(key);
    if (untried !== undefined) this.leaveProbation(key, untried);
    this.uses.delete(key);
    const indexed = this.index.get(key);
    if (indexed !== undefined) this.deleteRow(key, indexed.size);
  }

  async clear(): Promise<number> {
    const waiting = this.pending.size + this.probation.size + (this.ring?.size ?? 0);
    this.pending.clear();
    this.probation.clear();
    this.probationBytes = 0;
    this.ring?.clear();
    this.fingerprints.clear();
    this.unknownFingerprints = 0;
    this.unknownUntil = 0;
    this.unfingerprintedInMemory = false;
    this.uses.clear();
    const removed = this.database.run('DELETE FROM response_cache').changes;
    this.storedBytes = 0;
    this.index.clear();
    this.hot.clear();
    this.hotBytes = 0;
    return removed + waiting;
  }

  /** The entries and bytes stored: in the table, waiting to be written, and on probation. */
  async size(): Promise<{ entries: number; bytes: number }> {
    this.flush();
    this.recountIfOthersWrote();
    const row = this.database.get('SELECT COUNT(*) AS entries FROM response_cache');
    return { entries: Number(row?.entries ?? 0) + this.probation.size + (this.ring?.size ?? 0), bytes: this.storedBytes + this.probationTotal() };
  }

  setMaximumBytes(maximumBytes: number): void {
    this.maximumBytes = maximumBytes;
    this.dropOldestPastProbation();
    // A smaller bound: the unkeyed answers move to a ring of its size (the oldest dropped).
    if (this.ring !== undefined && this.ring.budget > this.probationLimit()) this.resizeRing(this.probationLimit());
    if (this.storedBytes <= this.tableLimit() && this.pending.size === 0) return;
    this.flush();
    this.transaction(() => {
      this.recountIfOthersWrote();
      if (this.storedBytes > this.tableLimit()) this.makeRoom(this.now());
    });
  }

  formatsByTarget(): ReadonlyMap<string, ReadonlySet<string>> {
    // What another process stored shows within a second (followOtherWriters, on lookups).
    return this.formats;
  }

  async questions(target: string, limit: number, offset: number): Promise<StoredQuestion[]> {
    // Rare (once per target, when a second client format first asks): entries waiting in
    // memory are written first, the target's answers on probation too (a second format asking
    // is a use of them), so one query pages them all.
    for (const [key, untried] of this.probation) {
      if (untried.entry.question?.target !== target) continue;
      this.leaveProbation(key, untried);
      this.pending.set(key, untried);
    }
    for (const unkeyed of this.ring?.takeTarget(target) ?? []) this.pending.set(this.keyOfUnkeyed(unkeyed), pendingOf(unkeyed));
    this.flush();
    const rows = this.database.all(
      'SELECT key, body, body_is_json, metadata, client_format, owner, request, request_headers, expires_at FROM response_cache WHERE target = ? AND request IS NOT NULL AND expires_at > ? ORDER BY stored_at DESC, rowid DESC LIMIT ? OFFSET ?',
      [target, this.now(), limit, offset],
    );
    return rows.map((row) => ({
      key: String(row.key),
      expiresAt: Number(row.expires_at),
      entry: this.rowEntry(row),
      question: { target, format: String(row.client_format), owner: String(row.owner), request: row.request as Uint8Array, headers: JSON.parse(String(row.request_headers ?? '{}')) as CachedQuestion['headers'] },
    }));
  }

  async close(): Promise<void> {
    this.stopWaiting();
    this.cancelLook?.();
    this.cancelLook = undefined;
    this.admitProbationAtClose();
    try {
      this.flush();
    } finally {
      this.discardStatements();
    }
  }

  /** Writes the waiting entries and uses in one transaction, evicting what no longer fits. */
  flush(): void {
    this.stopWaiting();
    if (this.pending.size === 0 && this.uses.size === 0) return;
    const entries = [...this.pending];
    this.pending.clear();
    this.transaction(() => {
      this.insertStatement ??= this.database.prepare(
        'INSERT OR REPLACE INTO response_cache (key, body, body_is_json, metadata, size, stored_at, expires_at, used_at, target, client_format, owner, request, request_headers, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const [key, waiting] of entries) {
        const previous = this.index.get(key);
        if (previous !== undefined) {
          this.storedBytes -= previous.size;
          if (previous.fingerprint === null) this.unknownFingerprints--;
        }
        const question = waiting.entry.question;
        const fingerprint = question === undefined ? undefined : (question.fingerprint ?? null);
        this.insertStatement.run([
          key,
          waiting.body,
          waiting.isBytes ? 0 : 1,
          // Serialised only now: most answers are never written (see probation).
          JSON.stringify(waiting.entry.metadata),
          waiting.size,
          waiting.storedAt,
          waiting.expiresAt,
          waiting.storedAt,
          question?.target ?? null,
          question?.format ?? null,
          question?.owner ?? null,
          question?.request ?? null,
          question === undefined ? null : JSON.stringify(question.headers),
          fingerprint ?? null,
        ]);
        this.index.set(key, { size: waiting.size, expiresAt: waiting.expiresAt, fingerprint });
        if (fingerprint === null) this.noteUnknown(waiting.expiresAt);
        this.storedBytes += waiting.size;
        // Kept in memory without its question: a hit never reads it, and an 80 KB request
        // beside a 1 KB answer would hold far more memory than the hot bound counts.
        this.keepHot(key, { body: waiting.entry.body, metadata: waiting.entry.metadata }, waiting.body.byteLength);
      }
      this.writeUses();
      this.recountIfOthersWrote();
      if (this.storedBytes > this.tableLimit()) this.makeRoom(this.now());
    });
  }

  /** What the table may hold: the bound, less what is on probation in memory. */
  private tableLimit(): number {
    return this.maximumBytes - this.probationTotal();
  }

  /** Moves the unkeyed answers on probation to a ring of `budget` bytes (the oldest dropped if they do not fit). */
  private resizeRing(budget: number): void {
    const old = this.ring!;
    const ring = new ProbationRing(budget);
    for (const unkeyed of old.takeAll()) ring.put(unkeyed.fingerprint, unkeyed.entry.metadata, unkeyed.entry.question, unkeyed.body, unkeyed.isBytes, unkeyed.size, unkeyed.storedAt, unkeyed.expiresAt, old.keyFunction(unkeyed));
    this.ring = ring;
  }

  /** The bytes on probation: the keyed answers', and the ring's in use. */
  private probationTotal(): number {
    return this.probationBytes + (this.ring?.liveBytes ?? 0);
  }

  /** The most bytes on probation: configured, or 32 MiB or an eighth of the bound, whichever is less. */
  private probationLimit(): number {
    return this.probationLimitOption ?? Math.min(probationBytesLimit, Math.floor(this.maximumBytes / 8));
  }

  /**
   * Whether a new answer waits on probation rather than being written: not when it replaces a
   * written entry (a refresh), nor when it is larger than probation holds, nor while another
   * process has the database open.
   */
  private onProbation(key: string, size: number, now: number): boolean {
    if (size > this.probationLimit() || this.index.has(key) || this.pending.has(key)) return false;
    return !this.othersPresent(now);
  }

  /**
   * Whether another process has the database open, asked at most once a second. When one has
   * just come, what is on probation is written for it to find.
   */
  private othersPresent(now: number): boolean {
    if (now - this.othersCheckedAt < otherWritersCheckMs) return this.othersSeen;
    this.othersCheckedAt = now;
    const seen = this.othersOnDatabase();
    if (seen) this.othersLastSeenAt = now;
    if (seen && !this.othersSeen && (this.probation.size > 0 || (this.ring?.size ?? 0) > 0)) {
      this.admitProbation();
      this.scheduleWrite();
    }
    this.othersSeen = seen;
    return seen;
  }

  private leaveProbation(key: string, untried: PendingEntry): void {
    this.probation.delete(key);
    this.probationBytes -= untried.size;
  }

  /** The key of an answer on probation not keyed yet, computed now by the function it was stored with. */
  private keyOfUnkeyed(unkeyed: RingEntry): string {
    // Out of the ring, the entry is known by its fingerprint as every keyed one is.
    this.noteFingerprint(unkeyed.fingerprint);
    return (this.ring!.keyFunction(unkeyed) as DeferredKey['key'])(unkeyed.entry.question);
  }

  /** Gives an answer on probation not keyed yet its key, so that `get` finds it. */
  private keyUnkeyed(unkeyed: RingEntry): void {
    const key = this.keyOfUnkeyed(unkeyed);
    // Two answers to one question (asked twice at once, both missed): the first one stays.
    if (this.probation.has(key) || this.pending.has(key) || this.index.has(key)) return;
    this.probation.set(key, pendingOf(unkeyed));
    this.probationBytes += unkeyed.size;
    this.dropOldestPastProbation();
  }

  /** Notes a stored entry's question: its target's format, and its fingerprint. */
  private noteQuestion(entry: CachedResponse): void {
    const question = entry.question;
    if (question === undefined) return;
    addFormat(this.formats, question.target, question.format);
    if (question.fingerprint === undefined) {
      this.unfingerprintedInMemory = true;
      return;
    }
    this.noteFingerprint(question.fingerprint);
  }

  private noteFingerprint(fingerprint: number): void {
    this.fingerprints.add(fingerprint);
    if (this.fingerprints.size > 2 * (this.index.size + this.pending.size + this.probation.size) + 1024) this.rebuildFingerprints();
  }

  /** The fingerprints of the entries there are now, without those of entries gone. */
  private rebuildFingerprints(): void {
    const fingerprints = new Set<number>();
    for (const indexed of this.index.values()) if (typeof indexed.fingerprint === 'number') fingerprints.add(indexed.fingerprint);
    for (const waiting of [...this.pending.values(), ...this.probation.values()]) {
      const fingerprint = waiting.entry.question?.fingerprint;
      if (fingerprint !== undefined) fingerprints.add(fingerprint);
    }
    this.fingerprints = fingerprints;
  }

  /** Drops the answers on probation longest, past its limit: never asked for again, they go unwritten. */
  private dropOldestPastProbation(): void {
    const limit = this.probationLimit();
    if (this.probationBytes <= limit) return;
    for (const [key, untried] of this.probation) {
      if (this.probationBytes <= limit) return;
      this.leaveProbation(key, untried);
    }
  }

  /**
   * At a clean stop, moves the newest answers on probation to the entries waiting to be written:
   * at most {@link probationWrittenAtClose} bytes, and only into the room the table has left (the
   * bound, less what is stored and waiting). They were asked for once; most will never be asked
   * again, so none of them makes a row that was used twice give way (the write would evict by
   * least recent use, and these are the most recent), and the stop stays short. The rest is
   * dropped, as the oldest on probation always are.
   */
  private admitProbationAtClose(): void {
    const candidates: Array<{ key: string | undefined; unkeyed: RingEntry | undefined; waiting: PendingEntry }> = [];
    for (const [key, untried] of this.probation) candidates.push({ key, unkeyed: undefined, waiting: untried });
    for (const unkeyed of this.ring?.takeAll() ?? []) candidates.push({ key: undefined, unkeyed, waiting: pendingOf(unkeyed) });
    this.probation.clear();
    this.probationBytes = 0;
    let waitingBytes = 0;
    for (const waiting of this.pending.values()) waitingBytes += waiting.size;
    let room = Math.min(probationWrittenAtClose, this.maximumBytes - this.storedBytes - waitingBytes);
    candidates.sort((left, right) => right.waiting.storedAt - left.waiting.storedAt);
    for (const { key, unkeyed, waiting } of candidates) {
      if (waiting.size > room) continue;
      // Keyed only now, and only those written.
      const written = key ?? this.keyOfUnkeyed(unkeyed!);
      if (this.pending.has(written) || this.index.has(written)) continue;
      this.pending.set(written, waiting);
      room -= waiting.size;
    }
  }

  /** Moves every answer on probation to the entries waiting to be written. */
  private admitProbation(): void {
    for (const unkeyed of this.ring?.takeAll() ?? []) {
      const key = this.keyOfUnkeyed(unkeyed);
      if (!this.probation.has(key) && !this.pending.has(key)) this.pending.set(key, pendingOf(unkeyed));
    }
    for (const [key, untried] of this.probation) this.pending.set(key, untried);
    this.probation.clear();
    this.probationBytes = 0;
  }

  /**
   * The stored bytes are counted in memory, kept in step by this connection's own writes. A
   * second proxy on the same data folder writes, replaces and evicts too, and this count would
   * drift from the table's (each process evicting too much or too little); so whenever another
   * connection has committed since the last count, the bytes are summed from the table again
   * (from the `size` index: a few microseconds per thousand entries), and the entries it
   * stored lately are added to the index. Called before the count is compared with the bound,
   * inside the write transaction where that happens, so no other process writes meanwhile. A
   * proxy alone on its data folder never recounts.
   */
  private recountIfOthersWrote(): void {
    const version = this.readDataVersion();
    if (version === this.countedVersion) return;
    this.followOtherWriters(this.now(), true);
    this.storedBytes = Number(this.database.get('SELECT COALESCE(SUM(size), 0) AS bytes FROM response_cache')?.bytes ?? 0);
    this.countedVersion = version;
  }

  /**
   * Writes what waits within `delayMs` (the write interval by default), sooner if already due
   * sooner; with write moments, at the next good one once due (within
   * {@link longestWaitForMomentMs} more), unless another process has the database open.
   */
  private scheduleWrite(delayMs = this.writeIntervalMs): void {
    if (this.writeIntervalMs === 0) {
      this.flush();
      return;
    }
    // Due already, and waiting for a good moment: what came meanwhile is written with it.
    if (this.cancelMoment !== undefined) return;
    const dueAt = performance.now() + delayMs;
    if (this.writeTimer !== undefined && this.writeDueAt <= dueAt) return;
    clearTimeout(this.writeTimer);
    this.writeDueAt = dueAt;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      // While another process shares the table, it should find what this one stored soon.
      if (this.writeMoments === undefined || this.othersPresent(this.now())) {
        this.flushReporting();
        return;
      }
      this.cancelMoment = this.writeMoments.schedule(() => {
        this.cancelMoment = undefined;
        this.flushReporting();
      }, longestWaitForMomentMs);
    }, delayMs).unref();
  }

  /** A flush off the request's path: its failure is reported, not thrown. */
  private flushReporting(): void {
    try {
      this.flush();
    } catch (error) {
      this.onError(error);
    }
  }

  /** Disarms the write timer and the wait for a good moment. */
  private stopWaiting(): void {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.cancelMoment?.();
    this.cancelMoment = undefined;
  }

  private noteUse(key: string, time: number): void {
    this.uses.set(key, time);
    // Uses are only an eviction order: they ride with the next write, are written before any
    // eviction (makeRoom) and at close, or go on their own after a while. Each write is a commit
    // with a journal sync on the event loop: a use written a second after each hit measured as
    // the p99 of a run of hits.
    if (this.writeIntervalMs === 0) return;
    this.scheduleWrite(usesWriteIntervalMs);
  }

  private transaction(work: () => void): void {
    this.database.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.database.exec('COMMIT');
    } catch (error) {
      rollback(this.database);
      // A statement whose step failed fails its next run too: prepare them afresh.
      this.discardStatements();
      this.readIndex();
      throw error;
    }
  }

  /** Writes the noted uses; inside the caller's transaction. */
  private writeUses(): void {
    if (this.uses.size === 0) return;
    this.useStatement ??= this.database.prepare('UPDATE response_cache SET used_at = ? WHERE key = ?');
    for (const [key, time] of this.uses) this.useStatement.run([time, key]);
    this.uses.clear();
  }

  /** Expired entries first, then the least recently used, until the bytes fit; inside the caller's transaction. */
  private makeRoom(now: number): void {
    this.writeUses();
    for (const row of this.database.all('SELECT key, size FROM response_cache WHERE expires_at <= ?', now)) {
      this.forget(String(row.key));
      this.storedBytes -= Number(row.size);
    }
    this.database.run('DELETE FROM response_cache WHERE expires_at <= ?', now);
    while (this.storedBytes > this.tableLimit()) {
      // A page at a time, so a large cache is not read whole to free a little room.
      const oldest = this.database.all('SELECT key, size FROM response_cache ORDER BY used_at, rowid LIMIT 32');
      if (oldest.length === 0) break;
      for (const row of oldest) {
        if (this.storedBytes <= this.tableLimit()) break;
        this.database.run('DELETE FROM response_cache WHERE key = ?', row.key);
        this.forget(String(row.key));
        this.storedBytes -= Number(row.size);
      }
    }
  }

  private deleteRow(key: string, size: number): void {
    this.database.run('DELETE FROM response_cache WHERE key = ?', key);
    this.forget(key);
    this.storedBytes -= size;
  }

  /** Drops a key from the index and the memory. */
  private forget(key: string): void {
    if (this.index.get(key)?.fingerprint === null) this.unknownFingerprints--;
    this.index.delete(key);
    const kept = this.hot.get(key);
    if (kept === undefined) return;
    this.hot.delete(key);
    this.hotBytes -= kept.size;
  }

  /** Keeps an entry in memory as the most recently used, dropping the least recently used past the limit. */
  private keepHot(key: string, entry: CachedResponse, size: number): void {
    const limit = Math.min(hotBytesLimit, Math.floor(this.maximumBytes / 8));
    const previous = this.hot.get(key);
    if (previous !== undefined) {
      this.hot.delete(key);
      this.hotBytes -= previous.size;
    }
    if (size > limit) return;
    this.hot.set(key, { entry, size });
    this.hotBytes += size;
    for (const [oldest, kept] of this.hot) {
      if (this.hotBytes <= limit) break;
      this.hot.delete(oldest);
      this.hotBytes -= kept.size;
    }
  }

  /** Counts an entry in the table whose question has no fingerprint, expiring at `expiresAt`. */
  private noteUnknown(expiresAt: number): void {
    this.unknownFingerprints++;
    if (expiresAt > this.unknownUntil) this.unknownUntil = expiresAt;
  }

  /** Reads the index and the stored bytes from the table. */
  private readIndex(): void {
    this.index.clear();
    this.hot.clear();
    this.hotBytes = 0;
    this.storedBytes = 0;
    this.unknownFingerprints = 0;
    this.unknownUntil = 0;
    for (const row of this.database.all('SELECT key, size, expires_at, fingerprint, target IS NOT NULL AS asked FROM response_cache')) {
      const size = Number(row.size);
      const fingerprint = row.asked === 1 ? fingerprintIn(row.fingerprint) : undefined;
      this.index.set(String(row.key), { size, expiresAt: Number(row.expires_at), fingerprint });
      if (fingerprint === null) this.noteUnknown(Number(row.expires_at));
      this.storedBytes += size;
    }
    this.rebuildFingerprints();
    // From the target index alone: the rows hold the bodies.
    for (const row of this.database.all('SELECT DISTINCT target, client_format FROM response_cache WHERE target IS NOT NULL')) addFormat(this.formats, String(row.target), String(row.client_format));
  }

  private rowEntry(row: { body?: unknown; body_is_json?: unknown; metadata?: unknown }): CachedResponse {
    const body = row.body as Uint8Array;
    return {
      body: row.body_is_json === 1 ? (JSON.parse(Buffer.from(body).toString('utf8')) as JsonValue) : body,
      metadata: JSON.parse(String(row.metadata)) as CachedResponse['metadata'],
    };
  }

  private readDataVersion(): number {
    return Number(this.database.get('PRAGMA data_version')?.data_version ?? 0);
  }

  /**
   * At most once a second (`atOnce`: now): when another connection committed since the last
   * look, adds the entries stored recently that the index lacks. Entries another process
   * deleted are noticed when a lookup finds their row gone.
   */
  private followOtherWriters(now: number, atOnce = false): void {
    if (!atOnce) {
      if (now - this.otherWritersCheckedAt < otherWritersCheckMs) return;
      // Alone since the last look (no other process seen holding the database): only now and then.
      const alone = !this.othersPresent(now) && this.othersLastSeenAt < this.otherWritersCheckedAt;
      if (alone && now - this.otherWritersCheckedAt < aloneCheckMs) return;
      // Alone, the look can wait for a moment that delays nobody (a provider thinking): taken on
      // the lookup, its read lock sat on one cache hit's path every 30 s.
      if (alone && this.writeMoments !== undefined) {
        this.cancelLook ??= this.writeMoments.schedule(() => {
          this.cancelLook = undefined;
          try {
            this.followOtherWriters(this.now(), true);
          } catch (error) {
            this.onError(error);
          }
        }, longestWaitForMomentMs);
        return;
      }
    }
    const since = this.otherWritersCheckedAt - otherWritersSlackMs;
    this.otherWritersCheckedAt = now;
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    for (const row of this.database.all('SELECT key, size, expires_at, target, client_format, fingerprint FROM response_cache WHERE stored_at >= ?', since)) {
      const key = String(row.key);
      if (row.target !== null) addFormat(this.formats, String(row.target), String(row.client_format));
      if (this.index.has(key)) continue;
      const size = Number(row.size);
      const fingerprint = row.target !== null ? fingerprintIn(row.fingerprint) : undefined;
      this.index.set(key, { size, expiresAt: Number(row.expires_at), fingerprint });
      if (fingerprint === null) this.noteUnknown(Number(row.expires_at));
      else if (fingerprint !== undefined) this.fingerprints.add(fingerprint);
      this.storedBytes += size;
    }
  }

  private discardStatements(): void {
    for (const statement of [this.insertStatement, this.useStatement]) {
      try {
        statement?.finalize();
      } catch {
        // finalize reports a failed step's error again; the statement is freed regardless.
      }
    }
    this.insertStatement = undefined;
    this.useStatement = undefined;
  }
}

/** An answer taken from the ring, as an entry waiting in memory. */
function pendingOf(unkeyed: RingEntry): PendingEntry {
  return { entry: unkeyed.entry, body: unkeyed.body, isBytes: unkeyed.isBytes, size: unkeyed.size, storedAt: unkeyed.storedAt, expiresAt: unkeyed.expiresAt };
}

/** A row's fingerprint column: a number, or null when the row has none. */
function fingerprintIn(value: unknown): number | null {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : null;
}
