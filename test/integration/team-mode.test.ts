import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { TestProxy, controlToken, testKeys } from './harness';
import type { SwitchyardConfig } from '../../proxy/config/config';
import type { RecentResponse } from '../../proxy/control/protocol';
import type { AggregateRow } from '../../proxy/store/aggregate';
import { openTeamStorage, type TeamStorageSettings } from '../../proxy/store/team/open-team-storage';
import { StorageUnavailableError } from '../../proxy/store/storage-unavailable';
import { RedisServer, findPostgresBinaries, findRedisServer, nextRedisDatabase, requireServer, sharedPostgresServer, sharedRedisServer, stopSharedServers, type PostgresServer } from '../support/servers';

// Issue 12: three proxies on one PostgreSQL and one Redis (real servers, started by the test
// support module) share keys, budgets, cache, records and rate limits, and survive either
// server going away.

const model = 'groq/llama-3.3-70b-versatile';
/** $1 per thousand tokens in and out: a call's cost is easy to reason about. */
const prices = { [model]: { input: 1000, output: 1000 } };

async function control<T>(proxy: { url: string }, method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${proxy.url}/_switchyard${route}`, {
    method,
    headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

function chat(url: string, apiKey: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

async function eventually(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<number> {
  const started = Date.now();
  while (!(await ready())) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

after(stopSharedServers);

describe('team mode: three proxies on one PostgreSQL and Redis', function () {
  this.timeout(60_000);
  let postgres: PostgresServer;
  let redis: RedisServer;
  let fake: FakeUpstream;
  let team: TeamStorageSettings;
  const proxies: TestProxy[] = [];

  before(async function () {
    postgres = await sharedPostgresServer(requireServer(this, findPostgresBinaries(), 'PostgreSQL (postgres, initdb)'));
    redis = await sharedRedisServer(requireServer(this, findRedisServer(), 'redis-server'));
    fake = await FakeUpstream.start();
  });

  beforeEach(async () => {
    fake.requests.length = 0;
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: 10, completion: 2 } }) }));
    team = { postgresUrl: await postgres.createDatabase(), redisUrl: redis.url(nextRedisDatabase()), onStorageError: 'closed' };
  });

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  after(async () => {
    await fake?.close();
  });

  /** Three proxies on the team's servers, each with the same config. */
  async function startThree(more: (config: SwitchyardConfig) => void = () => {}, settings: Partial<TeamStorageSettings> = {}): Promise<TestProxy[]> {
    const started = await Promise.all(
      [0, 1, 2].map(() =>
        TestProxy.start(
          (config) => {
            config.providers.groq = { baseUrl: fake.url('/v1') };
            config.prices = structuredClone(prices);
            more(config);
          },
          { ...testKeys },
          {},
          { openStorage: (storageSettings) => openTeamStorage(storageSettings, { ...team, ...settings }) },
        ),
      ),
    );
    proxies.push(...started);
    return started;
  }

  it('a key created on one proxy works on the other two within a second, and a revoked one stops', async () => {
    const [a, b, c] = await startThree();
    // A restricting key makes a key required everywhere (until then any key is let in).
    assert.equal((await control(a!, 'POST', '/keys', { name: 'gate', rpm: 1000 })).status, 201);
    for (const proxy of [b!, c!]) await eventually(async () => (await chat(proxy.url, 'none')).status === 401, 'a key is required', 1000);
    const created = await control<{ key: string }>(a!, 'POST', '/keys', { name: 'ci', models: ['groq/*'] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const key = created.json.key;
    assert.equal((await chat(a!.url, key)).status, 200);
    for (const proxy of [b!, c!]) await eventually(async () => (await chat(proxy.url, key)).status === 200, 'the new key is accepted', 1000);
    // The key's VS Code window listens on another proxy: its stream ends when b revokes the key.
    const events = await fetch(`${c!.url}/_switchyard/events`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(events.status, 200);
    const reader = events.body!.getReader();
    let ended = false;
    const drained = (async () => {
      while (!(await reader.read()).done);
      ended = true;
    })();
    assert.equal((await control(b!, 'DELETE', '/keys/ci')).status, 200);
    for (const proxy of [a!, c!]) await eventually(async () => (await chat(proxy.url, key)).status === 401, 'the revoked key is refused', 1000);
    const took = await eventually(() => ended, 'the revoked key\'s event stream on another proxy ends', 1500);
    await drained;
    assert.ok(took < 1500);
  });

  it('switchyard keys --postgres-url manages the team\'s keys: the running proxies take them at once', async () => {
    const [a, b] = await startThree();
    const created = await runCli(['keys', 'create', 'ci-runner', '--rpm', '100', '--postgres-url', team.postgresUrl]);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    for (const proxy of [a!, b!]) await eventually(async () => (await chat(proxy.url, key)).status === 200 && (await chat(proxy.url, 'none')).status === 401, 'the CLI\'s key is in force', 2000);
    const listed = await runCli(['keys', 'list', '--json', '--postgres-url', team.postgresUrl]);
    assert.deepEqual((JSON.parse(listed.stdout) as { keys: Array<{ name: string; rpm: number }> }).keys.map((entry) => [entry.name, entry.rpm]), [['ci-runner', 100]]);
  });

  it('a $1 budget hit by 300 concurrent calls over the three settles at most $1 plus one call', async () => {
    const body = JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    const estimatedInput = Math.ceil(Buffer.byteLength(body) / 4);
    // Each call costs exactly what it reserves: the tightest case.
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: estimatedInput, completion: 20 } }) }));
    const callUsd = (estimatedInput + 20) / 1000;
    const three = await startThree((config) => {
      config.budgets = [{ name: 'dollar', match: {}, limitUsd: 1, period: 'day', action: 'block' }];
    });
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async (_, index) => {
        const response = await chat(three[index % 3]!.url, 'none');
        await response.arrayBuffer();
        return response.status;
      }),
    );
    assert.ok(statuses.every((status) => status === 200 || status === 402), `only served or refused: ${[...new Set(statuses)].join(', ')}`);
    const settledUsd = fake.requests.length * callUsd;
    assert.ok(settledUsd <= 1 + callUsd, `settled $${settledUsd} across three proxies`);
    assert.ok(fake.requests.length >= Math.floor(1 / callUsd) - 3, `served ${fake.requests.length} of ${Math.floor(1 / callUsd)}`);
    // Every proxy books its spend in the shared ledger: any of them reports the whole.
    await eventually(
      async () => Math.abs((await control<{ budgets: Array<{ spentUsd: number }> }>(three[2]!, 'GET', '/budgets')).json.budgets[0]!.spentUsd - settledUsd) < 1e-6,
      'the ledger shows every proxy\'s spend',
      5000,
    );
  });

  it('records of all three appear in one /requests listing and in /stats', async () => {
    const three = await startThree();
    for (const [index, proxy] of three.entries()) {
      for (let call = 0; call <= index; call += 1) assert.equal((await chat(proxy.url, 'none')).status, 200);
    }
    await Promise.all(three.map((proxy, index) => proxy.record(index + 1)));
    const ids = three.flatMap((proxy) => proxy.records.map((record) => record.id)).sort();
    await eventually(async () => {
      const listed = await control<RecentResponse>(three[0]!, 'GET', '/requests?limit=100');
      return JSON.stringify(listed.json.records.map((record) => record.id).sort()) === JSON.stringify(ids);
    }, 'proxy 1 lists the records of all three');
    const stats = await control<{ rows: AggregateRow[] }>(three[1]!, 'GET', '/stats?by=model');
    assert.equal(stats.json.rows.reduce((sum, row) => sum + row.requests, 0), 6);
  });

  it('shares a key\'s rate limit across the three: 12 requests a minute are 12 in all, not 12 each', async () => {
    const three = await startThree();
    const created = await control<{ key: string }>(three[0]!, 'POST', '/keys', { name: 'limited', rpm: 12 });
    assert.equal(created.status, 201);
    const key = created.json.key;
    // Until a proxy has heard of the key it requires no key at all and lets the call through
    // unlimited (an unknown key is no key). Probing with the key itself would spend the limit
    // on the proxies that know it and pass unlimited calls on those that do not: probe with
    // none, which is refused once the restricting key is known there.
    for (const proxy of three) await eventually(async () => (await chat(proxy.url, 'none')).status === 401, 'the key is known', 2000);
    // Calls without a key that got through before the key was known reached the provider too.
    const sentBefore = fake.requests.length;
    const statuses: number[] = [];
    for (let round = 0; round < 8; round += 1) {
      statuses.push(...(await Promise.all(three.map(async (proxy) => (await chat(proxy.url, key)).status))));
    }
    const served = statuses.filter((status) => status === 200).length;
    assert.ok(statuses.every((status) => status === 200 || status === 429), `only served or limited: ${[...new Set(statuses)].join(', ')}`);
    assert.equal(served, 12, `the three together served ${served} of 24 calls; the key may make 12 a minute`);
    assert.equal(fake.requests.length - sentBefore, 12, 'what reached the provider');
    const refused = await chat(three[1]!.url, key);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });

  it('refuses rate-limited calls with a 503 while Redis is away (onStorageError closed), and serves them again after', async () => {
    const own = await RedisServer.start(findRedisServer()!);
    try {
      const [a, b] = await startThree(() => {}, { redisUrl: own.url(0) });
      const key = (await control<{ key: string }>(a!, 'POST', '/keys', { name: 'limited', rpm: 8 })).json.key;
      await eventually(async () => (await chat(b!.url, key)).status === 200, 'the key works on proxy 2', 2000);
      await own.kill();
      // Once a proxy's lease from Redis is used up, a call needs Redis: refused, naming it.
      let refused: Response | undefined;
      await eventually(async () => {
        const response = await chat(b!.url, key);
        if (response.status === 503) refused = response;
        else await response.arrayBuffer();
        return refused !== undefined;
      }, 'a 503 while Redis is away', 5000);
      const body = (await refused!.json()) as { error: { message: string } };
      assert.match(body.error.message, /Redis at .* cannot be reached/);
      assert.equal((await chat(b!.url, 'none')).status, 401, 'the door still checks keys');
      await own.resume();
      await eventually(async () => (await chat(b!.url, key)).status === 200, 'served again once Redis is back', 15_000);
    } finally {
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
      await own.close();
    }
  });

  it('loses no record when PostgreSQL restarts mid-run, and says so in /health and the log meanwhile', async () => {
    const logged: string[] = [];
    const three = await startThree(undefined, { log: (line) => logged.push(line) });
    let sent = 0;
    const fire = async (count: number): Promise<void> => {
      for (let index = 0; index < count; index += 1) {
        const response = await chat(three[sent % 3]!.url, 'none');
        assert.equal(response.status, 200, 'calls keep flowing');
        await response.arrayBuffer();
        sent += 1;
      }
    };
    await fire(6);
    await postgres.stop();
    try {
      await fire(9);
      await eventually(async () => {
        const health = (await (await fetch(`${three[0]!.url}/_switchyard/health`)).json()) as { status: string; problems?: string[] };
        return health.status === 'degraded' && (health.problems ?? []).some((problem) => /PostgreSQL|cannot be written/.test(problem));
      }, '/health says degraded', 5000);
    } finally {
      await postgres.resume();
    }
    await fire(3);
    const ids = new Set<string>();
    await eventually(
      async () => {
        const listed = await control<RecentResponse>(three[1]!, 'GET', '/requests?limit=1000');
        for (const record of listed.json.records) ids.add(record.id);
        // Read straight from the database too: the listing merges what waits in memory.
        const storage = three[1]!.running.storage!;
        const stored = await storage.requestLog.recent({ limit: 1000 });
        return ids.size === sent && stored.length === sent && (await three[2]!.running.storage!.requestLog.recent({ limit: 1000 })).length === sent;
      },
      `all ${sent} records are stored`,
      15_000,
    );
    await eventually(async () => ((await (await fetch(`${three[0]!.url}/_switchyard/health`)).json()) as { status: string }).status === 'ok', '/health is ok again', 10_000);
    // The operator's log has the outage's start and end, not only the notifications' reconnects.
    assert.ok(logged.some((line) => /^PostgreSQL at .* went away/.test(line)), logged.join('\n'));
    assert.ok(logged.some((line) => /^PostgreSQL at .* is back$/.test(line)), logged.join('\n'));
  });

  it('a response cached by one proxy is a hit on another', async () => {
    const [a, b] = await startThree((config) => {
      config.cache.enabled = true;
    });
    const first = await chat(a!.url, 'none', { temperature: 0 });
    assert.equal(first.headers.get('x-switchyard-cache'), 'miss');
    await first.arrayBuffer();
    await eventually(async () => {
      const again = await chat(b!.url, 'none', { temperature: 0 });
      await again.arrayBuffer();
      return again.headers.get('x-switchyard-cache') === 'hit';
    }, 'proxy 2 answers from what proxy 1 stored');
    assert.equal(fake.requests.length, 1, 'the provider was called once');
  });

  it('Redis killed mid-run: the cache is bypassed, rate counters fail closed (or open), /health says so, all recover after a restart', async () => {
    const own = await RedisServer.start(findRedisServer()!);
    try {
      const [closed] = await startThree((config) => (config.cache.enabled = true), { redisUrl: own.url(0) });
      const [open] = await startThree((config) => (config.cache.enabled = true), { redisUrl: own.url(0), onStorageError: 'open' });
      const item = { scope: 'rpm:key_test', windowMs: 60_000, amount: 1, limit: 10 };
      assert.equal((await closed!.running.storage!.rateCounters.reserve([item], Date.now())).granted, true);
      await own.kill();
      const served = await chat(closed!.url, 'none', { temperature: 0.5 });
      assert.equal(served.status, 200, 'calls keep flowing without Redis');
      assert.equal(served.headers.get('x-switchyard-cache'), 'miss', 'the cache is bypassed');
      await served.arrayBuffer();
      await assert.rejects(closed!.running.storage!.rateCounters.reserve([item], Date.now()), StorageUnavailableError, 'closed: refused');
      assert.equal((await open!.running.storage!.rateCounters.reserve([item], Date.now())).granted, true, 'open: let through');
      const health = (await (await fetch(`${closed!.url}/_switchyard/health`)).json()) as { status: string; problems?: string[] };
      assert.equal(health.status, 'degraded');
      assert.ok(health.problems?.some((problem) => /Redis/.test(problem) && /refuse/.test(problem)), JSON.stringify(health));
      await own.resume();
      await eventually(async () => ((await (await fetch(`${closed!.url}/_switchyard/health`)).json()) as { status: string }).status === 'ok', 'Redis is back in /health', 15_000);
      assert.equal((await closed!.running.storage!.rateCounters.reserve([item], Date.now())).granted, true);
      const stored = await chat(closed!.url, 'none', { temperature: 0.25 });
      await stored.arrayBuffer();
      await eventually(async () => {
        const again = await chat(open!.url, 'none', { temperature: 0.25 });
        await again.arrayBuffer();
        return again.headers.get('x-switchyard-cache') === 'hit';
      }, 'the shared cache works again');
    } finally {
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
      await own.close();
    }
  });

  it('switchyard migrate copies a solo data folder (records, keys, spend, audit) into PostgreSQL, and again copies nothing twice', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-migrate-'));
    try {
      const solo = await TestProxy.start(
        (config) => {
          config.providers.groq = { baseUrl: fake.url('/v1') };
          config.prices = structuredClone(prices);
          config.audit.enabled = true;
          config.budgets = [{ name: 'daily', match: {}, limitUsd: 10, period: 'day', action: 'block' }];
        },
        { ...testKeys },
        {},
        { dataDir },
      );
      let key: string;
      try {
        key = (await control<{ key: string }>(solo, 'POST', '/keys', { name: 'laptop', rpm: 100, redaction: { mode: 'block', detectors: ['email'] } })).json.key;
        for (let call = 0; call < 3; call += 1) assert.equal((await chat(solo.url, key)).status, 200);
        await solo.record(3);
      } finally {
        await solo.close();
      }
      const migrate = (): Promise<{ code: number | null; stdout: string; stderr: string }> => runCli(['migrate', '--data-dir', dataDir, '--postgres-url', team.postgresUrl]);
      const first = await migrate();
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /3 records, 1 access keys, \$0\.036000 of new spend over 1 budget periods, [1-9]\d* audit entries/);
      const again = await migrate();
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /: 0 records, 0 access keys, \$0\.000000 of new spend over 0 budget periods, 0 audit entries/, 'a second run says it copied nothing');

      const [proxy] = await startThree((config) => {
        config.audit.enabled = true;
        config.budgets = [{ name: 'daily', match: {}, limitUsd: 10, period: 'day', action: 'block' }];
      });
      assert.equal((await chat(proxy!.url, key)).status, 200, 'the solo key works on the team proxy');
      assert.equal((await chat(proxy!.url, 'none')).status, 401, 'and keys are required, as they were');
      const keys = await control<{ keys: Array<{ name: string; rpm?: number; redaction?: unknown }> }>(proxy!, 'GET', '/keys');
      assert.deepEqual(keys.json.keys.map((entry) => [entry.name, entry.rpm, entry.redaction]), [['laptop', 100, { mode: 'block', detectors: ['email'] }]], 'with their limits and redaction');
      const listed = await control<RecentResponse>(proxy!, 'GET', '/requests?limit=100');
      assert.ok(listed.json.records.length >= 3);
      // The solo proxy's $0.036 and the team proxy's one call since ($0.012).
      await eventually(async () => {
        const budgets = await control<{ budgets: Array<{ name: string; spentUsd: number }> }>(proxy!, 'GET', '/budgets');
        return Math.abs(budgets.json.budgets.find((budget) => budget.name === 'daily')!.spentUsd - 0.048) < 1e-9;
      }, 'the budget shows the solo spend and the new call');
      const audited = await proxy!.running.storage!.auditSink.recent({ limit: 1000 });
      assert.ok(audited.some((entry) => entry.requestId === listed.json.records.at(-1)!.id), 'the solo audit entries are in PostgreSQL');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** The built `switchyard` command line, in a process of its own. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve(__dirname, '../../bin/switchyard.js'), ...args], { env: { ...process.env, ...testKeys } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
