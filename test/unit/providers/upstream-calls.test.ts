import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { callUpstream } from '../../../proxy/upstream/upstream-client';
import { performance } from 'node:perf_hooks';
import { besideDispatchMs, besideUpstreamCalls, silenceBeforeWriteMs, upstreamCallsInFlight } from '../../../proxy/upstream/upstream-calls';
import { CallAbortController } from '../../../proxy/call/call-abort';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Provider calls in flight, counted by the upstream client against a real HTTP server, and the
 * store writes that wait for one (the SQLite commits that would otherwise hold the loop when a
 * request with nothing to wait for arrives).
 */
describe('upstream calls in flight and the writes beside them', function () {
  this.timeout(10_000);
  let server: http.Server;
  let origin: string;
  /** Responses the server holds open until a test ends them. */
  const held: http.ServerResponse[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      held.push(response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const call = (signal = new CallAbortController().signal) => callUpstream({ url: `${origin}/v1/chat`, headers: {}, body: '{}', signal }, 'fakeai');

  it('counts a call from its dispatch to its answer\'s end, failure or abort', async () => {
    assert.equal(upstreamCallsInFlight(), 0);
    const answer = await call();
    assert.equal(upstreamCallsInFlight(), 1, 'streaming');
    const body = answer.body.bytes();
    held.shift()!.end('data: 2\n\n');
    await body;
    assert.equal(upstreamCallsInFlight(), 0, 'ended');

    const abort = new CallAbortController();
    const aborted = await call(abort.signal);
    const reading = aborted.body.bytes().catch(() => undefined);
    assert.equal(upstreamCallsInFlight(), 1);
    abort.abort();
    await reading;
    assert.equal(upstreamCallsInFlight(), 0, 'aborted');
    held.shift()?.destroy();

    await assert.rejects(callUpstream({ url: 'http://127.0.0.1:1/refused', headers: {}, body: '{}', signal: new CallAbortController().signal }, 'fakeai'));
    assert.equal(upstreamCallsInFlight(), 0, 'refused');
  });

  it('runs a write once every call in flight has been silent a while, not at the dispatch', async () => {
    let written = 0;
    // The server sends the head and one chunk at once, then nothing: a provider thinking.
    const answer = await call();
    const scheduledAt = performance.now();
    besideUpstreamCalls.schedule(() => written++, 60_000);
    await nextTurn();
    assert.equal(written, 0, 'not on the next turn: the provider may be about to answer');
    while (written === 0 && performance.now() - scheduledAt < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(written, 1);
    assert.ok(performance.now() - scheduledAt >= silenceBeforeWriteMs - 1, 'after the silence, not before');
    const body = answer.body.bytes();
    held.shift()!.end();
    await body;
  });

  it('does not take a loop held with a chunk waiting unread for a silent provider', async () => {
    let written = 0;
    const answer = await call();
    const response = held.shift()!;
    const reading = answer.body.readable();
    reading.resume();
    const scheduledAt = performance.now();
    const cancel = besideUpstreamCalls.schedule(() => written++, 60_000);
    try {
      // A chunk reaches the socket, and the loop is held past the watch's length (not so long the
      // watch counts as late): when the loop comes back its timers run before the socket is read.
      response.write('data: more\n\n');
      while (performance.now() - scheduledAt < silenceBeforeWriteMs + 8);
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(written, 0, 'the chunk was there: the provider was not silent');
      while (written === 0 && performance.now() - scheduledAt < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(written, 1, 'written once the provider is silent after the chunk');
    } finally {
      cancel();
      const ended = once(reading, 'end');
      response.end();
      await ended;
    }
  });

  it('does not run a write while a provider keeps sending, and runs it beside a dispatch in its last second', async () => {
    let written = 0;
    const answer = await call();
    const response = held.shift()!;
    const sending = setInterval(() => response.write('data: more\n\n'), 2);
    const reading = answer.body.readable();
    reading.resume();
    // Its latest moment far away: in the 300 ms before the last second it waits for silence.
    const latestMs = besideDispatchMs + 300;
    const cancel = besideUpstreamCalls.schedule(() => written++, latestMs);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(written, 0, 'chunks every 2 ms: never silent');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(written, 1, 'overdue with a call in flight: written on the next turn');
    } finally {
      cancel();
      clearInterval(sending);
      const ended = once(reading, 'end');
      response.end();
      await ended;
    }
    assert.equal(upstreamCallsInFlight(), 0);
  });

  it('runs an overdue write when the next call starts, on the next turn, and not before', async () => {
    let written = 0;
    besideUpstreamCalls.schedule(() => written++, besideDispatchMs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(written, 0, 'no call in flight: it waits');
    const answering = call();
    assert.equal(written, 0, 'not inside the dispatch');
    const answer = await answering;
    await nextTurn();
    assert.equal(written, 1);
    const body = answer.body.bytes();
    held.shift()!.end();
    await body;
  });

  it('runs an overdue write once the next call\'s request is written, on a kept-alive connection too', async () => {
    // A connection to reuse: undici writes a request to a kept-alive one in an immediate of its
    // own (it first reads what the idle socket received), not inside the dispatch.
    const first = await call();
    const firstBody = first.body.bytes();
    held.shift()!.end();
    await firstBody;
    const order: string[] = [];
    besideUpstreamCalls.schedule(() => order.push('write'), besideDispatchMs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].startsWith('POST /v1/chat')) order.push('request');
      return (write as (...all: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    let answer;
    try {
      answer = await call();
      await nextTurn();
    } finally {
      net.Socket.prototype.write = write;
    }
    assert.deepEqual(order, ['request', 'write'], 'the write waits until the request is on its way');
    const body = answer.body.bytes();
    held.shift()!.end();
    await body;
  });

  it('runs a write after its longest wait without a call, and never once cancelled', async () => {
    let written = 0;
    besideUpstreamCalls.schedule(() => written++, 10);
    const cancel = besideUpstreamCalls.schedule(() => (written += 10), 10);
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(written, 1);
    const answer = await call();
    await nextTurn();
    assert.equal(written, 1, 'ran once, and the cancelled one never');
    const body = answer.body.bytes();
    held.shift()!.end();
    await body;
  });
});
