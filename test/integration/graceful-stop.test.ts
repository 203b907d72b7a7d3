import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionChunks } from '../fakes/openai-chat-replies';
import { openSqliteStorage } from '../../proxy/store/sqlite/sqlite-storage';
import type { RequestRecord } from '../../proxy/store/request-record';

/**
 * A stop never loses a record: SIGTERM refuses new connections, lets streams in flight finish
 * (within the grace period, then ends them with the client format's error event), and writes
 * every record before the process exits. The real CLI, as the extension and scripts run it.
 */

const bin = path.resolve(__dirname, '../../bin/switchyard.js');

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exited: Promise<number | null>;
}

function serve(args: string[], dataDir: string, configFile: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir, '--config', configFile, ...args], { env: { ...process.env, GROQ_API_KEY: 'gsk-test' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const match = /^Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve({ child, url: match[1]!, exited });
      else reject(new Error(`unexpected first line: ${line}`));
    });
    void exited.then((code) => reject(new Error(`switchyard exited with ${code}: ${stderr}`)));
  });
}

interface StreamResult {
  status: number;
  text: string;
}

/** A streamed chat call; `firstChunk` resolves when its first bytes arrived, `done` with all of it. */
function stream(url: string, headers: Record<string, string> = {}): { firstChunk: Promise<void>; done: Promise<StreamResult> } {
  let gotFirst: () => void = () => {};
  const firstChunk = new Promise<void>((resolve) => (gotFirst = resolve));
  const { port } = new URL(url);
  const done = new Promise<StreamResult>((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        gotFirst();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', stream: true, messages: [{ role: 'user', content: 'Tell me a story.' }] }));
  });
  return { firstChunk, done };
}

async function recordsIn(dataDir: string): Promise<RequestRecord[]> {
  const storage = openSqliteStorage({ dataDir, retentionDays: 30 });
  try {
    return await storage.requestLog.recent({ limit: 1000 });
  } finally {
    await storage.close();
  }
}

describe('a graceful stop: streams in flight finish and every record is written', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let dataDir: string;
  let configFile: string;

  before(async () => {
    fake = await FakeUpstream.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-stop-'));
    configFile = path.join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } } }));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const story = 'Once upon a time a proxy was asked to stop while twenty streams were still being told, and it let every one of them finish.';
  const slowStory = () => fake.reply(() => ({ chunks: chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: story, usage: { prompt: 10, completion: 25 } }), delayMs: 40 }));

  it('SIGTERM with 20 streams in flight: all 20 complete, all 20 are recorded, the exit is clean', async () => {
    slowStory();
    const served = await serve([], dataDir, configFile);
    const calls = Array.from({ length: 20 }, () => stream(served.url));
    await Promise.all(calls.map((call) => call.firstChunk));
    served.child.kill('SIGTERM');
    const results = await Promise.all(calls.map((call) => call.done));
    for (const result of results) {
      assert.equal(result.status, 200);
      assert.match(result.text, /data: \[DONE\]/);
    }
    assert.equal(await served.exited, 0);
    const records = await recordsIn(dataDir);
    assert.equal(records.length, 20);
    assert.ok(records.every((record) => record.status === 200 && record.outputTokens === 25));
  });

  it('SIGTERM with one Connection: close stream: it completes and is recorded', async () => {
    slowStory();
    const served = await serve([], dataDir, configFile);
    const call = stream(served.url, { connection: 'close' });
    await call.firstChunk;
    served.child.kill('SIGTERM');
    const result = await call.done;
    assert.match(result.text, /data: \[DONE\]/);
    assert.equal(await served.exited, 0);
    const records = await recordsIn(dataDir);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.status, 200);
  });

  it('past --shutdown-grace-ms, a stream still going ends with the client format’s error event, is recorded, and new connections are refused', async () => {
    fake.reply(() => ({ chunks: chatCompletionChunks({ model: 'llama-3.3-70b-versatile', text: story }).slice(0, 2), hang: true }));
    const served = await serve(['--shutdown-grace-ms', '300'], dataDir, configFile);
    const call = stream(served.url);
    await call.firstChunk;
    const stopAsked = Date.now();
    served.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(stream(served.url).done, (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET');
    const result = await call.done;
    assert.ok(Date.now() - stopAsked >= 300);
    assert.equal(result.status, 200);
    const events = result.text.trim().split('\n\n');
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, '')) as { error?: { message: string } };
    assert.match(last.error?.message ?? '', /shutting down/);
    assert.equal(await served.exited, 0);
    const records = await recordsIn(dataDir);
    assert.equal(records.length, 1);
    assert.match(records[0]!.error ?? '', /shutting down/);
  });
});
