import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import type { CallContent } from '../../proxy/audit/audit-observer';
import { SqliteAuditSink, auditDatabaseFileName, openAuditDatabase } from '../../proxy/store/sqlite/sqlite-audit-sink';
import { TestProxy, controlToken } from './harness';
import { replayCall } from '../../extension/replay';
import { useFake, weather, weatherReply } from './fake-providers';

// Issue 11: the opt-in content audit log.

const email = 'jane.doe@acme-corp.io';
const bin = path.resolve(__dirname, '../../bin/switchyard.js');

describe('content audit log (issue 11)', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
  });
  after(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await proxy?.close();
  });

  const ask = (stream: boolean): Promise<Response> =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', stream, messages: [{ role: 'user', content: `Weather for ${email}? sunny` }] }),
    });
  const content = (id: string): Promise<Response> => fetch(`${proxy.url}/_switchyard/requests/${id}/content`, { headers: { authorization: `Bearer ${controlToken}` } });

  it('keeps the request as sent (redacted), the answer as received, the principal-free routing decision and the record id', async () => {
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.redaction.mode = 'redact';
      config.audit.enabled = true;
    });
    for (const stream of [false, true]) await (await ask(stream)).text();
    for (const [index, record] of [await proxy.record(1), await proxy.record(2)].entries()) {
      const response = await content(record.id);
      assert.equal(response.status, 200);
      const entry = (await response.json()) as CallContent;
      assert.equal(entry.requestId, record.id);
      assert.equal(entry.stream, index === 1);
      const sent = JSON.stringify(entry.request);
      assert.ok(!sent.includes(email) && sent.includes('<EMAIL_1>'), sent);
      assert.equal(entry.answer?.content[0]?.type, 'text');
      assert.equal((entry.answer?.content[0] as { text: string }).text, weather.answer);
      assert.equal(entry.target?.provider, 'groq');
      assert.equal(entry.decision?.winner, 'groq/llama-3.3-70b-versatile');
    }
    assert.equal((await content('req_missing')).status, 404);
    assert.equal((await fetch(`${proxy.url}/_switchyard/requests/x/content`)).status, 401);
    await proxy.runtime.audit!.flush();
    if (process.platform !== 'win32') assert.equal(statSync(path.join(proxy.dataDirectory, auditDatabaseFileName)).mode & 0o777, 0o600);
  });

  it('replays kept content to another model through the proxy ("Replay with…")', async () => {
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.audit.enabled = true;
    });
    await (await ask(false)).text();
    const original = await proxy.record(1);
    const kept = (await (await content(original.id)).json()) as CallContent;
    const replay = await replayCall(proxy.server.port, undefined, kept, 'anthropic/claude-sonnet-4-6');
    assert.equal(replay.status, 200, replay.error);
    assert.equal(replay.text, weather.answer);
    assert.ok(replay.latencyMs >= 0);
    const again = await proxy.record(2);
    assert.equal(replay.requestId, again.id);
    assert.equal(again.provider, 'anthropic');
    assert.ok(Math.abs((replay.costUsd ?? 0) - (again.costUsd ?? 1)) < 1e-9);
  });

  it('a running proxy deletes entries past its retention on its own timer; what it keeps survives a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-retention-'));
    try {
      // An entry kept 20 days ago by an earlier run, in the data folder this proxy starts on.
      const earlier = new SqliteAuditSink(() => openAuditDatabase(dataDir), { flushIntervalMs: 60_000, exists: () => existsSync(path.join(dataDir, auditDatabaseFileName)) });
      earlier.write({ id: 'aud_old', time: Date.now() - 20 * 24 * 60 * 60 * 1000, kind: 'call', requestId: 'req_old', data: { text: 'old' } });
      await earlier.close();
      proxy = await TestProxy.start(
        (config) => {
          useFake(config, fake);
          config.audit = { enabled: true, retentionDays: 14, maxMegabytes: 1024 };
        },
        undefined,
        {},
        // Not the first purge soon after start: the timer's interval, shortened.
        { dataDir, auditPurge: { firstDelayMs: 600_000, intervalMs: 50 } },
      );
      await (await ask(false)).text();
      const recent = await proxy.record(1);
      const started = Date.now();
      while ((await content('req_old')).status !== 404) {
        if (Date.now() - started > 5_000) assert.fail('the entry past retention was not deleted within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal((await content(recent.id)).status, 200, 'an entry within retention stays');
      // And survives a restart on the same data folder.
      await proxy.close();
      proxy = await TestProxy.start((config) => {
        useFake(config, fake);
        config.audit = { enabled: true, retentionDays: 14, maxMegabytes: 1024 };
      }, undefined, {}, { dataDir });
      const kept = (await (await content(recent.id)).json()) as CallContent;
      assert.equal(kept.requestId, recent.id);
    } finally {
      await proxy.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps nothing while auditing is off, and never creates its file', async () => {
    proxy = await TestProxy.start((config) => useFake(config, fake));
    await (await ask(false)).text();
    const record = await proxy.record(1);
    assert.equal((await content(record.id)).status, 404);
    assert.throws(() => statSync(path.join(proxy.dataDirectory, auditDatabaseFileName)));
  });

  it('exports a time range as JSON lines with `switchyard audit export`', async function () {
    this.timeout(20_000);
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.audit.enabled = true;
    });
    await (await ask(false)).text();
    await (await ask(false)).text();
    const records = [await proxy.record(1), await proxy.record(2)];
    await proxy.runtime.audit!.flush();
    const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [bin, 'audit', 'export', '--data-dir', proxy.dataDirectory, ...args]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const all = await run(['--since', '1h']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      all.stdout.trim().split('\n').map((line) => (JSON.parse(line) as CallContent).requestId),
      records.map((record) => record.id),
    );
    const none = await run(['--until', new Date(records[0]!.time).toISOString()]);
    assert.equal(none.stdout, '');
    const bad = await run(['--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since must be an ISO date/);
  });
});
