import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { relayBody, writeNow } from '../../../proxy/pipeline/stream-writer';
import { TestChunkSource } from '../../support/chunk-source';

/** A client response that takes everything written to it. */
function client(): { response: http.ServerResponse; written: () => string } {
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (part: Buffer) => parts.push(part));
  return { response: sink as unknown as http.ServerResponse, written: () => Buffer.concat(parts).toString() };
}

describe('relayBody', () => {
  it('lets a stream run longer than the idle limit while its chunks keep coming', async () => {
    const { response, written } = client();
    // 8 chunks 40 ms apart: 320 ms in all against an idle limit of 150 ms.
    await relayBody(TestChunkSource.slow(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 40), response, { idleMs: 150 });
    assert.equal(written(), 'abcdefgh');
  });

  it('cuts a stream that goes silent for longer than the idle limit', async () => {
    const { response, written } = client();
    const body = TestChunkSource.slow(['a', 'b'], 20, false);
    const started = performance.now();
    await assert.rejects(relayBody(body, response, { idleMs: 100 }), /no data for 100 ms/);
    assert.ok(performance.now() - started >= 100);
    assert.match(String(body.cancelled), /no data for 100 ms/, 'the silent body is cancelled (its request with it)');
    assert.equal(written(), 'ab');
  });

  it('ends the response in the turn the body ends, so a last chunk and the end leave in one write', async () => {
    const { response, written } = client();
    const body = new TestChunkSource();
    const relayed = relayBody(body, response, { transform: (chunk) => chunk.toString().toUpperCase(), closing: () => 'z' });
    body.push('a');
    body.push('b');
    body.end();
    // No tick has passed: Node has not yet sent the writes of this turn on their own.
    assert.ok(response.writableEnded, 'the response was not ended in the turn the body ended');
    await relayed;
    assert.equal(written(), 'ABz');
  });

  it('relays chunks that came before it followed the body, and a body already ended', async () => {
    const { response, written } = client();
    const body = new TestChunkSource();
    body.push('a');
    body.push('b');
    body.end();
    await relayBody(body, response);
    assert.equal(written(), 'ab');
    assert.ok(response.writableEnded);
  });

  it('pauses the body while the client is full and resumes it on drain', async () => {
    const sink = new PassThrough({ highWaterMark: 4 });
    const body = new TestChunkSource();
    const relayed = relayBody(body, sink as unknown as http.ServerResponse);
    body.push('12345678');
    assert.ok(body.paused, 'a full client did not pause the body');
    sink.read();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(!body.paused, 'drain did not resume the body');
    body.end();
    await relayed;
  });

  it('fails with the body\'s error, and as Switchyard\'s own when a transform throws (the body cancelled)', async () => {
    const cut = new TestChunkSource();
    const relayed = relayBody(cut, client().response);
    cut.fail(new Error('socket hang up'));
    await assert.rejects(relayed, /socket hang up/);

    const body = new TestChunkSource();
    const failing = relayBody(body, client().response, {
      transform: () => {
        throw new Error('encoder bug');
      },
    });
    body.push('a');
    await assert.rejects(failing, /relaying a chunk failed: encoder bug/);
    assert.ok(body.cancelled !== undefined);
  });
});

describe('writeNow', () => {
  it('sends a response\'s first bytes in the same turn, with its head', async () => {
    let pending = -1;
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      writeNow(response, 'data: 1\n\n');
      // Nothing left in the socket's buffer: the bytes went to the kernel before the turn's end.
      pending = response.socket!.writableLength;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const reply = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      assert.equal(await reply.text(), 'data: 1\n\n');
      assert.equal(pending, 0, 'the first bytes waited in the socket for the end of the turn');
    } finally {
      server.close();
    }
  });
});
