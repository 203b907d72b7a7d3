import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { callUpstream } from '../../../proxy/upstream/upstream-client';
import { besideUpstreamCalls, upstreamCallsInFlight } from '../../../proxy/upstream/upstream-calls';
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

  it('runs a write when the next call starts, on the next turn, and not before', async () => {
    let written = 0;
    besideUpstreamCalls.schedule(() => written++, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(written, 0, 'no call in flight: it waits');
    const answering = call();
    assert.equal(written, 0, 'not inside the dispatch');
    const answer = await answering;
    await nextTurn();
    assert.equal(written, 1);
    // While a call is in flight, a write runs on the next turn.
    besideUpstreamCalls.schedule(() => written++, 60_000);
    assert.equal(written, 1);
    await nextTurn();
    assert.equal(written, 2);
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
