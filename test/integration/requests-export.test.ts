import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import type { AggregateResponse } from '../../proxy/control/protocol';
import { TestProxy, controlToken } from './harness';
import { useFake, weatherReply } from './fake-providers';

// Issue 14: the request log exported as CSV or JSON (`switchyard requests export`), and
// `GET /stats?by=day&then=provider|model` behind the panel's stacked spend chart.

const bin = path.resolve(__dirname, '../../bin/switchyard.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'requests', 'export', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A CSV as rows of cells (RFC 4180 quoting; enough for what the export writes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index += 1;
    } else cell += char;
  }
  return rows;
}

describe('request log export and stacked stats (issue 14)', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;
  const ids: string[] = [];

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.audit.enabled = true;
    });
    const ask = async (model: string, userAgent: string): Promise<void> => {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Weather in Paris, "please", today?' }] }),
      });
      await response.text();
      ids.push(response.headers.get('x-switchyard-request-id') ?? '');
    };
    await ask('groq/llama-3.3-70b-versatile', 'OpenAI/JS 6.3.0');
    await ask('anthropic/claude-sonnet-4-6', 'claude-cli/2.1.105 (external, cli)');
    // A model name a spreadsheet would run as a formula; nothing serves it.
    await ask('=HYPERLINK("http://example.invalid")', 'curl/8.5.0');
    await proxy.record(3);
    await proxy.store.flush();
    await proxy.runtime.audit!.flush();
  });
  after(async () => {
    await proxy?.close();
    await fake.close();
  });

  it('writes CSV with one row per call, what the panel shows, and nothing a spreadsheet would run', async () => {
    const result = await run(['--data-dir', proxy.dataDirectory, '--since', '1h']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Exported 3 requests/);
    const [header, ...rows] = parseCsv(result.stdout);
    assert.ok(header !== undefined);
    for (const column of ['id', 'time', 'tool', 'requestedModel', 'provider', 'model', 'attempts', 'status', 'error', 'inputTokens', 'outputTokens', 'costUsd', 'latencyMs']) {
      assert.ok(header.includes(column), `no ${column} column in ${header.join(',')}`);
    }
    assert.equal(header.includes('clientKey'), false, 'a key fragment column is exported');
    const byId = new Map(rows.map((row) => [row[header.indexOf('id')], Object.fromEntries(header.map((name, index) => [name, row[index] ?? '']))]));
    assert.deepEqual([...byId.keys()].sort(), [...ids].sort());
    const groq = byId.get(ids[0])!;
    assert.equal(groq.tool, 'OpenAI SDK (JS)');
    assert.equal(groq.provider, 'groq');
    assert.equal(groq.status, '200');
    assert.equal(groq.attempts, '1');
    assert.equal(groq.time, new Date(Date.parse(groq.time)).toISOString());
    assert.equal(byId.get(ids[1])!.tool, 'Claude Code');
    const refused = byId.get(ids[2])!;
    assert.equal(refused.requestedModel, `'=HYPERLINK("http://example.invalid")`);
    assert.equal(refused.provider, '', 'a call nothing served has no provider');
    assert.ok(Number(refused.status) >= 400);
    assert.ok(refused.error.length > 0);
  });

  it('writes JSON, filtered by status, with the kept content only when asked', async () => {
    const plain = await run(['--data-dir', proxy.dataDirectory, '--format', 'json', '--status', 'ok']);
    assert.equal(plain.code, 0, plain.stderr);
    const records = JSON.parse(plain.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(records.map((record) => record.id).sort(), ids.slice(0, 2).sort());
    for (const record of records) {
      assert.equal(record.content, undefined);
      assert.equal(typeof record.time, 'string');
      assert.equal(typeof record.timeMs, 'number');
      assert.equal('clientKey' in record, false);
    }
    const withContent = await run(['--data-dir', proxy.dataDirectory, '--format', 'json', '--content', '--status', 'ok']);
    assert.equal(withContent.code, 0, withContent.stderr);
    const contents = JSON.parse(withContent.stdout) as Array<{ id: string; content?: { requestId: string; request: unknown } }>;
    assert.equal(contents.length, 2);
    for (const record of contents) {
      assert.equal(record.content?.requestId, record.id);
      assert.match(JSON.stringify(record.content?.request), /Weather in Paris/);
    }
  });

  it('writes to a file only its owner can read, and an empty range as an empty list', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-export-'));
    try {
      const file = path.join(folder, 'requests.json');
      const result = await run(['--data-dir', proxy.dataDirectory, '--format', 'json', '--until', '2001-01-01', '--out', file]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '');
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), []);
      if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses what it cannot do, naming the fix', async () => {
    const csvContent = await run(['--data-dir', proxy.dataDirectory, '--content']);
    assert.equal(csvContent.code, 2);
    assert.match(csvContent.stderr, /--content needs --format json/);
    const badSince = await run(['--data-dir', proxy.dataDirectory, '--since', 'last tuesday']);
    assert.equal(badSince.code, 2);
    assert.match(badSince.stderr, /--since must be an ISO date/);
    const badStatus = await run(['--data-dir', proxy.dataDirectory, '--status', 'fine']);
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.stderr, /--status must be ok, error or an HTTP status/);
    const badFormat = await run(['--data-dir', proxy.dataDirectory, '--format', 'xml']);
    assert.equal(badFormat.code, 2);
    const empty = mkdtempSync(path.join(tmpdir(), 'switchyard-export-'));
    try {
      const noLog = await run(['--data-dir', empty]);
      assert.equal(noLog.code, 2);
      assert.match(noLog.stderr, /no request log/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('totals each day per provider or model with then=, and refuses a second grouping that makes no sense', async () => {
    const stats = async (query: string): Promise<Response> => fetch(`${proxy.url}/_switchyard/stats?${query}`, { headers: { authorization: `Bearer ${controlToken}` } });
    const response = await stats('by=day&then=provider');
    assert.equal(response.status, 200);
    const body = (await response.json()) as AggregateResponse;
    assert.equal(body.then, 'provider');
    const today = body.rows.filter((row) => row.key === body.rows[0]?.key);
    const providers = new Set(today.map((row) => row.subKey));
    assert.ok(providers.has('groq') && providers.has('anthropic'), JSON.stringify(today));
    assert.equal(today.reduce((sum, row) => sum + row.requests, 0), 3);
    const plain = (await (await stats('by=day')).json()) as AggregateResponse;
    assert.ok(Math.abs(today.reduce((sum, row) => sum + row.costUsd, 0) - plain.rows[0]!.costUsd) < 1e-12);
    assert.equal(plain.rows[0]!.subKey, undefined);
    const byModel = (await (await stats('by=day&then=model')).json()) as AggregateResponse;
    assert.ok(byModel.rows.some((row) => row.subKey === 'claude-sonnet-4-6'));
    for (const query of ['by=day&then=day', 'by=provider&then=provider', 'by=day&then=colour']) {
      const refused = await stats(query);
      assert.equal(refused.status, 400, query);
      assert.match(((await refused.json()) as { error: { message: string } }).error.message, /then must be one of/);
    }
  });
});
