import { performance } from 'node:perf_hooks';

/**
 * The provider calls in flight (counted by upstream-client.ts from dispatch to the answer's end
 * or failure), what was last heard from them, and the store writes waiting for a moment when
 * every one of them is silent.
 *
 * While a provider thinks, the event loop only waits: a model's first token takes hundreds of
 * milliseconds to seconds. A store commit run then (2–10 ms on the main thread) delays nothing.
 * Run at an arbitrary moment, it delays whatever request arrives meanwhile by its whole length,
 * and an answer from the response cache has nothing to hide it behind (the tail of the 100 KB
 * streamed hit, docs/decisions.md "Caching, ninth pass"). Run just after a dispatch, as the ninth
 * pass did, it lands in front of that call's head whenever the provider answers at once (a cache,
 * a local model warm, the bench's fake provider): about one stream call in ten waited the whole
 * commit for its first byte, which moved the one-at-a-time stream rows' p50 by +0.3–0.6 ms
 * (docs/decisions.md "Caching, tenth pass"). So a write waits until no byte has come from any call in flight for
 * {@link silenceBeforeWriteMs}: a provider still thinking, not one about to answer; when none is
 * found, the last second of its wait takes the ninth pass's moment instead ({@link besideDispatchMs}).
 */
let callsInFlight = 0;
/** Heads and chunks received from providers, counted: unchanged over a watch means silence. */
let heard = 0;
const waitingWrites = new Set<() => void>();
/** The waiting writes in the last {@link besideDispatchMs} of their wait. */
const overdueWrites = new Set<() => void>();
let overduePending = false;
let watch: NodeJS.Timeout | NodeJS.Immediate | undefined;
let heardAtWatch = 0;
let watchStartedAt = 0;

/**
 * How long every call in flight must have been silent before a waiting write runs. Longer than
 * the gap between two chunks of a stream as providers send them (a few ms to ~20 ms), far shorter
 * than a model's first token (hundreds of ms), which is the wait this is meant to find.
 */
export const silenceBeforeWriteMs = 25;

/**
 * A watch that fires this much later than asked saw a loop held or starved of its core (the
 * machine's load), not a silent provider: bytes may be waiting unread in the socket.
 */
const lateWatchMs = silenceBeforeWriteMs * 2;

/**
 * The last part of a write's wait in which it also runs beside a call's dispatch (on the loop's
 * next turn after it), as the ninth pass did always: when no provider is ever silent long enough
 * (one that answers at once, the bench's fake), a request that has only the loop to wait for (a
 * cache hit) then still does not meet the commit; it lands in a provider call, one every few
 * seconds rather than every second.
 */
export const besideDispatchMs = 1000;

/** A provider call was dispatched. */
export function upstreamCallStarted(): void {
  callsInFlight += 1;
  if (waitingWrites.size === 0) return;
  if (overdueWrites.size > 0) runOverdueSoon();
  watchForSilence();
}

/** A provider call's head or a chunk of its body arrived. */
export function upstreamCallHeard(): void {
  heard += 1;
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
 * Writes run while providers think: once every call in flight has been silent for
 * {@link silenceBeforeWriteMs}; in the last {@link besideDispatchMs} of `latestMs` also beside a
 * call's dispatch; after `latestMs` whatever happens. The store ports' `WriteMoments`
 * (store/write-moments.ts, a layer above this one), which the proxy's entry hands the stores.
 */
export const besideUpstreamCalls = {
  schedule(write: () => void, latestMs: number): () => void {
    let settled = false;
    const cancel = (): void => {
      settled = true;
      clearTimeout(latest);
      clearTimeout(overdue);
      waitingWrites.delete(run);
      overdueWrites.delete(run);
    };
    const run = (): void => {
      if (settled) return;
      cancel();
      write();
    };
    const latest = setTimeout(run, latestMs).unref();
    const overdue = setTimeout(() => {
      overdueWrites.add(run);
      if (callsInFlight > 0) runOverdueSoon();
    }, Math.max(0, latestMs - besideDispatchMs)).unref();
    waitingWrites.add(run);
    if (callsInFlight > 0) watchForSilence();
    return cancel;
  },
};

/** Looks again in {@link silenceBeforeWriteMs}; one watch at a time, only while writes wait. */
function watchForSilence(): void {
  if (watch !== undefined) return;
  heardAtWatch = heard;
  watchStartedAt = performance.now();
  watch = setTimeout(onWatch, silenceBeforeWriteMs).unref();
}

function onWatch(): void {
  watch = undefined;
  // No call in flight: the next one to start watches again (or the write's latest moment comes).
  if (waitingWrites.size === 0 || callsInFlight === 0) return;
  if (heard !== heardAtWatch || performance.now() - watchStartedAt > lateWatchMs) {
    watchForSilence();
    return;
  }
  // Timers run before the loop reads its sockets: a loop held for about the watch's length fires
  // it with a chunk already waiting unread. One turn later that chunk has been heard.
  watch = setImmediate(onSilence);
}

function onSilence(): void {
  watch = undefined;
  if (waitingWrites.size === 0 || callsInFlight === 0) return;
  if (heard !== heardAtWatch) {
    watchForSilence();
    return;
  }
  for (const write of [...waitingWrites]) write();
}

/**
 * Runs the overdue writes on the next turn of the loop: after the code that dispatched the call
 * has reached its `await`, so the request is on its way before a commit holds the loop.
 */
function runOverdueSoon(): void {
  if (overduePending) return;
  overduePending = true;
  setImmediate(runOverdue);
}

function runOverdue(): void {
  overduePending = false;
  // The call failed at once (a refused connection): the writes wait for the next one.
  if (callsInFlight === 0) return;
  for (const write of [...overdueWrites]) write();
}
