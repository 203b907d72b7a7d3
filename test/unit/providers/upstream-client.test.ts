import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { callUpstream } from '../../../proxy/upstream/upstream-client';
import { ProxyError } from '../../../proxy/core/errors';
import { CallAbortController } from '../../../proxy/call/call-abort';

/**
 * The upstream client against a real HTTP server: a body taken whole is gathered without a
 * stream, a body taken as a stream keeps backpressure, and an abort or a reader that stops
 * cancels the request.
 */
describe('callUpstream', function () {
  this.timeout(10_000);
  let server: http.Server;
  let origin: string;
  let handle: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  const closed: Array<Promise<unknown>> = [];

  before(async () => {
    server = http.createServer((request, response) => {
      closed.push(once(response, 'close'));
      handle(request, response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const call = (path: string, signal = new CallAbortController().signal) => callUpstream({ url: origin + path, headers: { 'content-type': 'application/json' }, body: '{"q":1}', signal }, 'fakeai');

  /**
   * Serves 320 chunks of 64 KB (20 MB: five times what the two ends' socket buffers held when
   * nobody read — the sender's grows to tcp_wmem's 4 MB, the receiver's only as fast as someone
   * reads; 4 MB once left the server 4 chunks short of the end on a loaded machine), writing on
   * only after 'drain'. `heldUp` resolves when the server waits for 'drain' and wrote nothing
   * between two looks 50 ms apart.
   */
  const serveWithBackpressure = (fill: string) => {
    const chunk = fill.repeat(64 * 1024);
    const chunks = 320;
    let written = 0;
    let waitingForDrain = false;
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const write = (): void => {
        waitingForDrain = false;
        while (written < chunks) {
          written++;
          if (!response.write(chunk)) {
            waitingForDrain = true;
            response.once('drain', write);
            return;
          }
        }
        response.end();
      };
      write();
    };
    return {
      chunks,
      bytes: chunks * chunk.length,
      written: () => written,
      heldUp: async (): Promise<void> => {
        for (let last = -1; !(waitingForDrain && written === last) && written < chunks; ) {
          last = written;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
    };
  };

  it('gathers a whole answer written in several chunks, without making it a stream', async () => {
    handle = (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '9' });
      response.write('{"a":');
      setTimeout(() => response.end(`"${request.url}"}`), 20);
    };
    const answer = await call('/v1/chat/completions?x=1');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-ratelimit-remaining'], '9');
    assert.ok(!(answer.body instanceof Readable), 'a whole answer goes through no Readable');
    assert.equal((await answer.body.bytes()).toString(), '{"a":"/v1/chat/completions?x=1"}');
  });

  it('reads text as undici does (a byte-order mark dropped)', async () => {
    handle = (_request, response) => response.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"error":"é"}')]));
    assert.equal(await (await call('/bom')).body.text(), '{"error":"é"}');
  });

  it('streams with backpressure: the socket is paused while the reader is full, and every byte arrives', async () => {
    const server = serveWithBackpressure('x');
    const stream = (await call('/stream')).body.readable();
    await server.heldUp();
    assert.ok(server.written() < server.chunks, `the server wrote all ${server.chunks} chunks to a reader that read nothing`);
    let received = 0;
    for await (const part of stream) received += (part as Buffer).length;
    assert.equal(received, server.bytes);
  });

  it('follows a stream chunk by chunk: paused while the follower is full, every byte in order', async () => {
    const server = serveWithBackpressure('y');
    const body = (await call('/follow')).body;
    let received = 0;
    const ended = new Promise<void>((resolve, reject) => body.follow({ chunk: (part) => (received += part.length), end: resolve, error: reject }));
    body.pause();
    await server.heldUp();
    assert.ok(server.written() < server.chunks, `the server wrote all ${server.chunks} chunks to a follower that paused`);
    body.resume();
    await ended;
    assert.equal(received, server.bytes);
  });

  it('hands a followed stream\'s end over in the turn of its last chunk when they arrive together', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      // The last event and the end in one turn, as the providers' (and the bench's) come.
      setTimeout(() => response.end('data: 2\n\n'), 20);
    };
    const body = (await call('/last')).body;
    let chunkTurn = false;
    let text = '';
    const endedInChunkTurn = await new Promise<boolean>((resolve, reject) =>
      body.follow({
        chunk: (part) => {
          text += part.toString();
          chunkTurn = true;
          process.nextTick(() => (chunkTurn = false));
        },
        end: () => resolve(chunkTurn),
        error: reject,
      }),
    );
    assert.equal(text, 'data: 1\n\ndata: 2\n\n');
    assert.ok(endedInChunkTurn, 'the end came a tick after the last chunk (a relay could not end with it)');
  });

  it('cancels the request when the stream reader stops before the end', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
    };
    const stream = (await call('/cut')).body.readable();
    const [first] = (await once(stream, 'data')) as [Buffer];
    assert.equal(first.toString(), 'data: 1\n\n');
    const failed = once(stream, 'error');
    stream.destroy(new Error('no data for 10 ms'));
    await failed;
    await closed[closed.length - 1];
  });

  it('hands over a whole answer that has all arrived at once (arrived), and nothing before its end', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"answer":1}');
    };
    const answer = await call('/whole');
    // Given time to arrive (usually it came in the head's read already).
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(answer.body.arrived()?.toString(), '{"answer":1}');
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"answer":');
      setTimeout(() => response.end('2}'), 20);
    };
    const slow = await call('/slow');
    assert.equal(slow.body.arrived(), undefined, 'half an answer is not handed over');
    assert.equal((await slow.body.bytes()).toString(), '{"answer":2}');
    const stream = await call('/whole');
    await stream.body.firstChunk();
    assert.equal(stream.body.arrived(), undefined, 'a body already taken is not handed over again');
  });

  it('hands a stream\'s first chunk over as it arrives, then the rest as a Readable, every byte in order', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      setTimeout(() => {
        response.write('data: 2\n\n');
        response.end('data: 3\n\n');
      }, 20);
    };
    const body = (await call('/first')).body;
    const first = await body.firstChunk();
    assert.equal(first?.toString(), 'data: 1\n\n');
    await assert.rejects(body.bytes(), /already taken/, 'the body is taken once');
    const rest: Buffer[] = [];
    for await (const chunk of body.readable()) rest.push(chunk as Buffer);
    assert.equal(Buffer.concat(rest).toString(), 'data: 2\n\ndata: 3\n\n');
  });

  it('says a stream ended before its first chunk (undefined) or failed before it (rejects)', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end();
    };
    assert.equal(await (await call('/empty')).body.firstChunk(), undefined);

    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.flushHeaders();
      setTimeout(() => response.destroy(), 20);
    };
    await assert.rejects((await call('/dropped')).body.firstChunk());
  });

  it('lets a stream nobody reads any more be aborted without an uncaught error (a race loser discarded after its first chunk)', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"n":1}\n\n');
    };
    const abort = new CallAbortController();
    const stream = (await call('/loser', abort.signal)).body.readable();
    await once(stream, 'data');
    stream.pause();
    abort.abort();
    await closed[closed.length - 1];
    // An 'error' emitted with no listener is thrown on a later tick: give it the ticks.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(stream.destroyed);
  });

  it('rejects a whole body when the call is aborted midway, and an abort before sending fails the call', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    };
    const abort = new CallAbortController();
    const answer = await call('/slow', abort.signal);
    const body = answer.body.bytes();
    abort.abort();
    await assert.rejects(body, (error: Error) => error.name === 'AbortError');
    await closed[closed.length - 1];

    const early = new CallAbortController();
    early.abort();
    await assert.rejects(call('/never', early.signal), (error: unknown) => error instanceof ProxyError && /fakeai/.test(error.message));
  });

  it('names the provider and the origin, never the path, when the server cannot be reached', async () => {
    const closedServer = http.createServer();
    closedServer.listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const port = (closedServer.address() as AddressInfo).port;
    closedServer.close();
    await assert.rejects(
      callUpstream({ url: `http://127.0.0.1:${port}/v1/secret-path`, headers: {}, body: '{}', signal: new CallAbortController().signal }, 'fakeai'),
      (error: unknown) => error instanceof ProxyError && error.status === 502 && error.message.includes(`fakeai at http://127.0.0.1:${port}`) && !error.message.includes('secret-path'),
    );
  });
});
