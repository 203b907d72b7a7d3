import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { request } from 'undici';
import { CallAbortController } from '../../../proxy/call/call-abort';

describe('CallAbortController: an AbortController with a cheap signal', () => {
  it('aborts once, with Node’s default reason when none is named', () => {
    const controller = new CallAbortController();
    const heard: unknown[] = [];
    controller.signal.addEventListener('abort', () => heard.push(controller.signal.reason), { once: true });
    controller.signal.onabort = () => heard.push('onabort');
    assert.equal(controller.signal.aborted, false);
    controller.abort();
    controller.abort(new Error('second'));
    assert.equal(controller.signal.aborted, true);
    assert.ok(controller.signal.reason instanceof DOMException);
    assert.equal((controller.signal.reason as DOMException).name, 'AbortError');
    assert.deepEqual(heard, ['onabort', controller.signal.reason]);
    assert.throws(() => controller.signal.throwIfAborted(), (error) => error === controller.signal.reason);
  });

  it('keeps a named reason and removes listeners like an EventTarget', () => {
    const controller = new CallAbortController();
    let calls = 0;
    const listener = (): void => void calls++;
    controller.signal.addEventListener('abort', listener);
    controller.signal.removeEventListener('abort', listener);
    const reason = new Error('stopping');
    controller.abort(reason);
    assert.equal(controller.signal.reason, reason);
    assert.equal(calls, 0);
  });

  it('calls a listener added twice once, an object’s handleEvent, and none added after the abort', () => {
    const controller = new CallAbortController();
    const heard: string[] = [];
    const listener = (): void => void heard.push('function');
    controller.signal.addEventListener('abort', listener);
    controller.signal.addEventListener('abort', listener, { once: true });
    controller.signal.addEventListener('abort', { handleEvent: (event: Event) => void heard.push(`object ${event.type}`) });
    controller.signal.addEventListener('other' as 'abort', () => heard.push('other type'));
    controller.abort();
    controller.signal.addEventListener('abort', () => heard.push('too late'));
    controller.abort();
    assert.deepEqual(heard, ['function', 'object abort']);
  });

  it('runs the other listeners when one throws, and throws its error on its own', async () => {
    const controller = new CallAbortController();
    const heard: string[] = [];
    const thrown = new Error('listener failed');
    const uncaught = new Promise<unknown>((resolve) => process.prependOnceListener('uncaughtException', resolve));
    // Mocha's own handler would fail the test: only this error is expected, and taken here.
    const mochaHandlers = process.listeners('uncaughtException').slice(1);
    for (const handler of mochaHandlers) process.off('uncaughtException', handler);
    try {
      controller.signal.addEventListener('abort', () => {
        throw thrown;
      });
      controller.signal.addEventListener('abort', () => heard.push('second'));
      controller.abort();
      assert.deepEqual(heard, ['second']);
      assert.equal(await uncaught, thrown);
    } finally {
      for (const handler of mochaHandlers) process.on('uncaughtException', handler);
    }
  });

  it('ends an undici request in flight, as the attempts use it', async () => {
    const server = http.createServer(() => {
      // Never answers: only the abort can end the request.
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const controller = new CallAbortController();
      const pending = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body: '{}', signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(pending, (error: Error) => error.name === 'AbortError' || /abort/i.test(error.message));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is accepted by node:events once() and ends its wait', async () => {
    const controller = new CallAbortController();
    const waiting = once(new http.Server(), 'never', { signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
  });
});
