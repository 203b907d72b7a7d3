import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { TestProxy, controlToken, testKeys } from './harness';
import type { ConfigResponse, ConfigUpdateResponse } from '../../proxy/control/protocol';
import { PostgresConfigSource } from '../../proxy/store/postgres/postgres-config-source';
import { findPostgresBinaries, requireServer, sharedPostgresServer, stopSharedServers, type PostgresServer } from '../support/servers';

// Issue 12: the team's config lives in PostgreSQL. `switchyard config push` validates and stores
// a version; every proxy started with --config-source postgres serves the newest and reloads
// within a second of a push — from the CLI or from another proxy's control API.

const upstreamModel = 'llama-3.3-70b-versatile';

after(stopSharedServers);

describe('team mode: the config in PostgreSQL, shared by three proxies', function () {
  this.timeout(60_000);
  let postgres: PostgresServer;
  let postgresUrl: string;
  let fake: FakeUpstream;
  let folder: string;
  const cleanups: Array<() => Promise<void> | void> = [];

  before(async function () {
    postgres = await sharedPostgresServer(requireServer(this, findPostgresBinaries(), 'PostgreSQL (postgres, initdb)'));
    fake = await FakeUpstream.start();
  });

  beforeEach(async () => {
    fake.requests.length = 0;
    fake.reply((request) => ({ json: chatCompletionJson({ model: String((request.json as { model?: string })?.model ?? upstreamModel), text: 'Hello.', usage: { prompt: 5, completion: 1 } }) }));
    postgresUrl = await postgres.createDatabase();
    folder = mkdtempSync(path.join(tmpdir(), 'switchyard-team-config-'));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  after(async () => {
    await fake?.close();
  });

  /** A team config: groq on the fake upstream, and `team-fast` an alias of `model`. */
  function teamConfig(model: string, more: Record<string, unknown> = {}): Record<string, unknown> {
    return { providers: { groq: { baseUrl: fake.url('/v1') } }, aliases: { 'team-fast': `groq/${model}` }, ...more };
  }

  function writeConfig(name: string, config: unknown): string {
    const file = path.join(folder, name);
    writeFileSync(file, typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`);
    return file;
  }

  /** A proxy in this process, started as `serve --config-source postgres` starts one. */
  async function startInProcess(): Promise<TestProxy> {
    const source = await PostgresConfigSource.open(postgresUrl);
    const version = await source.latest();
    const config = await source.load();
    const proxy = await TestProxy.start((defaults) => Object.assign(defaults, config), { ...testKeys }, {}, { sharedConfig: source, sharedVersion: version });
    cleanups.push(() => proxy.close());
    return proxy;
  }

  /** A proxy of its own: the built command line with --config-source postgres. */
  async function startCli(): Promise<{ url: string; output: () => string }> {
    const dataDir = mkdtempSync(path.join(folder, 'data-'));
    // No config file at all: the storage and the config source come from the flags.
    const env: NodeJS.ProcessEnv = { ...process.env, ...testKeys, SWITCHYARD_CONTROL_TOKEN: controlToken, XDG_CONFIG_HOME: folder };
    delete env.SWITCHYARD_CONFIG;
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--data-dir', dataDir, '--postgres-url', postgresUrl, '--config-source', 'postgres', '--quiet'], { env });
    cleanups.push(() => stopChild(child));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => /listening on (\S+)/.test(output) || child.exitCode !== null, 'the CLI proxy listens', 30_000);
    const url = /listening on (\S+)/.exec(output)?.[1];
    assert.ok(url, output);
    return { url, output: () => output };
  }

  it('config push validates and stores versions with who and when; invalid configs and secrets are refused, storing nothing; pull and history read them', async () => {
    const bad = writeConfig('bad.json', '{\n  "aliases": { "x": 5 }\n}\n');
    const refused = await runCli(['config', 'push', bad, '--postgres-url', postgresUrl]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /nothing stored\. The config .*bad\.json is invalid: .*aliases\.x.*\(line 2, column/);
    const withKeys = writeConfig('keys.json', { ...teamConfig(upstreamModel), accessKeys: ['sy-a-key-in-a-shared-config'] });
    const secret = await runCli(['config', 'push', withKeys, '--postgres-url', postgresUrl]);
    assert.equal(secret.code, 2);
    assert.match(secret.stderr, /accessKeys holds keys themselves.*switchyard keys create/);
    const empty = await runCli(['config', 'history', '--json', '--postgres-url', postgresUrl]);
    assert.deepEqual(JSON.parse(empty.stdout), { versions: [] }, 'nothing was stored');

    const good = writeConfig('team.json', teamConfig(upstreamModel));
    const pushed = await runCli(['config', 'push', good, '--note', 'first', '--author', 'ana@laptop', '--postgres-url', postgresUrl]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /as version 1 to PostgreSQL/);
    assert.equal((await runCli(['config', 'push', good, '--postgres-url', postgresUrl])).code, 0);
    const history = JSON.parse((await runCli(['config', 'history', '--json', '--postgres-url', postgresUrl])).stdout) as { versions: Array<{ version: number; author: string; note?: string; created: string; bytes: number }> };
    assert.deepEqual(history.versions.map((entry) => entry.version), [2, 1]);
    assert.equal(history.versions[1]!.author, 'ana@laptop');
    assert.equal(history.versions[1]!.note, 'first');
    assert.ok(Math.abs(Date.parse(history.versions[0]!.created) - Date.now()) < 60_000);
    assert.equal(history.versions[0]!.bytes, readFileSync(good).length);
    const pulled = await runCli(['config', 'pull', '--version', '1', '--postgres-url', postgresUrl]);
    assert.deepEqual(JSON.parse(pulled.stdout), teamConfig(upstreamModel));
    assert.equal((await runCli(['config', 'pull', '--version', '9', '--postgres-url', postgresUrl])).code, 1);
  });

  it('three proxies reload within a second of a push from the CLI, and of a PUT /config on any of them; invalid and secret configs are refused at the control API', async () => {
    // Version 1 before the proxies start: they begin with it.
    assert.equal((await runCli(['config', 'push', writeConfig('v1.json', teamConfig('model-one')), '--postgres-url', postgresUrl])).code, 0);
    const [a, b] = await Promise.all([startInProcess(), startInProcess()]);
    const c = await startCli();
    const proxies = [a!.url, b!.url, c.url];
    for (const url of proxies) assert.equal(await servedModel(url), 'model-one', url);

    // The CLI pushes version 2: every proxy serves it within a second (a 500 ms poll; the waits
    // below allow 2.5 s for a loaded machine's timers and process scheduling, still far inside
    // anything but the poll).
    assert.equal((await runCli(['config', 'push', writeConfig('v2.json', teamConfig('model-two')), '--postgres-url', postgresUrl])).code, 0);
    for (const url of proxies) await eventually(async () => (await configVersion(url)) === 2, `${url} reloads version 2`, 2500);
    for (const url of proxies) assert.equal(await servedModel(url), 'model-two', url);

    // The CLI proxy's control API writes version 3; the two others take it.
    const saved = await control<ConfigUpdateResponse>(c.url, 'PUT', '/config', { config: teamConfig('model-three') });
    assert.deepEqual(saved, { status: 200, json: { ok: true, problems: [] } });
    for (const url of proxies) await eventually(async () => (await configVersion(url)) === 3, `${url} reloads version 3`, 2500);
    // And the other way: an in-process proxy writes version 4, the CLI one takes it.
    assert.equal((await control<ConfigUpdateResponse>(a!.url, 'PUT', '/config', { config: teamConfig('model-four') })).status, 200);
    await eventually(async () => (await servedModel(c.url)) === 'model-four', 'the CLI proxy serves version 4', 2500);
    const read = await control<ConfigResponse>(b!.url, 'GET', '/config');
    assert.deepEqual(read.json.config, teamConfig('model-four'));
    assert.equal(read.json.shared?.version, 4);
    assert.match(read.json.shared?.author ?? '', /^control API on /);

    // Refused at the control API, nothing stored: an invalid config, and one holding keys.
    const invalid = await control<ConfigUpdateResponse>(b!.url, 'PUT', '/config', { config: { aliases: { x: 5 } } });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.json.problems[0]!.path, 'aliases.x');
    const secret = await control<ConfigUpdateResponse>(b!.url, 'PUT', '/config', { config: { ...teamConfig('model-five'), accessKeys: ['sy-secret'] } });
    assert.equal(secret.status, 400);
    assert.deepEqual(secret.json.problems.map((problem) => problem.path), ['accessKeys']);
    const history = JSON.parse((await runCli(['config', 'history', '--json', '--postgres-url', postgresUrl])).stdout) as { versions: unknown[] };
    assert.equal(history.versions.length, 4);
    for (const url of proxies) assert.equal(await servedModel(url), 'model-four');
  });

  it('a push while the proxies\' LISTEN connections are cut is still in force within a second; a broken stored version keeps the last good config', async () => {
    assert.equal((await runCli(['config', 'push', writeConfig('v1.json', teamConfig('model-one')), '--postgres-url', postgresUrl])).code, 0);
    const [a, b] = await Promise.all([startInProcess(), startInProcess()]);
    const admin = new Client({ connectionString: postgresUrl });
    await admin.connect();
    cleanups.push(() => admin.end());
    // The LISTEN connections open beside serving: wait until both proxies listen, then cut them.
    const listeners = "FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN switchyard_config'";
    await eventually(async () => Number((await admin.query(`SELECT COUNT(*) AS count ${listeners}`)).rows[0].count) === 2, 'both proxies listen', 10_000);
    const cut = await admin.query(`SELECT pg_terminate_backend(pid) ${listeners}`);
    assert.equal(cut.rowCount, 2, 'both proxies were listening');
    assert.equal((await runCli(['config', 'push', writeConfig('v2.json', teamConfig('model-two')), '--postgres-url', postgresUrl])).code, 0);
    for (const proxy of [a!, b!]) await eventually(async () => (await configVersion(proxy.url)) === 2, 'version 2 is in force', 1000);

    // A version stored behind push's back (by a newer Switchyard, say) that this build finds invalid.
    const reloads: Array<{ ok: boolean }> = [];
    a!.runtime.events.on('config', (event) => reloads.push(event));
    await admin.query("INSERT INTO config_versions (version, config, author, created) VALUES (3, '{\"aliases\": {\"x\": 5}}', 'someone', 0); NOTIFY switchyard_config, '3'");
    await eventually(() => reloads.some((event) => !event.ok), 'the broken version is reported', 1000);
    assert.equal(await servedModel(a!.url), 'model-two', 'the last good config stays in force');
    assert.equal(await configVersion(a!.url), 2);
  });

  it('a conditional push (--if-version, If-Match) is refused, storing nothing, when the stored version moved; it names the newest', async () => {
    const push = (name: string, model: string, ifVersion: string): ReturnType<typeof runCli> =>
      runCli(['config', 'push', writeConfig(name, teamConfig(model)), '--if-version', ifVersion, '--author', 'ana@laptop', '--postgres-url', postgresUrl]);
    // 0: only while nothing was pushed.
    assert.equal((await push('v1.json', 'model-one', '0')).code, 0);
    const late = await push('late.json', 'model-late', '0');
    assert.equal(late.code, 3, late.stderr);
    assert.match(late.stderr, /nothing stored: the config at PostgreSQL .* is at version 1 \(ana@laptop, .*\), not version 0 as --if-version says.*--if-version 1/);
    assert.equal((await push('v2.json', 'model-two', '1')).code, 0);
    // Two people started from version 1: the second is refused and told the version to start from.
    const second = await push('other.json', 'model-other', '1');
    assert.equal(second.code, 3);
    assert.match(second.stderr, /is at version 2 .*not version 1/);
    const bad = await push('v3.json', 'model-three', 'latest');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--if-version must be the version you started from/);
    const history = JSON.parse((await runCli(['config', 'history', '--json', '--postgres-url', postgresUrl])).stdout) as { versions: Array<{ version: number }> };
    assert.deepEqual(history.versions.map((entry) => entry.version), [2, 1]);

    // The control API: GET /config's ETag is the version; PUT with If-Match of an older one is 412.
    const proxy = await startInProcess();
    const read = await fetch(`${proxy.url}/_switchyard/config`, { headers: { authorization: `Bearer ${controlToken}` } });
    assert.equal(read.headers.get('etag'), '"2"');
    const put = (ifMatch: string, model: string): Promise<Response> =>
      fetch(`${proxy.url}/_switchyard/config`, { method: 'PUT', headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json', 'if-match': ifMatch }, body: JSON.stringify({ config: teamConfig(model) }) });
    // The CLI pushes version 3 behind the reader's back.
    assert.equal((await push('v3.json', 'model-three', '2')).code, 0);
    const stale = await put('"2"', 'model-stale');
    assert.equal(stale.status, 412);
    assert.equal(stale.headers.get('etag') !== null, true);
    const refusal = (await stale.json()) as { error: { type: string; message: string } };
    assert.equal(refusal.error.type, 'precondition_failed_error');
    assert.match(refusal.error.message, /Nothing stored: the config at PostgreSQL .* is at version 3 \(ana@laptop.*not version 2 as If-Match says.*If-Match: "3"/);
    const fresh = await put('"3"', 'model-four');
    assert.equal(fresh.status, 200, await fresh.clone().text());
    assert.equal(fresh.headers.get('etag'), '"4"');
    assert.equal((await put('*', 'model-five')).status, 200, 'If-Match: * is unconditional');
    assert.equal((await put('"4", "5"', 'model-six')).status, 400);
    const versions = JSON.parse((await runCli(['config', 'history', '--json', '--postgres-url', postgresUrl])).stdout) as { versions: Array<{ version: number }> };
    assert.deepEqual(versions.versions.map((entry) => entry.version), [5, 4, 3, 2, 1]);
  });

  async function servedModel(url: string): Promise<string> {
    const before = fake.requests.length;
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer none', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'team-fast', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await response.text();
    if (response.status !== 200) return `status ${response.status}: ${text}`;
    return String((fake.requests[before]!.json as { model: string }).model);
  }
});

const cliPath = path.resolve(__dirname, '../../bin/switchyard.js');

async function configVersion(url: string): Promise<number | undefined> {
  return (await control<ConfigResponse>(url, 'GET', '/config')).json.shared?.version;
}

async function control<T>(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${url}/_switchyard${route}`, {
    method,
    headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function eventually(ready: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await ready())) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...testKeys } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
