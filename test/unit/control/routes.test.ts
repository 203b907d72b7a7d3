import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { ProxyEvents } from '../../../proxy/events/proxy-events';
import type { AggregateResponse, ControlErrorResponse, HealthInfo, RecentResponse } from '../../../proxy/control/protocol';
import { createControlRouter } from '../../../proxy/control/routes';
import type { RequestRecord } from '../../../proxy/store/request-record';
import { openSqliteStorage, type SqliteStorage } from '../../../proxy/store/sqlite/sqlite-storage';
import { sampleRecord } from '../../support/sample-record';

const token = 'sy-control-4f9c2b7e8a1d';
const health: HealthInfo = { status: 'ok', version: '0.1.0-test', uptimeSeconds: 42, pid: 1 };
const base = Date.UTC(2030, 0, 1);

function makeRecord(index: number, fields: Partial<RequestRecord> = {}): RequestRecord {
  return sampleRecord({ id: `req_${index}`, time: base + index * 1000, inputTokens: 100, outputTokens: 10, costUsd: 0.00035, timeToFirstTokenMs: 250, latencyMs: 500, ...fields });
}

describe('control routes', () => {
  let dataDir: string;
  let storage: SqliteStorage;
  let events: ProxyEvents;
  let server: Server;
  let baseUrl: string;
  const records = [
    makeRecord(1),
    makeRecord(2, { provider: 'anthropic', model: 'claude-sonnet-4-5', clientFormat: 'anthropic-messages', endpoint: '/v1/messages', costUsd: 0.002 }),
    makeRecord(3, { status: 429, error: 'rate limited', costUsd: null }),
  ];

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-control-'));
    storage = openSqliteStorage({ dataDir, retentionDays: 0 });
    const store = storage.requestLog;
    for (const record of records) store.add(record);
    events = new ProxyEvents();
    const app = express();
    app.use('/_switchyard', createControlRouter({ token, store, events, health: () => health, keepAliveIntervalMs: 50 }));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_switchyard`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function get(pathAndQuery: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<Response> {
    return fetch(`${baseUrl}${pathAndQuery}`, { headers });
  }

  describe('auth', () => {
    it('serves /health without the token', async () => {
      const response = await get('/health', {});
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), health);
    });

    it('rejects a missing token, naming how to send one', async () => {
      const response = await get('/requests', {});
      assert.equal(response.status, 401);
      const body = (await response.json()) as ControlErrorResponse;
      assert.equal(body.error.type, 'authentication_error');
      assert.match(body.error.message, /needs the control token/);
      assert.match(body.error.message, /Authorization: Bearer <token>/);
    });

    it('rejects a wrong token, of any length', async () => {
      for (const wrong of ['nope', `${token}x`, token.replace('4', '5')]) {
        const response = await get('/requests', { authorization: `Bearer ${wrong}` });
        assert.equal(response.status, 401);
        assert.match(((await response.json()) as ControlErrorResponse).error.message, /wrong control token/);
      }
    });

    it('accepts the token as a bearer or in x-switchyard-token', async () => {
      assert.equal((await get('/requests', { authorization: `bearer ${token}` })).status, 200);
      assert.equal((await get('/requests', { 'x-switchyard-token': token })).status, 200);
    });

    it('sends no CORS headers', async () => {
      const response = await get('/requests', { authorization: `Bearer ${token}`, origin: 'https://evil.example' });
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('GET /requests', () => {
    async function ids(query: string): Promise<string[]> {
      const response = await get(`/requests${query}`);
      assert.equal(response.status, 200);
      return ((await response.json()) as RecentResponse).records.map((record) => record.id);
    }

    it('lists newest first, including queued records', async () => {
      const response = await get('/requests');
      const body = (await response.json()) as RecentResponse;
      assert.deepEqual(body, { records: [...records].reverse() });
    });

    it('filters by provider, model, client format and status', async () => {
      assert.deepEqual(await ids('?provider=anthropic'), ['req_2']);
      assert.deepEqual(await ids('?model=gpt-4o'), ['req_3', 'req_1']);
      assert.deepEqual(await ids('?clientFormat=anthropic-messages'), ['req_2']);
      assert.deepEqual(await ids('?status=error'), ['req_3']);
      assert.deepEqual(await ids('?status=ok'), ['req_2', 'req_1']);
      assert.deepEqual(await ids('?status=429'), ['req_3']);
      assert.deepEqual(await ids(`?since=${base + 2000}&until=${base + 3000}`), ['req_3', 'req_2']);
    });

    it('pages with limit and nextBefore', async () => {
      const first = (await (await get('/requests?limit=2')).json()) as RecentResponse;
      assert.deepEqual(first.records.map((record) => record.id), ['req_3', 'req_2']);
      assert.equal(first.nextBefore, base + 2000);
      const second = (await (await get(`/requests?limit=2&before=${first.nextBefore}`)).json()) as RecentResponse;
      assert.deepEqual(second, { records: [records[0]] });
    });

    it('rejects malformed parameters with a clear 400', async () => {
      const cases: Array<[string, RegExp]> = [
        ['?limit=abc', /limit must be a whole number/],
        ['?limit=0', /limit must be an integer from 1 to 1000/],
        ['?limit=5000', /limit must be an integer from 1 to 1000/],
        ['?since=-5', /since must be a time in milliseconds/],
        ['?before=1.5', /before must be a time in milliseconds/],
        ['?status=teapot', /status must be ok, error or an HTTP status/],
        ['?clientFormat=cohere', /clientFormat must be one of/],
        ['?provider=a&provider=b', /provider must be given once/],
        [`?since=${base + 10}&until=${base}`, /is after until/],
      ];
      for (const [query, message] of cases) {
        const response = await get(`/requests${query}`);
        assert.equal(response.status, 400, query);
        const body = (await response.json()) as ControlErrorResponse;
        assert.equal(body.error.type, 'invalid_request_error');
        assert.match(body.error.message, message, query);
      }
    });
  });

  describe('GET /requests/:id', () => {
    it('returns one record', async () => {
      const response = await get('/requests/req_2');
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), records[1]);
    });

    it('answers 404 for an unknown id', async () => {
      const response = await get('/requests/req_nope');
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as ControlErrorResponse).error.type, 'not_found_error');
    });
  });

  describe('GET /stats', () => {
    it('aggregates by provider', async () => {
      const response = await get('/stats?by=provider');
      assert.equal(response.status, 200);
      const body = (await response.json()) as AggregateResponse;
      assert.equal(body.by, 'provider');
      assert.deepEqual(
        body.rows.map((row) => [row.key, row.requests, row.errors, row.costUsd, row.unpricedRequests]),
        [
          ['anthropic', 1, 0, 0.002, 0],
          ['openai', 2, 1, 0.00035, 1],
        ],
      );
    });

    it('defaults to days and honours the range', async () => {
      const body = (await (await get(`/stats?since=${base + 2000}`)).json()) as AggregateResponse;
      assert.equal(body.by, 'day');
      assert.equal(body.since, base + 2000);
      assert.equal(body.rows.length, 1);
      assert.equal(body.rows[0].requests, 2);
    });

    it('rejects an unknown grouping', async () => {
      const response = await get('/stats?by=week');
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as ControlErrorResponse).error.message, /by must be one of day, provider, model, clientKey/);
    });
  });

  describe('GET /events', () => {
    it('needs the token', async () => {
      assert.equal((await get('/events', {})).status, 401);
    });

    it('sends hello, then each finished request, keep-alives, and unsubscribes on disconnect', async () => {
      const abort = new AbortController();
      const response = await fetch(`${baseUrl}/events`, { headers: { 'x-switchyard-token': token }, signal: abort.signal });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      async function readUntil(marker: string): Promise<void> {
        while (!text.includes(marker)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${marker}`);
          text += decoder.decode(value, { stream: true });
        }
      }

      // Keep-alives come every 50 ms here and may fall between any two frames on a loaded machine:
      // the frames are compared without them.
      const frames = (): string[] => text.split('\n\n').slice(0, -1).filter((frame) => frame !== ': keep-alive');
      await readUntil('\n\n');
      assert.equal(frames()[0], `event: hello\ndata: ${JSON.stringify(health)}`);
      assert.ok(text.startsWith('event: hello\n'), 'hello comes first');
      assert.equal(events.listenerCount('request'), 1);

      const record = makeRecord(9, { error: 'line one\nline two' });
      events.emit('request', record);
      await readUntil('event: request');
      await readUntil('}\n\n');
      assert.deepEqual(frames(), [`event: hello\ndata: ${JSON.stringify(health)}`, `event: request\ndata: ${JSON.stringify(record)}`]);

      text = text.slice(text.lastIndexOf('}\n\n') + 3);
      await readUntil(': keep-alive\n\n');

      abort.abort();
      await reader.cancel().catch(() => undefined);
      for (let attempt = 0; attempt < 50 && events.listenerCount('request') > 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(events.listenerCount('request'), 0);
    });
  });
});

describe('control routes without a request log', () => {
  it('answers 503 for the log routes', async () => {
    const app = express();
    app.use('/_switchyard', createControlRouter({ token, store: undefined, events: new ProxyEvents(), health: () => health }));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_switchyard/requests`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as ControlErrorResponse).error.type, 'unavailable_error');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
