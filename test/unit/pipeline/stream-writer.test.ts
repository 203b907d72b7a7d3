import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { relayBody } from '../../../proxy/pipeline/stream-writer';

/** A client response that takes everything written to it. */
function client(): { response: ServerResponse; written: () => string } {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (part: Buffer) => parts.push(part));
  return { response: sink as unknown as ServerResponse, written: () => Buffer.concat(parts).toString() };
}

/** A body that pushes each chunk after `gapMs`, then ends (or stays silent when `end` is false). */
function slowBody(chunks: string[], gapMs: number, end = true): Readable {
  const body = new Readable({ read() {} });
  let index = 0;
  const next = (): void => {
    if (body.destroyed) return;
    if (index < chunks.length) {
      body.push(chunks[index++]);
      setTimeout(next, gapMs);
    } else if (end) {
      body.push(null);
    }
  };
  setTimeout(next, gapMs);
  return body;
}

describe('relayBody', () => {
  it('lets a stream run longer than the idle limit while its chunks keep coming', async () => {
    const { response, written } = client();
    // 8 chunks 40 ms apart: 320 ms in all against an idle limit of 150 ms.
    await relayBody(slowBody(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 40), response, (chunk) => chunk, 150);
    assert.equal(written(), 'abcdefgh');
  });

  it('cuts a stream that goes silent for longer than the idle limit', async () => {
    const { response, written } = client();
    const body = slowBody(['a', 'b'], 20, false);
    const started = performance.now();
    await assert.rejects(relayBody(body, response, (chunk) => chunk, 100), /no data for 100 ms/);
    assert.ok(performance.now() - started >= 100);
    assert.ok(body.destroyed, 'the silent body is destroyed (its request cancelled)');
    assert.equal(written(), 'ab');
  });
});
