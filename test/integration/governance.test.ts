import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicEvents } from '../fakes/anthropic-replies';
import { TestProxy, controlToken, testKeys } from './harness';
import { openDatabase } from '../../proxy/store/sqlite/open-database';
import type { SwitchyardConfig } from '../../proxy/config/config';
import type { RequestRecord } from '../../proxy/store/request-record';

const bin = path.resolve(__dirname, '../../bin/switchyard.js');
const model = 'groq/llama-3.3-70b-versatile';
/** $1 per thousand tokens in and out: a call's cost is easy to reason about. */
const knownPrices = { [model]: { input: 1000, output: 1000 }, 'anthropic/claude-haiku-4-5': { input: 1000, output: 1000 } };

async function control<T>(proxy: { url: string }, method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${proxy.url}/_switchyard${route}`, {
    method,
    headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function eventually(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!(await ready())) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function chat(url: string, apiKey: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...testKeys } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('governance: named keys, allow-lists, budgets, rate limits', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let other: FakeUpstream;
  const proxies: TestProxy[] = [];
  const dirs: string[] = [];

  before(async () => {
    [fake, other] = await Promise.all([FakeUpstream.start(), FakeUpstream.start()]);
  });
  beforeEach(() => {
    fake.requests.length = 0;
    other.requests.length = 0;
    fake.reply((request) =>
      request.json?.stream === true
        ? { chunks: chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: 10, completion: 2 } }) }
        : { json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: 10, completion: 2 } }) },
    );
    other.reply(() => ({ status: 500, json: { error: { message: 'down', type: 'server_error' } } }));
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  after(async () => {
    await Promise.all([fake.close(), other.close()]);
  });

  function configure(config: SwitchyardConfig): void {
    config.providers.groq = { baseUrl: fake.url('/v1') };
    config.providers.anthropic = { baseUrl: other.url('') };
    config.providers.flaky = { type: 'openai-compatible', baseUrl: other.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
    config.prices = structuredClone(knownPrices);
    config.aliases.smart = 'anthropic/claude-haiku-4-5';
    config.routes.both = { strategy: 'fallback', targets: ['anthropic/claude-haiku-4-5', model], retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 }, timeouts: { connectMs: 5000, idleMs: 5000 } };
    config.routes.flakyFirst = { strategy: 'fallback', targets: ['flaky/model-x', model], retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 }, timeouts: { connectMs: 5000, idleMs: 5000 } };
  }

  async function start(more: (config: SwitchyardConfig) => void = () => {}, dataDir?: string): Promise<TestProxy> {
    const proxy = await TestProxy.start(
      (config) => {
        configure(config);
        more(config);
      },
      { ...testKeys },
      {},
      { dataDir },
    );
    proxies.push(proxy);
    return proxy;
  }

  function dataDir(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-governance-'));
    dirs.push(dir);
    return dir;
  }

  async function createKey(proxy: TestProxy, body: Record<string, unknown>): Promise<string> {
    const created = await control<{ key: string }>(proxy, 'POST', '/keys', body);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.match(created.json.key, /^sy-[A-Za-z0-9_-]{32,}$/);
    return created.json.key;
  }

  it('creates, lists, updates and revokes named keys over the control API; a revoked key gets 401 in the client format', async () => {
    const proxy = await start();
    const key = await createKey(proxy, { name: 'cline', models: ['groq/*'], budget: '5/day', rpm: 100 });
    assert.equal((await chat(proxy.url, key)).status, 200);
    const record = await proxy.record(1);
    assert.equal(record.keyLabel, 'cline');
    const listed = await control<{ keys: Array<Record<string, unknown>> }>(proxy, 'GET', '/keys');
    assert.equal(listed.json.keys.length, 1);
    assert.deepEqual([listed.json.keys[0]!.name, listed.json.keys[0]!.models, listed.json.keys[0]!.budget, listed.json.keys[0]!.rpm], ['cline', ['groq/*'], { limitUsd: 5, period: 'day' }, 100]);
    assert.ok(!JSON.stringify(listed.json).includes(key), 'the key is never listed');
    const updated = await control<Record<string, unknown>>(proxy, 'PATCH', '/keys/cline', { rpm: null, tpm: 5000 });
    assert.deepEqual([updated.json.rpm, updated.json.tpm], [undefined, 5000]);
    assert.equal((await control(proxy, 'POST', '/keys', { name: 'cline' })).status, 409);
    assert.equal((await control(proxy, 'DELETE', '/keys/cline')).status, 200);
    const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: key, maxRetries: 0 });
    await assert.rejects(anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.AuthenticationError);
      assert.match(error.message, /access key 'cline' was revoked/);
      return true;
    });
    assert.equal((await control(proxy, 'DELETE', '/keys/cline')).status, 404);
  });

  it('requires a key only once some named key restricts something; a key that only names its caller locks nobody out', async () => {
    const proxy = await start();
    const naming = await createKey(proxy, { name: 'my-project' });
    assert.equal((await chat(proxy.url, 'anything')).status, 200, 'no key required yet');
    assert.equal((await chat(proxy.url, naming)).status, 200);
    assert.equal((await proxy.record(2)).keyLabel, 'my-project', 'the call is attributed to the key');
    await createKey(proxy, { name: 'limited', rpm: 100 });
    assert.equal((await chat(proxy.url, 'anything')).status, 401, 'a limited key exists: a key is required');
    assert.equal((await chat(proxy.url, naming)).status, 200);
  });

  it('a CI bot cannot leave its key out to escape its budget, whether the budget is the key\'s own or a config budget on the key', async () => {
    const own = await start();
    const bot = await createKey(own, { name: 'ci-bot', budget: '5/day' });
    assert.equal((await chat(own.url, bot)).status, 200);
    for (const keyless of [undefined, 'made-up']) {
      const response = await fetch(`${own.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(keyless === undefined ? {} : { authorization: `Bearer ${keyless}` }) },
        body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.status, 401, `a call with ${keyless ?? 'no key'} is refused`);
    }
    // The key restricts nothing itself; a config budget names it.
    const byConfig = await start((config) => {
      config.budgets = [{ name: 'ci', match: { key: 'ci-bot' }, limitUsd: 5, period: 'day', action: 'block' }];
    });
    const plainBot = await createKey(byConfig, { name: 'ci-bot' });
    assert.equal((await chat(byConfig.url, plainBot)).status, 200);
    assert.equal((await chat(byConfig.url, 'anything')).status, 401, 'a config budget on a key makes the key required');
  });

  it('keeps an allow-list on the resolved provider/model: aliases and routes cannot smuggle a model, /v1/models shows only what the key may call', async () => {
    const proxy = await start();
    const key = await createKey(proxy, { name: 'ci-bot', models: ['groq/*'] });
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: key, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.PermissionDeniedError);
      assert.match(error.message, /'ci-bot' may not call the model anthropic\/claude-haiku-4-5\. It may call: groq\/\*/);
      return true;
    });
    const viaRoute = await client.chat.completions.create({ model: 'both', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(viaRoute.choices[0]?.message.content, 'Hello there.');
    assert.equal(other.requests.length, 0, 'the forbidden target was never called');
    const record = proxy.records.find((entry) => entry.status === 200)!;
    const skipped = record.decision?.candidates.find((candidate) => candidate.target === 'anthropic/claude-haiku-4-5');
    assert.deepEqual([skipped?.outcome, skipped?.reason], ['skipped', "not allowed for key 'ci-bot'"]);
    const models = await client.models.list();
    const ids = models.data.map((entry) => entry.id);
    assert.ok(ids.includes(model), 'its allowed model is listed');
    assert.ok(!ids.includes('smart') && !ids.some((id) => id.startsWith('claude-')), `only allowed models are listed: ${ids.join(', ')}`);
  });

  it('refuses the call that would cross a budget with a 402 the SDKs do not retry, naming budget, spend, limit and reset', async () => {
    const proxy = await start((config) => {
      config.budgets = [{ name: 'tiny', match: {}, limitUsd: 0.05, period: 'day', action: 'block' }];
    });
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'none', maxRetries: 2 });
    const first = await client.chat.completions.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(first.choices[0]?.message.content, 'Hello there.');
    await assert.rejects(client.chat.completions.create({ model, max_tokens: 30, messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 402);
      assert.match(error.message, /budget 'tiny' has \$0\.0\d+ spent or reserved of its \$0\.0500 limit per day; it resets at \d{4}-/);
      return true;
    });
    await proxy.record(2);
    assert.equal(proxy.records.length, 2, 'the SDK did not retry the 402');
    assert.equal(fake.requests.length, 1, 'the refused call never reached the provider');
    assert.equal(proxy.records[1]!.budget?.refusedBy, 'tiny');
    const budgets = await control<{ budgets: Array<{ name: string; spentUsd: number; limitUsd: number; resetsAt: string }> }>(proxy, 'GET', '/budgets');
    await eventually(async () => (await control<{ budgets: Array<{ spentUsd: number }> }>(proxy, 'GET', '/budgets')).json.budgets[0]!.spentUsd > 0, 'spend booked');
    assert.equal(budgets.json.budgets[0]!.name, 'tiny');
    assert.equal(budgets.json.budgets[0]!.limitUsd, 0.05);
  });

  it('serves past a warn budget and marks the record; announces a blocking budget once per period', async () => {
    const proxy = await start((config) => {
      config.budgets = [
        { name: 'soft', match: {}, limitUsd: 0.01, period: 'day', action: 'warn' },
        { name: 'hard', match: { model: 'groq/*' }, limitUsd: 0.2, period: 'day', action: 'block' },
      ];
    });
    const blocked: unknown[] = [];
    proxy.runtime.events.on('budget', (event) => blocked.push(event));
    assert.equal((await chat(proxy.url, 'none')).status, 200);
    const first = await proxy.record(1);
    assert.deepEqual(first.budget?.warned, ['soft'], 'the worst case already crosses $0.01');
    assert.deepEqual(first.budget?.budgets, ['soft', 'hard']);
    const big = { max_tokens: 190 };
    assert.equal((await chat(proxy.url, 'none', big)).status, 402);
    assert.equal((await chat(proxy.url, 'none', big)).status, 402);
    assert.equal(blocked.length, 1, 'announced once');
    assert.deepEqual(Object.keys(blocked[0] as object).sort(), ['budget', 'limitUsd', 'period', 'resetsAt', 'spentUsd']);
  });

  it('counts a warn budget\'s spend exactly under concurrency, announces its crossing once, and knows its spend after a restart', async () => {
    const dir = dataDir();
    const soft = (config: SwitchyardConfig): void => {
      config.budgets = [{ name: 'soft', match: {}, limitUsd: 1, period: 'day', action: 'warn' }];
    };
    const proxy = await start(soft, dir);
    const lines: string[] = [];
    proxy.runtime.events.on('log', (line) => lines.push(line.message));
    // 150 calls at once, $0.012 each (12 tokens at $1 per thousand): $1.80 against a $1 warning.
    const statuses = await Promise.all(
      Array.from({ length: 150 }, async () => {
        const response = await chat(proxy.url, 'none');
        await response.arrayBuffer();
        return response.status;
      }),
    );
    assert.ok(statuses.every((status) => status === 200), 'a warn budget never refuses');
    await proxy.record(150);
    assert.ok(Math.abs(proxy.records.reduce((sum, record) => sum + (record.costUsd ?? 0), 0) - 1.8) < 1e-9);
    await eventually(async () => Math.abs((await control<{ budgets: Array<{ spentUsd: number }> }>(proxy, 'GET', '/budgets')).json.budgets[0]!.spentUsd - 1.8) < 1e-9, 'the ledger holds exactly $1.80', 10_000);
    assert.equal(lines.filter((line) => /budget 'soft' \(warn\) passed its \$1 limit per day/.test(line)).length, 1, 'announced once');
    // Unmarked calls were all reserved under the limit, so together they cost at most $1.
    const unmarked = proxy.records.filter((record) => record.budget?.warned === undefined).length;
    assert.ok(unmarked >= 1 && unmarked * 0.012 <= 1, `${unmarked} calls not marked`);
    proxies.splice(proxies.indexOf(proxy), 1);
    await proxy.close();
    // A new process reads the spend so far before its first call: already past the limit.
    const again = await start(soft, dir);
    assert.equal((await chat(again.url, 'none')).status, 200);
    assert.deepEqual((await again.record(1)).budget?.warned, ['soft']);
  });

  it('reserves and settles an assumed price for a model with none, and says so in the record', async () => {
    const proxy = await start((config) => {
      config.providers.local = { type: 'openai-compatible', baseUrl: fake.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.budgets = [{ name: 'daily', match: {}, limitUsd: 0.12, period: 'day', action: 'block' }];
      config.budgetEstimate = { defaultMaxOutputTokens: 4096, unpricedCallUsd: 0.05 };
    });
    const body = { model: 'local/unpriced-model' };
    assert.equal((await chat(proxy.url, 'none', body)).status, 200);
    assert.equal((await chat(proxy.url, 'none', body)).status, 200);
    assert.equal((await chat(proxy.url, 'none', body)).status, 402, 'a third $0.05 would cross $0.12');
    const record = await proxy.record(1);
    assert.equal(record.costUsd, null);
    assert.deepEqual([record.budget?.reservedUsd, record.budget?.settledUsd, record.budget?.assumedPrice], [0.05, 0.05, true]);
  });

  it('settles to the real cost after streamed and non-streamed calls, and after a fallback', async () => {
    const proxy = await start((config) => {
      config.budgets = [{ name: 'daily', match: {}, limitUsd: 10, period: 'day', action: 'block' }];
    });
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await client.chat.completions.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const stream = await client.chat.completions.create({ model, max_tokens: 10, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    for await (const _chunk of stream) void _chunk;
    await client.chat.completions.create({ model: 'flakyFirst', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const records: RequestRecord[] = [await proxy.record(1), await proxy.record(2), await proxy.record(3)];
    for (const record of records) {
      assert.equal(record.status, 200);
      assert.ok(record.budget !== undefined, 'the record carries the budget check');
      assert.equal(record.budget.settledUsd, record.costUsd, 'settled to the real cost (12 tokens at $1/k)');
      assert.equal(record.costUsd, 0.012);
      assert.deepEqual(record.budget.budgets, ['daily']);
      assert.ok(record.budget.reservedUsd >= 0.012);
    }
    // The failed first attempt of the fallback reserved too, and settled to nothing.
    assert.ok(records[2]!.budget!.reservedUsd > records[0]!.budget!.reservedUsd * 1.5, 'both attempts reserved');
    await eventually(async () => Math.abs((await control<{ budgets: Array<{ spentUsd: number }> }>(proxy, 'GET', '/budgets')).json.budgets[0]!.spentUsd - 0.036) < 1e-9, 'three calls booked');
  });

  it('settles a call the client abandoned to its partial usage', async () => {
    const proxy = await start((config) => {
      config.budgets = [{ name: 'daily', match: {}, limitUsd: 10, period: 'day', action: 'block' }];
      config.providers.anthropic = { baseUrl: fake.url('') };
    });
    const events = anthropicEvents({ model: 'claude-haiku-4-5', text: 'A long answer that never ends', usage: { input: 40, output: 1 } });
    // message_start (with the input usage) and the first delta, then silence.
    fake.reply(() => ({ chunks: events.slice(0, 3), hang: true }));
    const abort = new AbortController();
    const response = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      signal: abort.signal,
      headers: { 'x-api-key': 'none', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    const record = await proxy.record(1);
    assert.ok(record.budget !== undefined);
    assert.ok(record.budget.reservedUsd > 1, 'the worst case (1000 output tokens) was reserved');
    assert.ok(record.budget.settledUsd < 0.1, `settled to the partial usage, not the reservation: ${record.budget.settledUsd}`);
    assert.equal(record.budget.settledUsd, record.costUsd);
  });

  it('answers 429 with Retry-After past a key\'s rpm and tpm, and refuses a call larger than its tpm', async () => {
    const proxy = await start();
    const limited = await createKey(proxy, { name: 'loop', rpm: 2 });
    assert.equal((await chat(proxy.url, limited)).status, 200);
    assert.equal((await chat(proxy.url, limited)).status, 200);
    const third = await chat(proxy.url, limited);
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    assert.match(((await third.json()) as { error: { message: string } }).error.message, /'loop' is limited to 2 requests per minute/);
    const tokens = await createKey(proxy, { name: 'tokens', tpm: 100 });
    assert.equal((await chat(proxy.url, tokens, { max_tokens: 40 })).status, 200);
    const second = await chat(proxy.url, tokens, { max_tokens: 40 });
    // The first settled to 12 tokens: the second fits.
    assert.equal(second.status, 200);
    const big = await chat(proxy.url, tokens, { max_tokens: 70 });
    assert.equal(big.status, 429);
    assert.ok(Number(big.headers.get('retry-after')) >= 1);
    assert.equal((await chat(proxy.url, tokens, { max_tokens: 500 })).status, 400);
  });

  it('takes a busy key\'s rate leases about once per lease life, not every few calls, when its calls use more tokens than estimated', async () => {
    // A cached prompt counts more tokens than its bytes suggest: ~40 estimated, 402 counted.
    fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: 400, completion: 2 } }) }));
    const dir = dataDir();
    const proxy = await start(() => {}, dir);
    const key = await createKey(proxy, { name: 'busy', rpm: 1_000_000, tpm: 1_000_000_000 });
    const started = Date.now();
    let sent = 0;
    // 200 calls: past the doubling (log2 of them) into leases per lease life, in ~1 s alone and
    // well inside the timeout on a loaded machine (400 took 28 s of the 30 at load 15).
    const calls = 200;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (sent < calls) {
          sent++;
          const response = await chat(proxy.url, key);
          assert.equal(response.status, 200);
          await response.arrayBuffer();
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await proxies.splice(proxies.indexOf(proxy), 1)[0]!.close();
    // Every lease is a row (and a store transaction): count them once the proxy is gone.
    const opened = openDatabase(dir);
    try {
      const leases = (scope: string): number => Number(opened.database.get('SELECT COUNT(*) AS n FROM rate_entries WHERE scope LIKE ?', [`${scope}:%`])?.n);
      // Doubling up to the load (log2 of the calls), then one per lease life (1 s) and account.
      const bound = 12 + 2 * Math.ceil(seconds);
      assert.ok(leases('tpm') <= bound, `${leases('tpm')} tpm leases for ${calls} calls in ${seconds} s`);
      assert.ok(leases('rpm') <= bound, `${leases('rpm')} rpm leases for ${calls} calls in ${seconds} s`);
    } finally {
      opened.database.close();
      opened.lock.release();
    }
  });

  it('shares a key\'s rpm across two proxy processes on one data folder: exactly the limit is admitted', async () => {
    const dir = dataDir();
    const inProcess = await start(() => {}, dir);
    const key = await createKey(inProcess, { name: 'shared', rpm: 20 });
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } }, prices: knownPrices }));
    const child = await serveChild(['--port', '0', '--data-dir', dir, '--config', configFile]);
    try {
      // Each process alone would admit 20 (the old per-process windows: 40 in all).
      const statuses = await Promise.all(
        Array.from({ length: 50 }, async (_, index) => {
          const response = await chat(index % 2 === 0 ? inProcess.url : child.url, key);
          await response.arrayBuffer();
          return response.status;
        }),
      );
      assert.deepEqual([...new Set(statuses)].sort(), [200, 429]);
      assert.equal(statuses.filter((status) => status === 200).length, 20);
      assert.equal(fake.requests.length, 20);
    } finally {
      await stopChild(child.child);
    }
  });

  it('keeps spend across a restart', async () => {
    const dir = dataDir();
    const budgets = (config: SwitchyardConfig): void => {
      config.budgets = [{ name: 'monthly', match: { provider: 'groq' }, limitUsd: 3, period: 'month', action: 'block' }];
    };
    const first = await start(budgets, dir);
    assert.equal((await chat(first.url, 'none')).status, 200);
    await first.record(1);
    proxies.splice(proxies.indexOf(first), 1);
    await first.close();
    const second = await start(budgets, dir);
    const listed = await control<{ budgets: Array<{ name: string; spentUsd: number; reservedUsd: number }> }>(second, 'GET', '/budgets');
    assert.deepEqual(listed.json.budgets.map((budget) => [budget.name, budget.spentUsd, budget.reservedUsd]), [['monthly', 0.012, 0]]);
  });

  describe('200 concurrent calls against a $1 budget', () => {
    async function fire(urls: readonly string[], count: number): Promise<{ served: number; refused: number }> {
      const statuses = await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          const response = await chat(urls[index % urls.length]!, 'none', { max_tokens: 20 });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      assert.ok(statuses.every((status) => status === 200 || status === 402), `only served or refused: ${[...new Set(statuses)].join(', ')}`);
      return { served: statuses.filter((status) => status === 200).length, refused: statuses.filter((status) => status === 402).length };
    }

    /** The body `fire` sends, and what the proxy estimates of it: a byte in four in, max_tokens out. */
    const body = JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    const estimatedInput = Math.ceil(Buffer.byteLength(body) / 4);
    /** Each call costs exactly what it reserves: the tightest case for a budget. */
    const worstCase = (): void => fake.reply(() => ({ json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: estimatedInput, completion: 20 } }) }));
    const callUsd = (estimatedInput + 20) / 1000;

    const dollar = (config: SwitchyardConfig): void => {
      config.budgets = [{ name: 'dollar', match: {}, limitUsd: 1, period: 'day', action: 'block' }];
    };

    it('never settles past $1 plus one call\'s estimate in one proxy', async () => {
      worstCase();
      const proxy = await start(dollar);
      const { served, refused } = await fire([proxy.url], 200);
      await proxy.record(200);
      const settled = proxy.records.reduce((sum, record) => sum + (record.budget?.settledUsd ?? 0), 0);
      const estimate = Math.max(...proxy.records.map((record) => record.budget?.reservedUsd ?? 0));
      assert.ok(Math.abs(estimate - callUsd) < 1e-9, `the estimate is ${estimate}`);
      assert.ok(settled <= 1 + estimate, `settled $${settled}, estimate $${estimate}`);
      // Exact, not merely safe: every call that fitted under the limit was served.
      assert.equal(served, Math.floor(1 / callUsd));
      assert.equal(refused, 200 - served);
    });

    it('never settles past $1 plus one call\'s estimate across two proxy processes on one data folder', async () => {
      worstCase();
      const dir = dataDir();
      const inProcess = await start(dollar, dir);
      const config: Record<string, unknown> = {
        providers: { groq: { baseUrl: fake.url('/v1') } },
        prices: knownPrices,
        budgets: [{ name: 'dollar', limitUsd: 1, period: 'day' }],
      };
      const configFile = path.join(dir, 'config.json');
      writeFileSync(configFile, JSON.stringify(config));
      const child = await serveChild(['--port', '0', '--data-dir', dir, '--config', configFile]);
      try {
        await fire([inProcess.url, child.url], 200);
        await inProcess.record(100);
      } finally {
        await stopChild(child.child);
      }
      // Both processes booked their spend and gave their leases back at stop.
      const upstreamCalls = fake.requests.length;
      const settledUsd = upstreamCalls * callUsd;
      const listed = await control<{ budgets: Array<{ spentUsd: number; reservedUsd: number }> }>(inProcess, 'GET', '/budgets');
      await eventually(async () => Math.abs((await control<{ budgets: Array<{ spentUsd: number }> }>(inProcess, 'GET', '/budgets')).json.budgets[0]!.spentUsd - settledUsd) < 1e-6, `the ledger shows every call's spend (${settledUsd}, was ${listed.json.budgets[0]!.spentUsd})`);
      assert.ok(settledUsd <= 1 + callUsd, `settled $${settledUsd} across both processes`);
      // Leases come back within a sync, so the two together still serve nearly all that fits.
      assert.ok(upstreamCalls >= Math.floor(1 / callUsd) - 2, `served ${upstreamCalls} of ${Math.floor(1 / callUsd)}`);
    });
  });

  it('never under-counts after a crash: a SIGKILLed proxy\'s lease counts as spent, and the restarted proxy cannot overshoot', async () => {
    const body = JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    const estimatedInput = Math.ceil(Buffer.byteLength(body) / 4);
    const callUsd = (estimatedInput + 20) / 1000;
    // Each call costs what it reserves, and takes a moment: calls are in flight at the kill.
    fake.reply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { json: chatCompletionJson({ model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: estimatedInput, completion: 20 } }) };
    });
    const dir = dataDir();
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } }, prices: knownPrices, budgets: [{ name: 'dollar', limitUsd: 1, period: 'day' }] }));
    const child = await serveChild(['--port', '0', '--data-dir', dir, '--config', configFile]);
    let killed = false;
    const exited = new Promise((resolve) => child.child.once('exit', resolve));
    const traffic = Array.from({ length: 4 }, async () => {
      while (!killed) {
        try {
          await (await chat(child.url, 'none', { max_tokens: 20 })).arrayBuffer();
        } catch {
          // The connection died with the process.
        }
      }
    });
    await eventually(() => fake.requests.length >= 8, 'calls reach the provider', 10_000);
    child.child.kill('SIGKILL');
    killed = true;
    await exited;
    await Promise.all(traffic);
    const beforeRestart = fake.requests.length;
    assert.ok(beforeRestart * callUsd < 1, 'killed before the budget was spent');
    const restarted = await start((config) => {
      config.budgets = [{ name: 'dollar', match: {}, limitUsd: 1, period: 'day', action: 'block' }];
    }, dir);
    const standing = await control<{ budgets: Array<{ spentUsd: number }> }>(restarted, 'GET', '/budgets');
    assert.ok(standing.json.budgets[0]!.spentUsd >= beforeRestart * callUsd - 1e-9, `the ledger counts $${standing.json.budgets[0]!.spentUsd}, the provider was sent $${beforeRestart * callUsd}`);
    const statuses = await Promise.all(Array.from({ length: 40 }, async () => (await chat(restarted.url, 'none', { max_tokens: 20 })).status));
    assert.ok(statuses.includes(402), 'the restarted proxy refuses once the budget is spent');
    assert.ok(fake.requests.length * callUsd <= 1 + 1e-9, `$${fake.requests.length * callUsd} went to the provider against a $1 budget`);
  });

  it('picks up keys the CLI creates and revokes while the proxy runs', async () => {
    const dir = dataDir();
    const proxy = await start(() => {}, dir);
    const created = await run(['keys', 'create', 'aider', '--models', 'groq/*', '--budget', '2/week', '--rpm', '30', '--data-dir', dir]);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^sy-[A-Za-z0-9_-]{32,}$/);
    await eventually(async () => (await chat(proxy.url, key)).status === 200, 'the new key is accepted', 1500);
    const listed = await run(['keys', 'list', '--json', '--data-dir', dir]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key), 'list never shows the key');
    const keys = (JSON.parse(listed.stdout) as { keys: Array<{ name: string; models: string[]; rpm: number; budget: unknown }> }).keys;
    assert.deepEqual(keys.map((entry) => [entry.name, entry.models, entry.rpm, entry.budget]), [['aider', ['groq/*'], 30, { limitUsd: 2, period: 'week' }]]);
    const updated = await run(['keys', 'update', 'aider', '--rpm', 'none', '--data-dir', dir]);
    assert.equal(updated.code, 0, updated.stderr);
    const revoked = await run(['keys', 'revoke', 'aider', '--data-dir', dir]);
    assert.equal(revoked.code, 0, revoked.stderr);
    await eventually(async () => (await chat(proxy.url, key)).status === 401, 'the revoked key is refused', 1500);
    const again = await run(['keys', 'revoke', 'aider', '--data-dir', dir]);
    assert.equal(again.code, 1);
    const badBudget = await run(['keys', 'create', 'x', '--budget', '5/hour', '--data-dir', dir]);
    assert.equal(badBudget.code, 2);
    assert.match(badBudget.stderr, /USD\/PERIOD/);
  });
});

/** `switchyard serve` from the built bundle, in a process of its own. */
function serveChild(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', ...args], { env: { ...process.env, ...testKeys } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve({ child, url: match[1]! });
    });
    child.on('exit', (code) => reject(new Error(`switchyard exited with ${code}: ${stderr}`)));
  });
}

function stopChild(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
