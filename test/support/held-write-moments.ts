import type { WriteMoments } from '../../proxy/store/write-moments';

/**
 * Write moments a test decides: every write waits until `arrive()` (a good moment, as a provider
 * call's start is) or until its `latestMs` is up, whichever comes first.
 */
export class HeldWriteMoments implements WriteMoments {
  /** The writes waiting, with the latest wait each was given. */
  readonly waiting = new Map<() => void, number>();

  schedule(write: () => void, latestMs: number): () => void {
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.waiting.delete(run);
      write();
    };
    const timer = setTimeout(run, latestMs).unref();
    this.waiting.set(run, latestMs);
    return () => {
      done = true;
      clearTimeout(timer);
      this.waiting.delete(run);
    };
  }

  /** A good moment: every waiting write runs. */
  arrive(): void {
    for (const run of [...this.waiting.keys()]) run();
  }
}
