import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { attributesOf, OtlpReceiver } from './helpers/otlp-receiver';

const bin = path.resolve(__dirname, '../../bin/switchyard.js');

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  lines: string[];
  /** Everything written to stderr so far (the log). */
  stderr(): string;
}

/** Starts `switchyard serve` from the built bundle and waits for its first line. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', ...args], { env });
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (lines.length === 1) {
        const match = /^Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (match) resolve({ child, url: match[1]!, lines, stderr: () => stderr });
        else reject(new Error(`unexpected first line: ${line}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`switchyard exited with ${code}: ${stderr}`)));
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('switchyard command line (built bundle)', function () {
  this.timeout(20_000);
  let dataDir: string;
  let fake: FakeUpstream;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    assert.ok(existsSync(path.resolve(__dirname, '../../dist/proxy.js')), 'dist/proxy.js is missing: run `npm run build` (npm test does)');
    dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-'));
    fake = await FakeUpstream.start();
    env = { PATH: process.env.PATH, HOME: dataDir, SWITCHYARD_DATA_DIR: dataDir, LOCAL_KEY: 'local-secret-key-0009' };
  });
  after(async () => {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serve --port 0 prints the URL first, serves with a config, records to SQLite, and stops cleanly', async () => {
    const configFile = path.join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { local: { type: 'openai-compatible', baseUrl: fake.url('/v1'), apiKeyEnv: 'LOCAL_KEY' } }, aliases: { fast: 'local/tiny' } }));
    fake.reply(() => ({ json: chatCompletionJson({ model: 'tiny', text: 'pong', usage: { prompt: 5, completion: 1 } }) }));
    const served = await serve(['--port', '0', '--config', configFile], env);
    try {
      const response = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'ping' }] }) });
      const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      assert.equal(body.choices[0]!.message.content, 'pong');
      assert.equal(fake.last.headers.authorization, 'Bearer local-secret-key-0009');
      assert.equal(fake.last.json.model, 'tiny');

      const token = readFileSync(path.join(dataDir, 'control-token'), 'utf8');
      const unauthorized = await fetch(`${served.url}/_switchyard/requests`);
      assert.equal(unauthorized.status, 401);
      const health = await fetch(`${served.url}/_switchyard/health`);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      let records: Array<{ model: string; inputTokens: number }> = [];
      for (let attempt = 0; attempt < 50 && records.length === 0; attempt++) {
        const listed = await fetch(`${served.url}/_switchyard/requests`, { headers: { authorization: `Bearer ${token}` } });
        records = ((await listed.json()) as { records: typeof records }).records;
        if (records.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(records[0]?.model, 'tiny');
      assert.equal(records[0]?.inputTokens, 5);

      // The config reloads without a restart: a new alias takes effect.
      writeFileSync(configFile, JSON.stringify({ providers: { local: { type: 'openai-compatible', baseUrl: fake.url('/v1'), apiKeyEnv: 'LOCAL_KEY' } }, aliases: { fast: 'local/tiny', quick: 'local/tiny-2' } }));
      let status = 0;
      for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        const reloaded = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'quick', messages: [{ role: 'user', content: 'ping' }] }) });
        status = reloaded.status;
        await reloaded.text();
      }
      assert.equal(status, 200);
      assert.equal(fake.last.json.model, 'tiny-2');
    } finally {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill('SIGTERM');
      await exited;
    }
    const output = served.lines.join('\n');
    assert.doesNotMatch(output, /local-secret-key-0009/);
  });

  it('writes one line per call to the log and the totals when it stops; --quiet keeps only the totals', async () => {
    const configFile = path.join(dataDir, 'config-lines.json');
    writeFileSync(configFile, JSON.stringify({ providers: { local: { type: 'openai-compatible', baseUrl: fake.url('/v1'), apiKeyEnv: 'LOCAL_KEY' } }, aliases: { fast: 'local/tiny' } }));
    fake.reply(() => ({ json: chatCompletionJson({ model: 'tiny', text: 'pong', usage: { prompt: 5, completion: 1 } }) }));
    for (const quiet of [false, true]) {
      const served = await serve(['--port', '0', '--config', configFile, ...(quiet ? ['--quiet'] : [])], env);
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      try {
        const response = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' }, body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'ping' }] }) });
        assert.equal(response.status, 200);
        await response.text();
        const refused = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'nobody/none', messages: [] }) });
        await refused.text();
        for (let attempt = 0; attempt < 50 && !quiet && !served.stderr().includes('nobody/none'); attempt++) await new Promise((resolve) => setTimeout(resolve, 40));
      } finally {
        served.child.kill('SIGTERM');
        await exited;
      }
      const log = served.stderr();
      if (quiet) {
        assert.doesNotMatch(log, / call /);
      } else {
        assert.match(log, /Z call curl 8\.5\.0 · fast → local\/tiny · 200 · 5 in \/ 1 out · \d+ ms\n/);
        // A model no provider serves: Switchyard answers it itself.
        assert.match(log, /Z call Node\.js fetch · nobody\/none → refused by Switchyard · 4\d\d · .+ · \d+ ms\n/);
      }
      assert.match(log, /stopping after [^:]+: 2 calls \(1 failed, 1 of them refused by Switchyard\), 5 tokens in \/ 1 out, \$0\n/);
    }
  });

  it('--metrics-token-file opens GET /metrics to a scraper, and SWITCHYARD_OTLP_ENDPOINT sends traces from the built bundle', async () => {
    const configFile = path.join(dataDir, 'telemetry.json');
    writeFileSync(configFile, JSON.stringify({ providers: { local: { type: 'openai-compatible', baseUrl: fake.url('/v1'), apiKeyEnv: 'LOCAL_KEY' } } }));
    const tokenFile = path.join(dataDir, 'metrics-token');
    writeFileSync(tokenFile, 'scrape-me-0123456789\n');
    fake.reply(() => ({ json: chatCompletionJson({ model: 'tiny', text: 'pong', usage: { prompt: 5, completion: 1 } }) }));
    const receiver = await OtlpReceiver.start();
    const served = await serve(['--port', '0', '--config', configFile, '--metrics-token-file', tokenFile], { ...env, SWITCHYARD_OTLP_ENDPOINT: receiver.url });
    try {
      const response = await fetch(`${served.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'local/tiny', messages: [{ role: 'user', content: 'ping' }] }) });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('x-switchyard-overhead-ms') ?? '', /^\d+(\.\d+)?$/);
      await response.text();
      let text = '';
      for (let attempt = 0; attempt < 50 && !text.includes('switchyard_requests_total{'); attempt++) {
        const scraped = await fetch(`${served.url}/metrics`, { headers: { authorization: 'Bearer scrape-me-0123456789' } });
        assert.equal(scraped.status, 200);
        text = await scraped.text();
        if (!text.includes('switchyard_requests_total{')) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(text, /^switchyard_requests_total\{provider="local",model="tiny",key="none"\} 1$/m);
      assert.equal((await fetch(`${served.url}/metrics`)).status, 401);
    } finally {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill('SIGTERM');
      await exited;
      await receiver.close();
    }
    // The batch went out at the stop: the OpenTelemetry bundle was loaded from beside dist/proxy.js.
    assert.deepEqual(
      receiver.spans.filter((span) => span.parentSpanId === undefined || span.parentSpanId === '').map((span) => [span.name, attributesOf(span.attributes)['gen_ai.provider.name']]),
      [['chat local/tiny', 'local']],
    );
    assert.match(served.stderr(), /tracing: OpenTelemetry spans go to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
  });

  it('refuses an OTLP endpoint that is not http(s) and a metrics token file it cannot read', async () => {
    const badEndpoint = await run(['serve', '--port', '0', '--otlp-endpoint', 'grpc://127.0.0.1:4317'], env);
    assert.equal(badEndpoint.code, 2);
    assert.match(badEndpoint.stderr, /OTLP endpoint must be an http:\/\/ or https:\/\/ URL/);
    const missing = await run(['serve', '--port', '0', '--metrics-token-file', path.join(dataDir, 'nope')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /metrics token file .*nope cannot be read \(ENOENT\)/);
  });

  it('a bad config is refused with a message naming the field, and no stack trace', async () => {
    const configFile = path.join(dataDir, 'bad.json');
    writeFileSync(configFile, JSON.stringify({ providers: { local: { type: 'openai-compatible', baseURL: 'http://x' } } }));
    const result = await run(['serve', '--port', '0', '--config', configFile], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown field 'providers\.local\.baseURL'/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('refuses to bind a non-loopback address without an access key', async () => {
    const result = await run(['serve', '--port', '0', '--host', '0.0.0.0'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--require-key/);
  });

  it('--help and a bad port explain themselves', async () => {
    const help = await run(['--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /switchyard serve/);
    const badPort = await run(['serve', '--port', 'many'], env);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port must be a number/);
  });
});
