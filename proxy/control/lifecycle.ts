/** How long the proxy waits, with no VS Code window attached, before it stops by itself. */
export const defaultDetachedGraceMs = 10_000;

/**
 * How long a proxy started with `--stop-when-detached` waits for its first window. Longer than
 * the detached grace: the window that spawned it attaches only after the process printed its
 * URL, answered a health check and the extension host got round to opening `/events`, which on
 * a busy machine starting VS Code (many extensions activating at once) can take several
 * seconds. Stopping under a window that is about to attach would only make it start another.
 */
export const defaultStartupGraceMs = 30_000;

export interface LifecycleOptions {
  /** Stop once no window is attached (`--stop-when-detached`); changeable at run time. */
  stopWhenDetached: boolean;
  /** Stops the proxy cleanly; called at most once. */
  stop: () => void;
  /** Wait after the last window left (default 10 s). */
  detachedGraceMs?: number;
  /** Wait for the first window after start (default 30 s). */
  startupGraceMs?: number;
  log?: (message: string) => void;
}

/**
 * Counts the VS Code windows attached to the proxy (subscribers of `/events?attach=1`) and,
 * when asked to, stops the proxy once none has been attached for the grace period. Windows
 * that attach again within the grace cancel the stop (a window reloading, say).
 */
export class Lifecycle {
  private attached = 0;
  private everAttached = false;
  private stopWhenDetachedValue: boolean;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly detachedGraceMs: number;
  private readonly startupGraceMs: number;

  constructor(private readonly options: LifecycleOptions) {
    this.stopWhenDetachedValue = options.stopWhenDetached;
    this.detachedGraceMs = options.detachedGraceMs ?? defaultDetachedGraceMs;
    this.startupGraceMs = options.startupGraceMs ?? defaultStartupGraceMs;
    this.update();
  }

  get attachedClients(): number {
    return this.attached;
  }

  get stopWhenDetached(): boolean {
    return this.stopWhenDetachedValue;
  }

  /** A window attached; call the returned function when it leaves (calling it twice is harmless). */
  attach(): () => void {
    this.attached += 1;
    this.everAttached = true;
    this.update();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.attached -= 1;
      this.update();
    };
  }

  setStopWhenDetached(value: boolean): void {
    this.stopWhenDetachedValue = value;
    this.update();
  }

  /** Cancels a pending stop; for shutdown, so that no timer outlives the server. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopped = true;
  }

  private update(): void {
    if (this.stopped) return;
    if (!this.stopWhenDetachedValue || this.attached > 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined) return;
    const graceMs = this.everAttached ? this.detachedGraceMs : this.startupGraceMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped || this.attached > 0 || !this.stopWhenDetachedValue) return;
      this.stopped = true;
      const why = this.everAttached ? `the last VS Code window left ${graceMs / 1000} s ago` : `no VS Code window attached within ${graceMs / 1000} s of start`;
      this.options.log?.(`stopping: ${why} (--stop-when-detached)`);
      this.options.stop();
    }, graceMs);
    // The server keeps the process alive; this timer must not keep a stopped one alive.
    this.timer.unref();
  }
}
