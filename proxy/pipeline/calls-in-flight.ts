import { ProxyError } from '../core/errors';

/** Why a call in flight was ended by the proxy itself: it is stopping and the grace period ran out. */
export class ProxyStopping extends Error {
  constructor() {
    super('Switchyard is shutting down.');
  }
}

/** What a client whose call was ended by a stop is told, in its own format (503: send it again). */
export function stoppingError(): ProxyError {
  return new ProxyError('overloaded', 'Switchyard is shutting down and ended this call when its grace period ran out; send it again.', { status: 503 });
}

/** Whether the call behind this signal was ended by a stop. */
export function stoppedBy(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof ProxyStopping;
}

/** One call being served, from its arrival until its record has been handed to the log. */
export interface Call {
  /** Ends the call early, as a stop past its grace period does. */
  stop(): void;
}

/**
 * The calls being served right now, so a stop can wait for them — answers relayed and records
 * added — before the stores close. A call counts until its record is in the request log's
 * queue, not only until its connection closed: the record is written a turn later, and a
 * shutdown that closed the log when the server reported closed lost those records.
 */
export class CallsInFlight {
  private readonly calls = new Set<Call>();
  private waiters: Array<() => void> = [];

  get count(): number {
    return this.calls.size;
  }

  /**
   * Tracks a call until `served` settles; `stop` ends it early (abort its upstream, end its
   * answer with the client format's error).
   */
  track(served: Promise<unknown>, stop: () => void): void {
    const call = this.enter(stop);
    const done = (): void => this.leave(call);
    served.then(done, done);
  }

  /**
   * Counts a call from now until `leave(call)`: for a caller that knows when it is done, without
   * a promise reaction to find out (a served call leaves once its record is queued).
   */
  enter(stop: () => void): Call {
    const call: Call = { stop };
    this.calls.add(call);
    return call;
  }

  leave(call: Call): void {
    if (!this.calls.delete(call)) return;
    if (this.calls.size === 0) for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once no call is in flight. */
  settled(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends every call in flight (each answers its client with the format's error). */
  stopAll(): void {
    for (const call of [...this.calls]) call.stop();
  }
}
