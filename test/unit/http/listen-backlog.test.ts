import assert from 'node:assert/strict';
import net from 'node:net';
import { listen, listenBacklog } from '../../../proxy/server';

describe('the listen backlog holds a burst of 1,000 connections', () => {
  it('asks the OS for an accept queue of 4096 (Node’s default of 511 dropped SYNs in a 1,000-stream burst)', async () => {
    const original = net.Server.prototype.listen;
    const asked: unknown[] = [];
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      asked.push(args[0]);
      return (original as (...values: unknown[]) => net.Server).apply(this, args);
    } as typeof original;
    try {
      const running = await listen((_request, response) => response.end(), '127.0.0.1', 0);
      await running.close();
    } finally {
      net.Server.prototype.listen = original;
    }
    assert.ok(listenBacklog >= 4096);
    assert.equal((asked[0] as { backlog?: number }).backlog, listenBacklog);
  });
});
