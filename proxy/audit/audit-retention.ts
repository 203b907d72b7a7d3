import type { AuditConfig } from '../config/config';
import type { AuditSink } from '../store/audit-sink';

export interface AuditPurgeOptions {
  sink: AuditSink;
  /** The audit settings in force, read at each purge so a config reload applies. */
  settings: () => AuditConfig;
  log: (message: string) => void;
  /** The first purge, soon after start (5 s by default). */
  firstDelayMs?: number;
  /** Then every ten minutes by default. */
  intervalMs?: number;
  now?: () => number;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Deletes audit entries past the retention in force (age, then size) soon after start and then
 * at every interval. It runs whether auditing is on or not: turning `audit.enabled` off stops
 * keeping new content, and what was kept still goes when its time is up (a sink whose file
 * was never written purges nothing and creates nothing). Returns the stop function.
 */
export function scheduleAuditPurge(options: AuditPurgeOptions): () => void {
  const { sink, settings, log } = options;
  const now = options.now ?? Date.now;
  let running = false;
  const purge = (): void => {
    if (running) return;
    running = true;
    const { retentionDays, maxMegabytes } = settings();
    sink
      .purge({ before: now() - retentionDays * dayMs, maxBytes: maxMegabytes * 1024 * 1024 })
      .then((deleted) => {
        if (deleted > 0) log(`audit log: deleted ${deleted} entries past retention (${retentionDays} days, ${maxMegabytes} MB)`);
      })
      .catch((error: unknown) => log(`audit log purge failed: ${String(error)}`))
      .finally(() => (running = false));
  };
  const first = setTimeout(purge, options.firstDelayMs ?? 5_000).unref();
  const every = setInterval(purge, options.intervalMs ?? 10 * 60 * 1000).unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
