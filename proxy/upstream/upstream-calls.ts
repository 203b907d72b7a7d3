/**
 * The provider calls in flight (counted by upstream-client.ts from dispatch to the answer's end
 * or failure), and the store writes waiting for one.
 *
 * While a provider is being called, the event loop mostly waits: a model's first token takes
 * hundreds of milliseconds to seconds, its stream tens of milliseconds a chunk. A store commit
 * run then (2–10 ms on the main thread) delays at most a chunk of that answer. Run at an
 * arbitrary moment, it delays whatever request arrives meanwhile by its whole length, and an
 * answer from the response cache has nothing to hide it behind: that was the tail of the 100 KB
 * streamed hit (docs/decisions.md, "Caching, ninth pass").
 */
let callsInFlight = 0;
const waitingWrites = new Set<() => void>();
let runPending = false;

/** A provider call was dispatched. */
export function upstreamCallStarted(): void {
  callsInFlight += 1;
  if (waitingWrites.size > 0) runWaitingSoon();
}

/** A provider call's answer ended, failed or was aborted. */
export function upstreamCallEnded(): void {
  callsInFlight -= 1;
}

/** The provider calls in flight now. */
export function upstreamCallsInFlight(): number {
  return callsInFlight;
}

/**
 * Writes run beside a provider call: at once (on the next turn of the loop) while one is in
 * flight, else when the next one starts, else after `latestMs`. The store ports' `WriteMoments`
 * (store/write-moments.ts, a layer above this one), which the proxy's entry hands the stores.
 */
export const besideUpstreamCalls = {
  schedule(write: () => void, latestMs: number): () => void {
    let settled = false;
    const cancel = (): void => {
      settled = true;
      clearTimeout(timer);
      waitingWrites.delete(run);
    };
    const run = (): void => {
      if (settled) return;
      cancel();
      write();
    };
    const timer = setTimeout(run, latestMs).unref();
    waitingWrites.add(run);
    if (callsInFlight > 0) runWaitingSoon();
    return cancel;
  },
};

/**
 * Runs the waiting writes on the next turn of the loop: after the code that dispatched the call
 * has reached its `await`, so the request is on its way before a commit holds the loop.
 */
function runWaitingSoon(): void {
  if (runPending) return;
  runPending = true;
  setImmediate(runWaiting);
}

function runWaiting(): void {
  runPending = false;
  // The call failed at once (a refused connection): the writes wait for the next one.
  if (callsInFlight === 0) return;
  const writes = [...waitingWrites];
  for (const write of writes) write();
}
