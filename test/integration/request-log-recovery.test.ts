import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { HealthInfo } from '../../proxy/control/protocol';
import { longestWaitForMomentMs } from '../../proxy/store/write-moments';
import { FakeUpstream } from '../fakes/fake-upstream';
import { controlToken, TestProxy, testKeys } from './harness';
import { useFake, weatherReply } from './fake-providers';

const holder = path.resolve(__dirname, 'helpers/hold-write-lock.ts');
const bin = path.resolve(__dirname, '../../bin/switchyard.js');

/** A child process inside a request-log write on the data folder, once it holds the lock. */
async function writerHoldingTheLock(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => (line === 'locked' ? resolve() : reject(new Error(line))));
    child.once('exit', (code) => reject(new Error(`the writer exited with ${code}: ${stderr}`)));
  });
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** `switchyard serve` from the built bundle in a process of its own, on `dataDir`, once it listens. */
function serveChild(dataDir: string, configFile: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configFile, '--quiet'], { env: { ...process.env, ...testKeys }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`switchyard exited with ${code}: ${stderr}`)));
  });
}

/** Every record the log serves (stored and queued), up to the control API's 1000. */
async function storedTotal(proxy: TestProxy): Promise<number> {
  const response = await fetch(`${proxy.url}/_switchyard/requests?limit=1000`, { headers: { authorization: `Bearer ${controlToken}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { records: unknown[] }).records.length;
}

async function controlGet(proxy: TestProxy, route: string): Promise<{ status: number; body: { error?: { type: string; message: string } } }> {
  const response = await fetch(`${proxy.url}/_switchyard${route}`, { headers: { authorization: `Bearer ${controlToken}` } });
  return { status: response.status, body: (await response.json()) as { error?: { type: string; message: string } } };
}

async function health(proxy: TestProxy): Promise<HealthInfo> {
  return (await fetch(`${proxy.url}/_switchyard/health`, { headers: { host: 'localhost' } })).json() as Promise<HealthInfo>;
}

async function chat(proxy: TestProxy | string): Promise<void> {
  const response = await fetch(`${typeof proxy === 'string' ? proxy : proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(response.status, 200);
  await response.text();
}

/** The records written to the database itself, not those still queued. */
async function storedCount(proxy: TestProxy): Promise<number> {
  await proxy.store.flush();
  const response = await fetch(`${proxy.url}/_switchyard/requests`, { headers: { authorization: `Bearer ${controlToken}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { records: unknown[] }).records.length;
}

describe('a crash never stops recording: leftover request-log locks are recovered', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let dataDir: string;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
  });
  after(() => fake.close());
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-lock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a proxy restarted on the data folder of a process SIGKILLed mid-write records again', async () => {
    await kill(await writerHoldingTheLock(dataDir));
    assert.ok(existsSync(path.join(dataDir, 'switchyard.db.lock')), 'the killed writer left its lock behind');
    const proxy = await TestProxy.start((config) => useFake(config, fake), undefined, undefined, { dataDir });
    try {
      assert.notEqual(proxy.running.store, undefined, 'the request log opened');
      await chat(proxy);
      await proxy.record(1);
      assert.equal(await storedCount(proxy), 1);
      assert.equal((await health(proxy)).status, 'ok');
    } finally {
      await proxy.close();
    }
  });

  it('a running proxy that meets a lock left by a process killed mid-write recovers on its next write', async () => {
    const proxy = await TestProxy.start((config) => useFake(config, fake), undefined, undefined, { dataDir });
    try {
      await chat(proxy);
      await proxy.record(1);
      assert.equal(await storedCount(proxy), 1);
      await kill(await writerHoldingTheLock(dataDir));
      assert.ok(existsSync(path.join(dataDir, 'switchyard.db.lock')));
      await chat(proxy);
      await proxy.record(2);
      assert.equal(await storedCount(proxy), 2);
      assert.equal(existsSync(path.join(dataDir, 'switchyard.db.lock')), false);
      assert.equal((await health(proxy)).status, 'ok');
    } finally {
      await proxy.close();
    }
  });

  it('a proxy process SIGKILLed under traffic: another on the same folder writes its first batch at once, and keeps what the first one wrote', async () => {
    const configFile = path.join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } } }));
    const first = await serveChild(dataDir, configFile);
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    let stop = false;
    let answered = 0;
    const started = Date.now();
    const traffic = Array.from({ length: 4 }, async () => {
      while (!stop) {
        try {
          await chat(first.url);
          answered += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        } catch {
          // The connection died with the process.
        }
      }
    });
    // Past its first batch's latest moment (due after a second; this fake answers at once, so no
    // provider is ever silent and a batch waits up to longestWaitForMomentMs), so it is killed
    // with writes behind it and ahead.
    while (answered < 40 || Date.now() - started < 1500 + longestWaitForMomentMs) await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGKILL');
    stop = true;
    await exited;
    await Promise.all(traffic);
    // Killed inside a write or not, a lock a dead process left must not hold the next one up.
    await kill(await writerHoldingTheLock(dataDir));
    const notices: string[] = [];
    const proxy = await TestProxy.start((config) => useFake(config, fake), undefined, undefined, { dataDir });
    proxy.runtime.events.on('log', ({ message }) => notices.push(message));
    try {
      const before = await storedTotal(proxy);
      assert.ok(before > 0, 'the killed proxy\'s written batches are kept');
      assert.ok(before <= answered);
      for (let index = 0; index < 5; index += 1) await chat(proxy);
      await proxy.record(5);
      // The first flush writes: no retry interval, no waiting for a lock to age.
      await proxy.store.flush();
      assert.equal(proxy.store.problem?.(), undefined);
      assert.equal(await storedTotal(proxy), before + 5);
      assert.deepEqual(notices.filter((line) => /request log/.test(line)), []);
    } finally {
      await proxy.close();
    }
  });

  it('while a live process holds the database, control routes answer 503 naming it, never a 500; no record is lost', async () => {
    const proxy = await TestProxy.start((config) => useFake(config, fake), undefined, undefined, { dataDir });
    const lines: string[] = [];
    proxy.runtime.events.on('log', ({ message }) => lines.push(message));
    try {
      await chat(proxy);
      await proxy.record(1);
      await proxy.store.flush();
      const writer = await writerHoldingTheLock(dataDir);
      for (let index = 0; index < 3; index += 1) await chat(proxy);
      await proxy.record(4);
      for (const route of ['/stats', '/requests', '/keys']) {
        const answer = await controlGet(proxy, route);
        assert.equal(answer.status, 503, `${route}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error?.type, 'unavailable_error');
        assert.match(answer.body.error?.message ?? '', new RegExp(`database .*switchyard\\.db is locked by process ${writer.pid} .*Try again in a moment`));
      }
      assert.deepEqual(lines.filter((line) => /unhandled error/.test(line)), []);
      const reports = lines.filter((line) => /request log write failed/.test(line));
      assert.equal(reports.length, 1, lines.join('\n'));
      assert.match(reports[0]!, /\d request records? waits? in memory, retried every 0\.05 s/);
      await kill(writer);
      assert.equal(await storedCount(proxy), 4);
      assert.ok(lines.some((line) => /^request log: writes pass again after [\d.]+ s; the 3 records that waited in memory are written$/.test(line)), lines.join('\n'));
      assert.equal((await controlGet(proxy, '/stats')).status, 200);
    } finally {
      await proxy.close();
    }
  });

  it('while a live process holds the log, health says degraded and why; once it is gone, the queued records are written', async () => {
    const proxy = await TestProxy.start((config) => useFake(config, fake), undefined, undefined, { dataDir });
    try {
      const writer = await writerHoldingTheLock(dataDir);
      await chat(proxy);
      await proxy.record(1);
      await proxy.store.flush();
      const degraded = await health(proxy);
      assert.equal(degraded.status, 'degraded');
      assert.match(degraded.problems?.[0] ?? '', /cannot be written \(database is locked\); 1 wait/);
      await kill(writer);
      assert.equal(await storedCount(proxy), 1);
      assert.equal((await health(proxy)).status, 'ok');
    } finally {
      await proxy.close();
    }
  });
});
