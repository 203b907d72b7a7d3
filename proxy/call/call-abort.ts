/**
 * The abort controller of a served call and of each of its attempts: an `AbortController` whose
 * signal is cheap to make and to listen to.
 *
 * Node 20's own `AbortSignal` costs ~8 µs of CPU each, garbage collection included (its
 * constructor re-prototypes an EventTarget into a slow object), and a passthrough call made
 * three — the call's, the executor's per target, the attempt's — about a tenth of the CPU it
 * costs over the cheapest Node forwarder (docs/benchmark.md). An `EventTarget` of its own was
 * still two `Map`s to make and a `Listener` object per `addEventListener` (options validated,
 * the listener wrapped), for a signal that fires at most once and usually never: a call links
 * its attempt to itself and the attempt's request to the attempt, two listeners added and one
 * removed on every call (issue 13, hot11: docs/benchmark.md, "Twelfth round").
 *
 * This signal keeps its `abort` listeners in an array, with `aborted` and `reason`. It is what
 * undici, `node:events` and `node:stream` accept as a signal (they check `aborted` and call
 * `addEventListener('abort', …)` / `removeEventListener`); it is not an `AbortSignal` by brand,
 * so it must not go to `AbortSignal.any`, `fetch` or anything else that checks the brand —
 * calls Switchyard makes itself keep Node's.
 */
export class CallAbortController implements AbortController {
  readonly signal: AbortSignal = new CallAbortSignal();

  /** Aborts once: `aborted` and `reason` are set, then `onabort` and the `abort` listeners run. */
  abort(reason?: unknown): void {
    (this.signal as CallAbortSignal).abortWith(reason);
  }
}

type AbortListener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

class CallAbortSignal implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;
  /** The `abort` listeners, in the order added; made on the first. */
  private listeners: AbortListener[] | undefined = undefined;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /**
   * As an EventTarget: a listener added twice is kept once; one added after the abort is never
   * called. Only `abort` is ever dispatched, so listeners of other types are not kept, and
   * `once` changes nothing (every listener is let go when the signal fires).
   */
  addEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || listener === null || this.aborted) return;
    const listeners = (this.listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    const listeners = this.listeners;
    if (type !== 'abort' || listener === null || listeners === undefined) return;
    const at = listeners.indexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  }

  dispatchEvent(event: Event): boolean {
    if (event.type === 'abort') this.notify(event);
    return true;
  }

  abortWith(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    // What Node's AbortController gives when no reason is named.
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    this.notify(new Event('abort'));
  }

  private notify(event: Event): void {
    this.report(() => this.onabort?.call(this, event));
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) this.report(() => (typeof listener === 'function' ? listener.call(this, event) : listener.handleEvent(event)));
  }

  /** As an EventTarget does: a listener that throws does not stop the others; its error is thrown on its own, uncaught. */
  private report(call: () => unknown): void {
    try {
      call();
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
