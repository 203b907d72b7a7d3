import type { AccessKeyStore } from './access-keys';
import type { AuditSink } from './audit-sink';
import type { Counters } from './counters';
import type { RateCounters } from './rate-counters';
import type { RequestLog } from './request-log';
import type { ResponseCache } from './response-cache';
import type { SpendLedger } from './spend-ledger';
import type { WriteMoments } from './write-moments';

/** The stores one proxy runs with, all from one backend family, opened and closed together. */
export interface Storage {
  /** Where they live, for messages: a folder, or a server without credentials. */
  readonly location: string;
  readonly requestLog: RequestLog;
  readonly counters: Counters;
  readonly responseCache: ResponseCache;
  readonly auditSink: AuditSink;
  /** Named access keys (hashed). */
  readonly accessKeys: AccessKeyStore;
  /** Budgets' spend and leases, exact across every proxy on the store. */
  readonly spendLedger: SpendLedger;
  /** Rate limits' windows, shared by every proxy on the store. */
  readonly rateCounters: RateCounters;
  /**
   * What does not work right now (a server out of reach, records waiting), in sentences for
   * `/_switchyard/health`'s `degraded`; empty or absent while all is well.
   */
  problems?(): string[];
  /** Writes what is queued and closes every store. */
  close(): Promise<void>;
}

/** The stores that fail in the background, named as the log says them. */
export type StoreName = 'request log' | 'response cache' | 'audit log';

/** One store's error handler from the storage's, which is told which store failed; none without it. */
export function reportsFor(onError: StorageSettings['onError'], store: StoreName): ((error: unknown) => void) | undefined {
  return onError === undefined ? undefined : (error) => onError(error, store);
}

/** What every backend family is opened with. */
export interface StorageSettings {
  /** The data folder: where the solo backend keeps `switchyard.db`. */
  dataDir: string;
  /** Request log records older than this many days are deleted; 0 or less keeps everything. */
  retentionDays: number;
  /** The request log's longest wait before a queued record is written; 1000 ms by default. */
  flushIntervalMs?: number;
  /** Told about a store's failures, which never reach a client, and which store it was. */
  onError?: (error: unknown, store: StoreName) => void;
  /** Told when the request log writes again after failing (and how many records waited). */
  onNotice?: (message: string) => void;
  /** The clock of the stores that expire and evict entries (the response cache); `Date.now` by default. */
  now?: () => number;
  /**
   * When the stores whose writes hold the event loop (SQLite's) write a due batch: at a good
   * moment, while a provider call is silent (`besideUpstreamCalls`, the proxy's), or when due (none).
   */
  writeMoments?: WriteMoments;
}

/** Opens a backend family's stores; `createProxy` takes one, the SQLite one by default. */
export type OpenStorage = (settings: StorageSettings) => Promise<Storage>;
