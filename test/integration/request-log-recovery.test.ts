import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { HealthInfo } from '../../proxy/control/protocol';
import { FakeUpstream } from '../fakes/fake-upstream';
import { controlToken, TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';

const holder = path.resolve(__dirname, 'helpers/hold-write-lock.ts');

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

async function health(proxy: TestProxy): Promise<HealthInfo> {
  return (await fetch(`${proxy.url}/_switchyard/health`, { headers: { host: 'localhost' } })).json() as Promise<HealthInfo>;
}

async function chat(proxy: TestProxy): Promise<void> {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
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
