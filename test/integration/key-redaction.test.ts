import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy, controlToken, testKeys } from './harness';
import { useFake, weatherReply } from './fake-providers';
import type { SwitchyardConfig } from '../../proxy/config/config';

// Issue 11, item 1: redaction per access key, over the config's and a rule's; the most specific wins.

const bin = path.resolve(__dirname, '../../bin/switchyard.js');
const model = 'groq/llama-3.3-70b-versatile';
const email = 'jane.doe@acme-corp.io';
const awsKey = 'AKIAIOSFODNN7EXAMPLE';
const prompt = `Mail ${email} the key ${awsKey}, please.`;

async function control<T>(proxy: TestProxy, method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${proxy.url}/_switchyard${route}`, {
    method,
    headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
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

async function eventually(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await ready())) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('redaction per access key (issue 11)', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let proxy: TestProxy | undefined;
  const dirs: string[] = [];

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
  });
  after(() => fake.close());
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function start(configure: (config: SwitchyardConfig) => void, dataDir?: string): Promise<TestProxy> {
    proxy = await TestProxy.start(
      (config) => {
        useFake(config, fake);
        configure(config);
      },
      { ...testKeys },
      {},
      { dataDir },
    );
    return proxy;
  }

  async function createKey(running: TestProxy, body: Record<string, unknown>): Promise<string> {
    const created = await control<{ key: string }>(running, 'POST', '/keys', body);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    return created.json.key;
  }

  /** The same request under each key; what reached the provider, or the refusal's status. */
  async function send(running: TestProxy, key: string, requested = model): Promise<{ status: number; upstream?: string }> {
    const before = fake.requests.length;
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: requested, messages: [{ role: 'user', content: prompt }] }),
    });
    await response.text();
    if (fake.requests.length === before) return { status: response.status };
    return { status: response.status, upstream: fake.last.raw.toString('utf8') };
  }

  it('two keys, the same request: the one with redaction on is redacted, the other sent as written', async () => {
    const running = await start(() => {});
    const careful = await createKey(running, { name: 'careful', redaction: { mode: 'redact' } });
    const plain = await createKey(running, { name: 'plain' });
    const redacted = await send(running, careful);
    assert.equal(redacted.status, 200);
    assert.ok(!redacted.upstream!.includes(email) && !redacted.upstream!.includes(awsKey), redacted.upstream);
    assert.ok(redacted.upstream!.includes('<EMAIL_1>') && redacted.upstream!.includes('<AWS_KEY_1>'), redacted.upstream);
    const sent = await send(running, plain);
    assert.equal(sent.status, 200);
    assert.ok(sent.upstream!.includes(email) && sent.upstream!.includes(awsKey), 'the key without redaction is sent as written');
    const [first, second] = [await running.record(1), await running.record(2)];
    assert.deepEqual([first.keyLabel, first.redactions], ['careful', { secrets: 1, email: 1 }]);
    assert.deepEqual([second.keyLabel, second.redactions], ['plain', undefined]);
    const listed = await control<{ keys: Array<{ name: string; redaction?: unknown }> }>(running, 'GET', '/keys');
    assert.deepEqual(listed.json.keys.map((key) => [key.name, key.redaction]), [['careful', { mode: 'redact' }], ['plain', undefined]]);
  });

  it('the key wins over the rule, the rule over the config, field by field; a change over the control API applies at once', async () => {
    const running = await start((config) => {
      config.redaction.mode = 'redact';
      config.rules = [{ match: { model: 'strict' }, route: model, redaction: { mode: 'block' } }];
    });
    const trusted = await createKey(running, { name: 'trusted', redaction: { mode: 'off' } });
    const locked = await createKey(running, { name: 'locked', redaction: 'block' });
    const secretsOnly = await createKey(running, { name: 'secrets-only', redaction: { detectors: ['secrets'] } });
    const ordinary = await createKey(running, { name: 'ordinary' });
    // The config's redact for a key with nothing of its own; the rule's block over it.
    assert.ok((await send(running, ordinary)).upstream!.includes('<EMAIL_1>'));
    assert.equal((await send(running, ordinary, 'strict')).status, 400);
    // A key's own mode wins over the config's and over the rule's.
    const off = await send(running, trusted, 'strict');
    assert.equal(off.status, 200);
    assert.ok(off.upstream!.includes(email) && off.upstream!.includes(awsKey));
    assert.equal((await send(running, locked)).status, 400);
    // Detectors alone: the mode still comes from the config (redact) or the rule (block).
    const onlySecrets = await send(running, secretsOnly);
    assert.ok(onlySecrets.upstream!.includes(email) && onlySecrets.upstream!.includes('<AWS_KEY_1>'), onlySecrets.upstream);
    assert.equal((await send(running, secretsOnly, 'strict')).status, 400);
    // Back to the config's mode: the key is redacted like everyone.
    const updated = await control<{ redaction?: unknown }>(running, 'PATCH', '/keys/trusted', { redaction: { mode: null } });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.redaction, undefined);
    assert.ok((await send(running, trusted)).upstream!.includes('<EMAIL_1>'));
    const bad = await control<{ error: { message: string } }>(running, 'PATCH', '/keys/trusted', { redaction: { mode: 'mask' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /redaction.mode must be one of off, redact, block/);
  });

  it("the config's redaction.keys by label or name, with a named key's own setting over its entry", async () => {
    const running = await start((config) => {
      config.accessKeys = ['sy-config-key-for-tests-0001'];
      config.redaction.keys = { 'config key 1': { mode: 'block' }, ci: { mode: 'block', detectors: ['email'] } };
    });
    assert.equal((await send(running, 'sy-config-key-for-tests-0001')).status, 400);
    const ci = await createKey(running, { name: 'ci', redaction: { mode: 'redact' } });
    // The key's own mode over its config entry; the entry's detectors stay.
    const sent = await send(running, ci);
    assert.equal(sent.status, 200);
    assert.ok(sent.upstream!.includes('<EMAIL_1>') && sent.upstream!.includes(awsKey), sent.upstream);
    // The official SDK, as a tool would call: the placeholder is restored in its answer.
    fake.reply(() => ({ json: { id: 'c', object: 'chat.completion', created: 1, model: 'llama-3.3-70b-versatile', choices: [{ index: 0, message: { role: 'assistant', content: 'Mailed <EMAIL_1>.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } } }));
    try {
      const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: ci });
      const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }] });
      assert.equal(answer.choices[0]!.message.content, `Mailed ${email}.`);
    } finally {
      fake.reply(weatherReply);
    }
  });

  it("a caller cannot leave its key out to escape the config's redaction.keys entry for it", async () => {
    const running = await start((config) => {
      config.redaction.keys = { 'ci-bot': { mode: 'block' } };
    });
    // The key restricts nothing itself: only the config's entry names it.
    const bot = await createKey(running, { name: 'ci-bot' });
    assert.equal((await send(running, bot)).status, 400, 'the key is blocked by its entry');
    for (const keyless of ['', 'made-up']) {
      const before = fake.requests.length;
      const response = await fetch(`${running.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(keyless === '' ? {} : { authorization: `Bearer ${keyless}` }) },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] }),
      });
      assert.equal(response.status, 401, `a call with ${keyless === '' ? 'no key' : 'a made-up key'} is refused`);
      assert.equal(fake.requests.length, before, 'nothing reached the provider');
    }
  });

  it('`switchyard keys create|update --redaction` sets it from the CLI, and a running proxy follows', async function () {
    // Five CLI processes, each a Node start: 3 s alone, past 30 s once at a load of 10+.
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-key-redaction-'));
    dirs.push(dir);
    const running = await start(() => {}, dir);
    const created = await run(['keys', 'create', 'aider', '--redaction', 'block', '--redaction-detectors', 'secrets,email', '--data-dir', dir]);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    await eventually(async () => (await send(running, key)).status === 400, 'the new key is blocked');
    const listed = await run(['keys', 'list', '--json', '--data-dir', dir]);
    assert.deepEqual((JSON.parse(listed.stdout) as { keys: Array<{ redaction: unknown }> }).keys[0]!.redaction, { mode: 'block', detectors: ['secrets', 'email'] });
    const table = await run(['keys', 'list', '--data-dir', dir]);
    assert.match(table.stdout, /redaction: block \(secrets, email\)/);
    const updated = await run(['keys', 'update', 'aider', '--redaction', 'redact', '--data-dir', dir]);
    assert.equal(updated.code, 0, updated.stderr);
    await eventually(async () => (await send(running, key)).upstream?.includes('<EMAIL_1>') === true, 'the key is redacted, no longer blocked');
    const cleared = await run(['keys', 'update', 'aider', '--redaction', 'config', '--redaction-detectors', 'config', '--data-dir', dir]);
    assert.equal(cleared.code, 0, cleared.stderr);
    await eventually(async () => (await send(running, key)).upstream?.includes(email) === true, "the key follows the config's (off) again");
    const bad = await run(['keys', 'update', 'aider', '--redaction-detectors', 'ssn', '--data-dir', dir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /redaction.detectors must be a non-empty list of secrets, email/);
  });
});
