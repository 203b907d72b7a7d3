import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ProxyEvents } from '../../../proxy/events/proxy-events';
import { createControlRouter } from '../../../proxy/control/routes';

describe('control routes without a control plane', () => {
  let server: Server;
  let baseUrl: string;
  const token = 'sy-control-unit-0001';

  before(async () => {
    const app = express();
    app.use('/_switchyard', createControlRouter({ token, store: undefined, events: new ProxyEvents(), health: () => ({ status: 'ok', version: 'test', uptimeSeconds: 0, pid: 1 }) }));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_switchyard`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers the management routes with 503, after the token check', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/providers'],
      ['PUT', '/providers/openai/key'],
      ['POST', '/providers/openai/test'],
      ['PUT', '/client-key'],
      ['GET', '/config'],
      ['PUT', '/config'],
      ['GET', '/models'],
      ['PUT', '/lifecycle'],
      ['POST', '/shutdown'],
    ];
    for (const [method, path] of routes) {
      const anonymous = await fetch(`${baseUrl}${path}`, { method });
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      const answer = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      assert.equal(answer.status, 503, `${method} ${path}`);
      const body = (await answer.json()) as { error: { type: string } };
      assert.equal(body.error.type, 'unavailable_error');
    }
  });
});
