import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AttemptTarget } from '../../../proxy/pipeline/admit';
import { AttemptError, openAttempt } from '../../../proxy/pipeline/attempt';

/**
 * An attempt's timers and its link to the client's abort are armed in an immediate after the
 * request was handed to undici (which writes a request to a reused connection in an immediate
 * of its own): these tests hold it to what the link and the timers must still do.
 */
describe('openAttempt: timers and the client link, armed after the request is written', () => {
  let server: http.Server;
  let url: string;
  /** Resolves when the provider saw a request closed before it answered. */
  let closedEarly: Promise<void>;
  let heldResponses: http.ServerResponse[];

  beforeEach(async () => {
    heldResponses = [];
    let resolveClosed: () => void;
    closedEarly = new Promise((resolve) => (resolveClosed = resolve));
    server = http.createServer((request, response) => {
      request.resume();
      // Held: never answered, as a provider still thinking.
      heldResponses.push(response);
      response.on('close', () => {
        if (!response.writableEnded) resolveClosed();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const target = (): AttemptTarget =>
    ({
      label: 'held/model',
      provider: { id: 'held', kind: 'openai-compatible', baseUrl: url },
      model: 'model',
      api: 'openai-chat',
      passthrough: true,
      credential: { source: 'provider', key: 'test-key' },
      entry: { target: 'held/model', outcome: 'tried', reason: 'test' },
    }) as unknown as AttemptTarget;

  const build = (): { url: string; headers: Record<string, string>; body: string; addedUsage: boolean } => ({
    url,
    headers: { 'content-type': 'application/json' },
    body: '{"model":"model","messages":[]}',
    addedUsage: false,
  });

  it('a client that leaves in the turn the request was dispatched still aborts it upstream', async () => {
    const client = new AbortController();
    const attempt = openAttempt(build, target(), { connectMs: 60_000, idleMs: 60_000 }, client.signal);
    // Before any immediate ran: the link to the client is not made yet.
    client.abort();
    await assert.rejects(attempt, AttemptError);
    await within(closedEarly, 2000, 'the upstream request was not aborted');
  });

  it('a client that leaves while the provider thinks aborts it upstream', async () => {
    const client = new AbortController();
    const attempt = openAttempt(build, target(), { connectMs: 60_000, idleMs: 60_000 }, client.signal);
    await until(() => heldResponses.length === 1);
    client.abort();
    await assert.rejects(attempt, AttemptError);
    await within(closedEarly, 2000, 'the upstream request was not aborted');
  });

  it('a provider that sends no head within connectMs times the attempt out', async () => {
    const started = Date.now();
    await assert.rejects(openAttempt(build, target(), { connectMs: 40, idleMs: 60_000 }, new AbortController().signal), (error: unknown) => {
      assert.ok(error instanceof AttemptError);
      assert.equal(error.error.kind, 'timeout');
      assert.match(error.error.message, /held sent no response headers within 40 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 1000);
    await within(closedEarly, 2000, 'the timed-out request was not aborted');
  });
});

async function within(promise: Promise<void>, milliseconds: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(message)), milliseconds)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'the provider never saw the request');
}
