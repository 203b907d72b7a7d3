import type { ChunkListener, ChunkSource } from '../../proxy/upstream/upstream-client';

/**
 * A body a relay can follow (`relayBody`), fed by the test: `push` hands a chunk over, `end`
 * and `fail` finish it, each in the caller's own turn, as undici hands an upstream body's over.
 */
export class TestChunkSource implements ChunkSource {
  private listener: ChunkListener | undefined;
  private readonly kept: Buffer[] = [];
  private ended = false;
  paused = false;
  cancelled: Error | undefined;

  follow(listener: ChunkListener): void {
    this.listener = listener;
    for (const chunk of this.kept.splice(0)) listener.chunk(chunk);
    if (this.ended) listener.end();
  }

  push(chunk: string | Buffer): void {
    const bytes = Buffer.from(chunk);
    if (this.listener === undefined) this.kept.push(bytes);
    else this.listener.chunk(bytes);
  }

  end(): void {
    this.ended = true;
    this.listener?.end();
  }

  fail(error: Error): void {
    this.listener?.error(error);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  cancel(reason: Error): void {
    this.cancelled = reason;
  }

  /** Pushes each chunk `gapMs` apart, then ends (or stays silent when `end` is false). */
  static slow(chunks: string[], gapMs: number, end = true): TestChunkSource {
    const source = new TestChunkSource();
    let index = 0;
    const next = (): void => {
      if (source.cancelled) return;
      if (index < chunks.length) {
        source.push(chunks[index++]!);
        setTimeout(next, gapMs);
      } else if (end) {
        source.end();
      }
    };
    setTimeout(next, gapMs);
    return source;
  }
}
