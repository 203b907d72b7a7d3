import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scheduleAuditPurge } from '../../../proxy/audit/audit-retention';
import { defaultAudit, type AuditConfig } from '../../../proxy/config/config';
import { SqliteAuditSink, auditDatabaseFileName, openAuditDatabase } from '../../../proxy/store/sqlite/sqlite-audit-sink';

const dayMs = 24 * 60 * 60 * 1000;
const now = 1_900_000_000_000;

describe('audit retention runs on its schedule (issue 11)', () => {
  let dataDir: string;
  let sink: SqliteAuditSink;
  let stop: () => void = () => {};
  let logged: string[];

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-retention-'));
    sink = new SqliteAuditSink(() => openAuditDatabase(dataDir), { flushIntervalMs: 60_000, exists: () => existsSync(path.join(dataDir, auditDatabaseFileName)) });
    logged = [];
  });
  afterEach(async () => {
    stop();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const entry = (id: string, ageDays: number, text = 'x'): void =>
    sink.write({ id, time: now - ageDays * dayMs, kind: 'call', requestId: `req_${id}`, data: { text } });
  const kept = async (): Promise<string[]> => (await sink.range({ since: 0, until: now + 1 })).map((stored) => stored.id);
  const start = (settings: AuditConfig, intervalMs = 60_000): void => {
    stop = scheduleAuditPurge({ sink, settings: () => settings, log: (message) => logged.push(message), firstDelayMs: 5, intervalMs, now: () => now });
  };
  const until = async (condition: () => boolean | Promise<boolean>): Promise<void> => {
    for (let tries = 0; tries < 200 && !(await condition()); tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('deletes entries older than retentionDays soon after start, and says so', async () => {
    entry('old', 20);
    entry('edge', 13);
    entry('new', 0);
    await sink.flush();
    start({ ...defaultAudit(), enabled: true, retentionDays: 14 });
    await until(() => logged.length > 0);
    assert.deepEqual(await kept(), ['edge', 'new']);
    assert.match(logged[0]!, /deleted 1 entries past retention \(14 days/);
  });

  it('deletes the oldest while the log holds more than maxMegabytes, and runs again at each interval', async () => {
    const text = 'y'.repeat(400);
    for (let index = 0; index < 5; index += 1) entry(`e${index}`, 5 - index, text);
    await sink.flush();
    const settings = { ...defaultAudit(), enabled: true, retentionDays: 30, maxMegabytes: 1 };
    start(settings, 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal((await kept()).length, 5, 'under the size limit nothing goes');
    // A reload that lowers the limit applies at the next purge: about two entries' worth.
    settings.maxMegabytes = 900 / (1024 * 1024);
    await until(async () => (await kept()).length === 2);
    assert.deepEqual(await kept(), ['e3', 'e4']);
  });

  it('still deletes what was kept after auditing was turned off, and creates no file when nothing was ever kept', async () => {
    entry('old', 20);
    await sink.flush();
    start({ ...defaultAudit(), enabled: false, retentionDays: 14 });
    await until(() => logged.length > 0);
    assert.deepEqual(await kept(), []);

    const emptyDir = mkdtempSync(path.join(tmpdir(), 'switchyard-retention-'));
    const empty = new SqliteAuditSink(() => openAuditDatabase(emptyDir), { exists: () => existsSync(path.join(emptyDir, auditDatabaseFileName)) });
    try {
      assert.equal(await empty.purge({ before: now, maxBytes: 0 }), 0);
      assert.equal(existsSync(path.join(emptyDir, auditDatabaseFileName)), false);
    } finally {
      await empty.close();
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
