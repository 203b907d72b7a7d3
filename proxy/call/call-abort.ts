/**
 * The abort controller of a served call and of each of its attempts: an `AbortController` whose
 * signal is cheap to make.
 *
 * Node 20's own `AbortSignal` costs ~8 µs of CPU each, garbage collection included (its
 * constructor re-prototypes an EventTarget into a slow object), and a passthrough call made
 * three — the call's, the executor's per target, the attempt's — about a tenth of the CPU it
 * costs over the cheapest Node forwarder (docs/benchmark.md).
 * This signal is a plain EventTarget with `aborted` and `reason`: 0.2–0.3 µs. It is what
 * undici, `node:events` and `node:stream` accept as a signal (they check `aborted` and listen
 * for `abort`); it is not an `AbortSignal` by brand, so it must not go to `AbortSignal.any`,
 * `fetch` or anything else that checks the brand — calls Switchyard makes itself keep Node's.
 */
export class CallAbortController implements AbortController {
  readonly signal: AbortSignal = new CallAbortSignal();

  /** Aborts once: `aborted` and `reason` are set, then `onabort` and the `abort` listeners run. */
  abort(reason?: unknown): void {
    (this.signal as CallAbortSignal).abortWith(reason);
  }
}

class CallAbortSignal extends EventTarget implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abortWith(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    // What Node's AbortController gives when no reason is named.
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const event = new Event('abort');
    this.onabort?.call(this, event);
    this.dispatchEvent(event);
  }
}
