/**
 * How often a crashed proxy is restarted: at most `maxRestarts` in any `windowMs`, each after a
 * doubling delay, so a proxy that dies at once on every start (a broken config, a port another
 * program holds) stops being retried and the user gets the reason instead of a restart loop.
 */
export interface RestartBackoffOptions {
  maxRestarts: number;
  windowMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRestartBackoff: RestartBackoffOptions = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
};

/** Remembers recent restarts and answers whether and when the next one may happen. */
export class RestartBackoff {
  private restarts: number[] = [];

  constructor(private readonly options: RestartBackoffOptions = defaultRestartBackoff) {}

  /**
   * The delay before the next restart, recording it; undefined when the budget for the
   * window is spent (the caller gives up and reports the crash).
   */
  next(now: number): number | undefined {
    this.restarts = this.restarts.filter((time) => now - time < this.options.windowMs);
    if (this.restarts.length >= this.options.maxRestarts) return undefined;
    const delay = Math.min(this.options.initialDelayMs * 2 ** this.restarts.length, this.options.maxDelayMs);
    this.restarts.push(now);
    return delay;
  }

  /** A start the user asked for begins a fresh budget. */
  reset(): void {
    this.restarts = [];
  }
}
