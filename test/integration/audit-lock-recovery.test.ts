import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Database } from 'node-sqlite3-wasm';
import { FakeUpstream } from '../fakes/fake-upstream';
import { auditDatabaseFileName } from '../../proxy/store/sqlite/sqlite-audit-sink';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';

// Issue 11 with issue 15's lock holders: a process SIGKILLed inside an audit write never stops auditing.

const holder = path.resolve(__dirname, 'helpers/hold-audit-lock.ts');

/** A child process inside an audit-log write on the data folder, once it holds the lock. */
async function auditWriterHoldingTheLock(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => (line === 'locked' ? resolve() : reject(new Error(line))));
    child.once('exit', (code) => reject(new Error(`the audit writer exited with ${code}: ${stderr}`)));
  });
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Entries written to audit.db itself, not those still queued. */
function auditedOnDisk(dataDir: string): number {
  const database = new Database(path.join(dataDir, auditDatabaseFileName), { readOnly: true });
  try {
    return Number(database.get('SELECT COUNT(*) AS count FROM audit')?.count);
  } finally {
    database.close();
  }
}

describe('a crash never stops auditing: leftover audit.db locks are judged by their holders', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let dataDir: string;
  let proxy: TestProxy | undefined;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
  });
  after(() => fake.close());
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-audit-lock-'));
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<TestProxy> =>
    TestProxy.start(
      (config) => {
        useFake(config, fake);
        config.audit.enabled = true;
      },
      undefined,
      undefined,
      { dataDir },
    );

  async function chatAndFlush(running: TestProxy, count: number): Promise<void> {
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200);
    await response.text();
    await running.record(count);
    await running.runtime.audit!.flush();
  }

  it('a proxy started on the data folder of a process SIGKILLed mid-write audits at once', async () => {
    await kill(await auditWriterHoldingTheLock(dataDir));
    assert.ok(existsSync(path.join(dataDir, `${auditDatabaseFileName}.lock`)), 'the killed writer left its lock behind');
    proxy = await start();
    await chatAndFlush(proxy, 1);
    assert.equal(auditedOnDisk(dataDir), 1);
    assert.equal(existsSync(path.join(dataDir, `${auditDatabaseFileName}.lock`)), false);
  });

  it('a running proxy that meets a lock left by a process killed mid-write recovers on its next write', async () => {
    proxy = await start();
    await chatAndFlush(proxy, 1);
    assert.equal(auditedOnDisk(dataDir), 1);
    await kill(await auditWriterHoldingTheLock(dataDir));
    assert.ok(existsSync(path.join(dataDir, `${auditDatabaseFileName}.lock`)));
    await chatAndFlush(proxy, 2);
    assert.equal(auditedOnDisk(dataDir), 2);
    assert.equal(existsSync(path.join(dataDir, `${auditDatabaseFileName}.lock`)), false);
  });

  it('while a live process holds audit.db, its lock is left alone and the entries wait in the queue', async () => {
    proxy = await start();
    await chatAndFlush(proxy, 1);
    const writer = await auditWriterHoldingTheLock(dataDir);
    try {
      await chatAndFlush(proxy, 2);
      assert.ok(existsSync(path.join(dataDir, `${auditDatabaseFileName}.lock`)), 'a live writer keeps its lock');
    } finally {
      await kill(writer);
    }
    await proxy.runtime.audit!.flush();
    assert.equal(auditedOnDisk(dataDir), 2);
  });
});
