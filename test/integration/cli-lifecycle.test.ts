import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';

/**
 * How a proxy started by the VS Code extension ends: by itself once no window is attached
 * (`--stop-when-detached`, its waits shortened by SWITCHYARD_DETACH_GRACE_MS), on
 * `POST /_switchyard/shutdown` with the request log flushed, and not when the window that
 * spawned it closed its pipes.
 */

const bin = path.resolve(__dirname, '../../bin/switchyard.js');

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  token: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let first = true;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!first) return;
      first = false;
      const match = /^Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (!match) return reject(new Error(`unexpected first line: ${line}`));
      const token = readFileSync(path.join(dataDir, 'control-token'), 'utf8');
      resolve({ child, url: match[1]!, token, stderr: () => stderr, exited });
    });
    void exited.then((code) => reject(new Error(`switchyard exited with ${code}: ${stderr}`)));
  });
}

async function exitWithin(served: Served, milliseconds: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the proxy did not stop within ${milliseconds} ms: ${served.stderr()}`)), milliseconds);
  });
  try {
    return await Promise.race([served.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function stop(served: Served): Promise<number | null> {
  served.child.kill('SIGTERM');
  return served.exited;
}

describe('switchyard command line: lifecycle (built bundle)', function () {
  this.timeout(20_000);
  let dataDir: string;
  let fake: FakeUpstream;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    assert.ok(existsSync(path.resolve(__dirname, '../../dist/proxy.js')), 'dist/proxy.js is missing: run `npm run build` (npm test does)');
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-lifecycle-'));
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'tiny', text: 'pong', usage: { prompt: 5, completion: 1 } }) }));
    env = { PATH: process.env.PATH, HOME: dataDir, SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_DETACH_GRACE_MS: '300', GROQ_API_KEY: 'gsk-cli-lifecycle-0001' };
  });
  after(async () => {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('--stop-when-detached: stops cleanly once the last attached window left', async function () {
    // Start (SQLite's WASM compiles on a cold start), 2.3 s attached, then the 2 s grace to stop.
    this.timeout(45_000);
    // A grace a loaded machine's first /events connection always beats (300 ms did not, under load).
    const served = await serve(['--stop-when-detached'], { ...env, SWITCHYARD_DETACH_GRACE_MS: '2000' }, dataDir);
    try {
      const abort = new AbortController();
      const events = await fetch(`${served.url}/_switchyard/events?attach=1`, { headers: { authorization: `Bearer ${served.token}` }, signal: abort.signal });
      assert.equal(events.status, 200);
      const lifecycle = await fetch(`${served.url}/_switchyard/lifecycle`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ stopWhenDetached: true }),
      });
      assert.deepEqual(await lifecycle.json(), { stopWhenDetached: true, attachedClients: 1 });
      // Attached past the startup grace: still running.
      await new Promise((resolve) => setTimeout(resolve, 2300));
      assert.equal((await fetch(`${served.url}/_switchyard/health`)).status, 200);
      abort.abort();
      assert.equal(await exitWithin(served, 8000), 0);
      assert.match(served.stderr(), /stopping: the last VS Code window left/);
    } finally {
      if (served.child.exitCode === null) await stop(served);
    }
  });

  it('--stop-when-detached: stops when no window attached after start', async () => {
    const served = await serve(['--stop-when-detached'], env, dataDir);
    assert.equal(await exitWithin(served, 5000), 0);
    assert.match(served.stderr(), /stopping: no VS Code window attached within/);
  });

  it('POST /shutdown answers 202, ends the event streams and stops with the request log flushed', async () => {
    const configFile = path.join(dataDir, 'shutdown-config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } } }));
    const served = await serve(['--config', configFile], env, dataDir);
    const authorization = `Bearer ${served.token}`;
    const events = await fetch(`${served.url}/_switchyard/events?attach=1`, { headers: { authorization } });
    const eventsRead = events.text();
    const call = await fetch(`${served.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'groq/llama-3.1-8b-instant', messages: [{ role: 'user', content: 'ping' }] }),
    });
    assert.equal(call.status, 200);
    const id = call.headers.get('x-switchyard-request-id');
    await call.text();
    const shutdown = await fetch(`${served.url}/_switchyard/shutdown`, { method: 'POST', headers: { authorization } });
    assert.equal(shutdown.status, 202);
    assert.equal(await exitWithin(served, 5000), 0);
    // The attached window's stream was ended by the proxy, not left hanging.
    assert.match(await eventsRead, /^event: hello/);

    // The record written just before the stop is in the log a new proxy reads.
    const again = await serve([], env, dataDir);
    try {
      const listed = await fetch(`${again.url}/_switchyard/requests/${id}`, { headers: { authorization: `Bearer ${again.token}` } });
      assert.equal(listed.status, 200);
      assert.equal(((await listed.json()) as { model: string }).model, 'llama-3.1-8b-instant');
    } finally {
      await stop(again);
    }
  });

  it('announces the watcher\'s reloads and rejections of the config file as config events', async () => {
    const configFile = path.join(dataDir, 'watched-config.json');
    writeFileSync(configFile, '{}\n');
    const served = await serve(['--config', configFile], env, dataDir);
    const abort = new AbortController();
    try {
      const events = await fetch(`${served.url}/_switchyard/events`, { headers: { authorization: `Bearer ${served.token}` }, signal: abort.signal });
      const frames: string[] = [];
      const reader = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of events.body!) frames.push(decoder.decode(chunk, { stream: true }));
      })().catch(() => {});
      const configEvent = async (): Promise<{ ok: boolean; file: string; problems: Array<{ path: string }> }> => {
        for (let attempt = 0; attempt < 100; attempt++) {
          const text = frames.join('');
          const match = /event: config\ndata: (.+)\n\n/.exec(text);
          if (match) {
            frames.length = 0;
            frames.push(text.slice(match.index + match[0].length));
            return JSON.parse(match[1]!);
          }
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
        throw new Error(`no config event: ${frames.join('')}`);
      };
      writeFileSync(configFile, JSON.stringify({ aliases: { fast: 'groq/llama-3.1-8b-instant' } }));
      assert.deepEqual(await configEvent(), { ok: true, file: configFile, problems: [] });
      writeFileSync(configFile, JSON.stringify({ aliases: { fast: 'groq/llama-3.1-8b-instant' }, defaultRoute: 'nowhere' }));
      const rejected = await configEvent();
      assert.equal(rejected.ok, false);
      assert.deepEqual(rejected.problems.map((problem) => problem.path), ['defaultRoute']);
      abort.abort();
      await reader;
    } finally {
      await stop(served);
    }
  });

  it('--serve-on-bad-config: serves with presets only and reports the broken file at /_switchyard/config', async () => {
    const configFile = path.join(dataDir, 'broken-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ providers: { local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' } }, routes: { smart: { strategy: 'fallback', targets: ['local/qwen'] } }, rules: [{ match: { model: 7 }, route: 'smart' }] }, null, 2),
    );
    const served = await serve(['--config', configFile, '--serve-on-bad-config'], env, dataDir);
    try {
      const answer = await fetch(`${served.url}/_switchyard/config`, { headers: { authorization: `Bearer ${served.token}` } });
      const body = (await answer.json()) as { file: string; problems: Array<{ path: string; message: string; line?: number; column?: number }> };
      assert.equal(body.file, configFile);
      // First, loudly, what of the file is not in force; then each problem with its place.
      assert.deepEqual(body.problems.map((problem) => problem.path), ['', 'rules[0].match.model']);
      assert.match(body.problems[0]!.message, /presets only until this file is fixed; not in force: providers local; routes smart; 1 rule\./);
      assert.equal(body.problems[1]!.line, 19);
      assert.match(served.stderr(), /SERVING WITH PRESETS ONLY until the config file is fixed — NOT IN FORCE: providers local; routes smart; 1 rule\./);
      assert.match(served.stderr(), /\(line 19, column \d+\)/);
    } finally {
      await stop(served);
    }
  });

  it('--serve-on-bad-config fails closed: the broken file\'s access keys stay required', async () => {
    const configFile = path.join(dataDir, 'broken-keys-config.json');
    writeFileSync(configFile, JSON.stringify({ accessKeys: ['sy-kept-key-0001'], rules: [{ match: { model: 7 }, route: 'smart' }] }, null, 2));
    const served = await serve(['--config', configFile, '--serve-on-bad-config'], env, dataDir);
    try {
      const without = await fetch(`${served.url}/v1/models`);
      assert.equal(without.status, 401);
      assert.match(((await without.json()) as { error: { message: string } }).error.message, /"accessKeys" in the Switchyard config file/);
      const withKey = await fetch(`${served.url}/v1/models`, { headers: { authorization: 'Bearer sy-kept-key-0001' } });
      assert.equal(withKey.status, 200);
      assert.match(served.stderr(), /the config file's 1 access key stays required/);
    } finally {
      await stop(served);
    }
  });

  it('--serve-on-bad-config fails closed: access keys it cannot read refuse every caller without a known key, naming the problem, until the file is fixed', async () => {
    const configFile = path.join(dataDir, 'unreadable-keys-config.json');
    writeFileSync(configFile, '{ "accessKeys": ["sy-lost-key-0001"], }');
    const served = await serve(['--config', configFile, '--serve-on-bad-config', '--require-key'], { ...env, SWITCHYARD_ACCESS_KEY: 'sy-require-key-0001' }, dataDir);
    try {
      const refused = await fetch(`${served.url}/v1/models`, { headers: { authorization: 'Bearer sy-lost-key-0001' } });
      assert.equal(refused.status, 401);
      const message = ((await refused.json()) as { error: { message: string } }).error.message;
      assert.match(message, /config file lists access keys it cannot read/);
      assert.match(message, /unreadable-keys-config\.json: the file is not valid JSON/);
      assert.match(served.stderr(), /REFUSING CALLS WITHOUT A KNOWN KEY until the config file is fixed/);
      // A key Switchyard could read still works.
      assert.equal((await fetch(`${served.url}/v1/models`, { headers: { authorization: 'Bearer sy-require-key-0001' } })).status, 200);
      // Fixed: the file's keys are in force, and the lock is gone.
      writeFileSync(configFile, JSON.stringify({ accessKeys: ['sy-lost-key-0001'] }));
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await fetch(`${served.url}/v1/models`, { headers: { authorization: 'Bearer sy-lost-key-0001' } })).status;
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200);
      const without = await fetch(`${served.url}/v1/models`);
      assert.equal(without.status, 401);
      assert.doesNotMatch(((await without.json()) as { error: { message: string } }).error.message, /cannot read/);
    } finally {
      await stop(served);
    }
  });

  /** A chat call to a groq model through the proxy: status and error message. */
  async function groqCall(url: string, model = 'groq/llama-3.3-70b-versatile'): Promise<{ status: number; message: string }> {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'ping' }] }),
    });
    const body = (await response.json()) as { error?: { message: string } };
    return { status: response.status, message: body.error?.message ?? '' };
  }

  it('--serve-on-bad-config does not fail open on money: the broken file\'s budgets and disabled models stay in force', async () => {
    const configFile = path.join(dataDir, 'broken-budget-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ budgets: [{ name: 'spent', match: { model: 'groq/llama-*' }, limitUsd: 0, period: 'day' }], disabledModels: ['groq/qwen*'], rules: [{ match: { model: 7 }, route: 'smart' }] }, null, 2),
    );
    const sent = fake.requests.length;
    const served = await serve(['--config', configFile, '--serve-on-bad-config'], env, dataDir);
    try {
      const budgeted = await groqCall(served.url);
      assert.equal(budgeted.status, 402, budgeted.message);
      assert.match(budgeted.message, /budget 'spent'/);
      const disabled = await groqCall(served.url, 'groq/qwen/qwen3-32b');
      assert.equal(disabled.status, 403, disabled.message);
      assert.match(disabled.message, /disabled in Switchyard/);
      assert.equal(fake.requests.length, sent);
      assert.match(served.stderr(), /the config file's 1 budget and 1 disabled model stay in force/);
    } finally {
      await stop(served);
    }
  });

  it('--serve-on-bad-config fails closed on budgets it cannot read: every call is refused, naming the problem, until the file is fixed', async () => {
    const configFile = path.join(dataDir, 'unreadable-budget-config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } }, budgets: [{ name: 'daily', limitUsd: -5, period: 'day' }] }, null, 2));
    const sent = fake.requests.length;
    const served = await serve(['--config', configFile, '--serve-on-bad-config'], env, dataDir);
    try {
      const refused = await groqCall(served.url);
      assert.equal(refused.status, 403, refused.message);
      assert.match(refused.message, /config file sets budgets or disabled models it cannot read/);
      assert.match(refused.message, /unreadable-budget-config\.json: its "budgets" cannot be put in force: budgets\[0\]\.limitUsd/);
      assert.match(served.stderr(), /REFUSING EVERY CALL until the config file is fixed/);
      assert.equal(fake.requests.length, sent);
      // Fixed: the budget is in force and the lock is gone.
      writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } }, budgets: [{ name: 'daily', limitUsd: 5, period: 'day' }] }, null, 2));
      const deadline = Date.now() + 10_000;
      let answer = refused;
      while (Date.now() < deadline) {
        answer = await groqCall(served.url);
        if (answer.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(answer.status, 200, answer.message);
    } finally {
      await stop(served);
    }
  });

  it('a second proxy that cannot take the port leaves the first one\'s token file alone', async () => {
    const first = await serve([], env, dataDir);
    try {
      const port = new URL(first.url).port;
      const second = spawn(process.execPath, [bin, 'serve', '--port', port], { env });
      let stderr = '';
      second.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => second.once('exit', done));
      assert.equal(code, 1);
      assert.match(stderr, /EADDRINUSE/);
      assert.equal(readFileSync(path.join(dataDir, 'control-token'), 'utf8'), first.token);
      const answer = await fetch(`${first.url}/_switchyard/requests`, { headers: { authorization: `Bearer ${first.token}` } });
      assert.equal(answer.status, 200);
    } finally {
      await stop(first);
    }
  });

  it('keeps serving after the window that spawned it closed its stdout and stderr', async () => {
    const served = await serve([], env, dataDir);
    try {
      served.child.stdout.destroy();
      served.child.stderr.destroy();
      // Each key change writes a log line to the closed stderr.
      for (let index = 0; index < 5; index++) {
        const answer = await fetch(`${served.url}/_switchyard/providers/groq/key`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ apiKey: `gsk-after-detach-000${index}` }),
        });
        assert.equal(answer.status, 200);
      }
      assert.equal((await fetch(`${served.url}/_switchyard/health`)).status, 200);
      assert.equal(served.child.exitCode, null);
    } finally {
      served.child.kill('SIGTERM');
      assert.equal(await served.exited, 0);
    }
  });
});
