import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ControlEvent } from '../../../proxy/control/protocol';
import { ProxyManager } from '../../../extension/proxy-process';
import { probeHealth } from '../../../extension/control-client';
import type { TeamProxy } from '../../../extension/team-proxy';
import type { ProxyStatus } from '../../../webview/protocol';
import { FakeUpstream } from '../../fakes/fake-upstream';
import { chatCompletionJson } from '../../fakes/openai-chat-replies';
import { TestProxy, controlToken } from '../harness';

const model = 'groq/llama-3.3-70b-versatile';

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Issue 12, item 6: the extension's ProxyManager pointed at a team proxy — a real proxy that
 * requires keys, with named access keys — instead of spawning its own.
 */
describe('ProxyManager against a team proxy (access key)', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let team: TestProxy;
  let alice: string;
  let bob: string;
  let dataDir: string;
  let localPort: number;
  const managers: ProxyManager[] = [];

  function chat(key: string): Promise<Response> {
    return fetch(`${team.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  }

  async function control(method: string, route: string, body?: unknown): Promise<Response> {
    return fetch(`${team.url}/_switchyard${route}`, {
      method,
      headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function manager(teamProxy: () => Promise<TeamProxy | undefined>): { proxy: ProxyManager; statuses: ProxyStatus[]; events: ControlEvent[]; rejected: string[] } {
    const statuses: ProxyStatus[] = [];
    const events: ControlEvent[] = [];
    const rejected: string[] = [];
    const proxy = new ProxyManager({
      // A script that does not exist: a team window must never spawn a proxy.
      proxyScript: path.join(dataDir, 'no-proxy-here.js'),
      runtime: process.execPath,
      dataDir,
      settings: () => ({ port: localPort, configFile: path.join(dataDir, 'config.json'), keepRunning: false }),
      log: () => {},
      teamProxy,
      teamRetry: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    proxy.onDidChangeStatus.on((status) => statuses.push(status));
    proxy.onEvent.on((event) => events.push(event));
    proxy.onKeyRejected.on((url) => rejected.push(url));
    managers.push(proxy);
    return { proxy, statuses, events, rejected };
  }

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello.', usage: { prompt: 3, completion: 1 } }) }));
    team = await TestProxy.start((config) => {
      config.providers.groq = { baseUrl: fake.url('/v1') };
    });
    const create = async (name: string): Promise<string> => {
      const response = await control('POST', '/keys', { name, budget: { limitUsd: 3, period: 'day' } });
      assert.equal(response.status, 201);
      return ((await response.json()) as { key: string }).key;
    };
    [alice, bob] = [await create('alice'), await create('bob')];
    assert.equal((await chat(alice)).status, 200);
    assert.equal((await chat(bob)).status, 200);
    await team.record(2);
  });
  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-team-manager-'));
    localPort = await freePort();
  });
  afterEach(() => {
    for (const proxy of managers.splice(0)) proxy.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  after(async () => {
    await team.close();
    await fake.close();
  });

  it('connects with the key instead of spawning, and reads only that key’s requests, totals, budgets and events', async () => {
    const { proxy, events } = manager(async () => ({ url: new URL(team.url), key: alice }));
    await proxy.start();
    const status = proxy.status;
    assert.equal(status.state, 'running', status.detail);
    assert.equal(status.team?.url, team.url);
    assert.equal(await probeHealth(localPort, 300), undefined, 'no local proxy was started');
    const client = proxy.client!;
    let records = (await client.requests(10)).records;
    // The log writes in batches: wait for alice's first call.
    for (let attempt = 0; records.length === 0 && attempt < 40; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      records = (await client.requests(10)).records;
    }
    assert.deepEqual(records.map((record) => record.keyLabel), ['alice']);
    const totals = await client.stats('clientKey');
    assert.deepEqual(totals.rows.map((row) => [row.key, row.requests]), [[records[0]!.keyId, 1]]);
    assert.deepEqual((await client.budgets()).map((budget) => budget.name), ['key:alice']);
    assert.equal((await chat(bob)).status, 200);
    assert.equal((await chat(alice)).status, 200);
    await until(() => events.some((event) => event.type === 'request'), 'alice’s call arrives on the stream');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const streamed = events.filter((event): event is Extract<ControlEvent, { type: 'request' }> => event.type === 'request');
    assert.deepEqual(streamed.map((event) => event.record.keyLabel), ['alice']);
    // Stop lets go of the team proxy; it keeps serving the team.
    await proxy.stop();
    assert.equal(proxy.status.state, 'stopped');
    assert.match(proxy.status.detail!, /keeps serving the team/);
    assert.equal((await chat(bob)).status, 200);
  });

  it('a key revoked while connected: says so once (401), drops the connection and does not retry', async () => {
    const created = await control('POST', '/keys', { name: 'carol' });
    const carol = ((await created.json()) as { key: string }).key;
    const { proxy, rejected, statuses } = manager(async () => ({ url: new URL(team.url), key: carol }));
    await proxy.start();
    assert.equal(proxy.status.state, 'running', proxy.status.detail);
    const client = proxy.client!;
    assert.equal((await control('DELETE', '/keys/carol')).status, 200);
    // The proxy ends the revoked key's event stream; the window asks once and says why, before any
    // read of its own (the periodic check is 30 s away).
    await until(() => proxy.status.team?.keyRejected === true, 'the status says the key was refused', 2000);
    assert.ok(!statuses.some((status) => /Lost the connection/.test(status.detail ?? '')), 'not said to be a lost connection');
    await assert.rejects(client.requests(1), /wrong control token/);
    assert.equal(proxy.status.state, 'unreachable');
    assert.match(proxy.status.detail!, /refused your access key: it was revoked/);
    assert.deepEqual(rejected, [team.url]);
    assert.equal(proxy.client, undefined);
    const count = statuses.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(statuses.length, count, 'no retry of a refused key');
  });

  it('a wrong key at start is refused without retries; no key at all asks for one', async () => {
    const wrong = manager(async () => ({ url: new URL(team.url), key: 'sy-not-a-key' }));
    await wrong.proxy.start();
    assert.equal(wrong.proxy.status.state, 'unreachable');
    assert.equal(wrong.proxy.status.team?.keyRejected, true);
    assert.deepEqual(wrong.rejected, [team.url]);
    const none = manager(async () => ({ url: new URL(team.url), key: undefined }));
    await none.proxy.start();
    assert.equal(none.proxy.status.state, 'unreachable');
    assert.match(none.proxy.status.detail!, /No access key .* Connect to Team Proxy/);
  });

  it('an unreachable team proxy: shown, retried with backoff, never replaced by a local one, and joined once it answers', async () => {
    const dead = await freePort();
    let reachable = false;
    const { proxy, statuses } = manager(async () => ({ url: new URL(reachable ? team.url : `http://127.0.0.1:${dead}`), key: alice }));
    await proxy.start();
    assert.equal(proxy.status.state, 'unreachable');
    assert.match(proxy.status.detail!, new RegExp(`Nothing answers like a Switchyard proxy at http://127\\.0\\.0\\.1:${dead}\\. Retrying in`));
    await until(() => statuses.filter((status) => status.state === 'unreachable').length >= 3, 'three tries');
    assert.equal(await probeHealth(localPort, 300), undefined, 'no local proxy was started');
    reachable = true;
    await until(() => proxy.status.state === 'running', 'connected once the team proxy answers');
    assert.equal(proxy.status.team?.url, team.url);
  });

  it('a setting that is no address is said, not tried', async () => {
    const { proxy } = manager(async () => ({ problem: 'Leave the user name and password out of the URL.', text: 'https://me:pw@example.com' }));
    await proxy.start();
    assert.equal(proxy.status.state, 'unreachable');
    assert.match(proxy.status.detail!, /switchyard\.teamProxyUrl is no team proxy address: Leave the user name/);
  });
});
