import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { defaultRetry, defaultTimeouts } from '../../../proxy/config/config';
import { ProxyEvents } from '../../../proxy/events/proxy-events';
import type { ControlErrorResponse, HealthInfo, Judgement, SplitsResponse } from '../../../proxy/control/protocol';
import { createControlRouter, type ControlRouterOptions } from '../../../proxy/control/routes';
import { emptyUsage } from '../../../proxy/core/usage';
import { TestJudge } from '../evaluation/test-judge';

const token = 'sy-control-7d1e0c5a9b3f';
const health: HealthInfo = { status: 'ok', version: '0.1.0-test', uptimeSeconds: 7, pid: 1 };

async function listen(options: Partial<ControlRouterOptions>): Promise<{ server: Server; baseUrl: string }> {
  const app = express();
  app.use('/_switchyard', createControlRouter({ token, store: undefined, events: new ProxyEvents(), health: () => health, ...options }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_switchyard` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const judgement: Judgement = {
  requestId: 'req_12',
  route: 'trial',
  served: 'openai/gpt-5-mini',
  shadow: 'groq/llama-3.3-70b-versatile',
  winner: 'openai/gpt-5-mini',
  reason: 'A follows the "one line" instruction;\nB does not.',
  judgeModel: 'anthropic/claude-haiku-4-5',
  shadowCostUsd: 0.00042,
  judgeCostUsd: null,
  time: Date.UTC(2030, 0, 1),
};

describe('control routes: splits', () => {
  it('answers GET /splits with the judge stats', async () => {
    const judge = new TestJudge({ complete: () => Promise.reject(new Error('unused')), random: () => 0, log: () => {} });
    judge.recordServed('trial', 'openai/gpt-5-mini', { ok: true, costUsd: 0.002, latencyMs: 900, timeToFirstTokenMs: 210 });
    const { server, baseUrl } = await listen({ splits: judge });
    try {
      const response = await fetch(`${baseUrl}/splits`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as SplitsResponse;
      assert.deepEqual(body, { routes: judge.stats() });
      assert.deepEqual(
        body.routes.map((route) => [route.route, route.arms.map((arm) => [arm.target, arm.requests, arm.averageLatencyMs])]),
        [['trial', [['openai/gpt-5-mini', 1, 900]]]],
      );
    } finally {
      await close(server);
    }
  });

  it('needs the token', async () => {
    const { server, baseUrl } = await listen({ splits: { stats: () => [] } });
    try {
      const response = await fetch(`${baseUrl}/splits`);
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as ControlErrorResponse).error.type, 'authentication_error');
    } finally {
      await close(server);
    }
  });

  it('answers 503 without a split judge', async () => {
    const { server, baseUrl } = await listen({});
    try {
      const response = await fetch(`${baseUrl}/splits`, { headers: { 'x-switchyard-token': token } });
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), {
        error: { type: 'unavailable_error', message: 'Split results are unavailable: this proxy runs without the split judge that tallies them.' },
      });
    } finally {
      await close(server);
    }
  });

  it('streams each judgement as an SSE judgement event, and unsubscribes on disconnect', async () => {
    const events = new ProxyEvents();
    const { server, baseUrl } = await listen({ events });
    const abort = new AbortController();
    try {
      const response = await fetch(`${baseUrl}/events`, { headers: { 'x-switchyard-token': token }, signal: abort.signal });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      async function readUntil(marker: string, from = 0): Promise<void> {
        while (!text.includes(marker, from)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${marker}`);
          text += decoder.decode(value, { stream: true });
        }
      }
      await readUntil('\n\n');
      assert.equal(events.listenerCount('judgement'), 1);
      const start = text.length;
      events.emit('judgement', judgement);
      await readUntil('\n\n', start);
      assert.equal(text.slice(start), `event: judgement\ndata: ${JSON.stringify(judgement)}\n\n`);

      abort.abort();
      await reader.cancel().catch(() => undefined);
      for (let attempt = 0; attempt < 50 && events.listenerCount('judgement') > 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(events.listenerCount('judgement'), 0);
      assert.equal(events.listenerCount('request'), 0);
    } finally {
      abort.abort();
      await close(server);
    }
  });

  it('delivers a judge verdict end to end: SplitJudge → events → SSE', async () => {
    const events = new ProxyEvents();
    const judge = new TestJudge({
      complete: async (label) => ({
        target: label,
        response: { content: [{ type: 'text', text: label === 'anthropic/claude-haiku-4-5' ? '{"winner":"tie","reason":"Same."}' : 'Paris.' }], finishReason: 'stop', usage: emptyUsage() },
        costUsd: 0.001,
        latencyMs: 3,
      }),
      random: () => 0.1,
      log: () => {},
      events,
    });
    const { server, baseUrl } = await listen({ events, splits: judge });
    const abort = new AbortController();
    try {
      const response = await fetch(`${baseUrl}/events`, { headers: { 'x-switchyard-token': token }, signal: abort.signal });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      async function readUntil(marker: string, from = 0): Promise<void> {
        while (!text.includes(marker, from)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${marker}`);
          text += decoder.decode(value, { stream: true });
        }
      }
      await readUntil('\n\n');
      judge.judge({
        routeName: 'trial',
        route: {
          strategy: 'split',
          targets: ['openai/gpt-5-mini', 'groq/llama-3.3-70b-versatile'],
          judge: { model: 'anthropic/claude-haiku-4-5', sample: 1 },
          retry: defaultRetry(),
          timeouts: defaultTimeouts(),
        },
        requestId: 'req_1',
        request: { model: 'trial', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] }] },
        servedTarget: 'openai/gpt-5-mini',
        served: { content: [{ type: 'text', text: 'Paris' }], finishReason: 'stop', usage: emptyUsage() },
      });
      await readUntil('event: judgement');
      await readUntil('\n\n', text.indexOf('event: judgement'));
      const data = text.slice(text.indexOf('event: judgement\ndata: ') + 'event: judgement\ndata: '.length, -2);
      const received = JSON.parse(data) as Judgement;
      assert.deepEqual({ ...received, time: 0 }, {
        requestId: 'req_1',
        route: 'trial',
        served: 'openai/gpt-5-mini',
        shadow: 'groq/llama-3.3-70b-versatile',
        winner: 'tie',
        reason: 'Same.',
        judgeModel: 'anthropic/claude-haiku-4-5',
        shadowCostUsd: 0.001,
        judgeCostUsd: 0.001,
        time: 0,
      });
      const splits = (await (await fetch(`${baseUrl}/splits`, { headers: { 'x-switchyard-token': token } })).json()) as SplitsResponse;
      assert.deepEqual(splits.routes[0].arms.map((arm) => [arm.target, arm.ties, arm.winRate]), [
        ['openai/gpt-5-mini', 1, 0.5],
        ['groq/llama-3.3-70b-versatile', 1, 0.5],
      ]);
    } finally {
      abort.abort();
      await close(server);
    }
  });
});
