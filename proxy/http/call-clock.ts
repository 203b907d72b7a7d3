import type { IncomingMessage } from 'node:http';

/**
 * Where a call's time went, for `x-switchyard-overhead-ms`: the time since the request
 * arrived, less the time spent waiting on others — the client's body arriving, upstream
 * attempts until their first chunk (or whole answer), retry waits. What is left is
 * Switchyard's own work (parsing, routing, policies, encoding) up to the response head.
 * Waits may overlap (a race's hedged attempts): only the time some wait was open counts, once.
 */
export class CallClock {
  /** When the head went out: Switchyard's time up to it, in milliseconds; undefined before. */
  headOverheadMs: number | undefined;
  private open = 0;
  private openSince = 0;
  private waitedMs = 0;

  constructor(readonly startedAt: number = performance.now()) {}

  /** A wait on something outside Switchyard begins. */
  waitStart(): void {
    if (this.open++ === 0) this.openSince = performance.now();
  }

  /** That wait ended (answered, failed or abandoned); call once per `waitStart`. */
  waitEnd(): void {
    if (this.open === 0) return;
    if (--this.open === 0) this.waitedMs += performance.now() - this.openSince;
  }

  /** Switchyard's own time so far. */
  overheadMs(now: number = performance.now()): number {
    const waited = this.open > 0 ? this.waitedMs + (now - this.openSince) : this.waitedMs;
    return Math.max(0, now - this.startedAt - waited);
  }

  /** Stamps the head's overhead (once: a second head is not written) and returns it as a header value. */
  stampHead(): string {
    const overhead = (this.headOverheadMs ??= Math.round(this.overheadMs() * 100) / 100);
    return String(overhead);
  }
}

const clockKey = Symbol('switchyard.callClock');
type Clocked = IncomingMessage & { [clockKey]?: CallClock };

/** Starts the clock of a request as it arrives; the response head reads it back. */
export function startClock(request: IncomingMessage): CallClock {
  const clock = new CallClock();
  (request as Clocked)[clockKey] = clock;
  return clock;
}

/** The clock started for this request, if one was. */
export function clockOf(request: IncomingMessage | undefined): CallClock | undefined {
  return request === undefined ? undefined : (request as Clocked)[clockKey];
}
