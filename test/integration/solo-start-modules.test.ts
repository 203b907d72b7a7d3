import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { rawPost } from './model-endpoints';

const dist = path.resolve(__dirname, '../../dist');
const bin = path.resolve(__dirname, '../../bin/switchyard.js');
/** The bundles loaded only when configured: OpenTelemetry, and team mode's PostgreSQL and Redis clients. */
const onDemand = ['otlp-tracing.js', 'pg.js', 'ioredis.js'];

/**
 * Issue 12: a solo start stays light — `pg`, `ioredis` and the OpenTelemetry SDK are neither
 * bundled into dist/proxy.js nor loaded by a solo proxy that serves calls. The built command line
 * runs with a preload that writes, when the process exits, every file Node loaded (`require.cache`,
 * which dynamic `import()` of a CommonJS bundle fills too, as the positive controls show).
 */
describe('a solo start never loads pg, ioredis or OpenTelemetry (built bundle)', function () {
  this.timeout(60_000);
  let folder: string;
  let fake: FakeUpstream;

  before(async function () {
    if (!existsSync(path.join(dist, 'proxy.js'))) assert.fail('dist/proxy.js is missing: run `npm run build` (npm test does)');
    fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'tiny', text: 'pong', usage: { prompt: 5, completion: 1 } }) }));
  });
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'switchyard-solo-modules-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));
  after(() => fake?.close());

  it('dist/proxy.js bundles none of them; each is a bundle of its own beside it, imported on demand', () => {
    const proxy = readFileSync(path.join(dist, 'proxy.js'), 'utf8');
    // esbuild heads each bundled module with its path: `// node_modules/pg/lib/client.js`.
    const bundled = [...new Set([...proxy.matchAll(/^\/\/ node_modules\/((?:@[^/\n]+\/)?[^/\n]+)\//gm)].map((match) => match[1]!))];
    for (const library of ['pg', 'pg-protocol', 'pg-pool', 'ioredis', '@ioredis/commands']) assert.ok(!bundled.includes(library), `dist/proxy.js bundles ${library}`);
    assert.deepEqual(
      bundled.filter((library) => library.startsWith('@opentelemetry/')),
      [],
    );
    for (const file of onDemand) {
      assert.ok(existsSync(path.join(dist, file)), `dist/${file} is missing`);
      assert.ok(proxy.includes(`import("./${file}")`), `dist/proxy.js does not import ./${file} on demand`);
    }
  });

  it('a solo proxy that serves a call, answers /health and /metrics, and stops has loaded no on-demand bundle', async () => {
    const loaded = await runAndList(['serve', '--port', '0', '--quiet', '--config', writeConfig()], async (url) => {
      const answer = await rawPost(url, '/v1/chat/completions', { model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }] }, {});
      assert.equal(answer.status, 200, answer.text);
      assert.equal((await fetch(`${url}/_switchyard/health`)).status, 200);
    });
    assert.ok(loaded.includes(path.join(dist, 'proxy.js')), `the list is of this run: ${loaded.join(', ')}`);
    assert.deepEqual(
      loaded.filter((file) => onDemand.some((name) => file === path.join(dist, name))),
      [],
    );
    assert.deepEqual(
      loaded.filter((file) => file.includes(`${path.sep}node_modules${path.sep}`)),
      [],
      'nothing outside the bundles either',
    );
  });

  it('positive controls: an OTLP endpoint loads dist/otlp-tracing.js, a PostgreSQL URL loads dist/pg.js', async () => {
    const traced = await runAndList(['serve', '--port', '0', '--quiet', '--config', writeConfig(), '--otlp-endpoint', 'http://127.0.0.1:9'], async () => {});
    assert.ok(traced.includes(path.join(dist, 'otlp-tracing.js')), traced.join(', '));
    // Nothing listens on port 9: the team proxy fails to start, having loaded the client.
    const team = await runAndList(['serve', '--port', '0', '--quiet', '--config', writeConfig(), '--postgres-url', 'postgres://switchyard@127.0.0.1:9/switchyard'], undefined);
    assert.ok(team.includes(path.join(dist, 'pg.js')), team.join(', '));
    assert.ok(!team.includes(path.join(dist, 'ioredis.js')), 'no Redis URL, no Redis client');
  });

  function writeConfig(): string {
    const file = path.join(folder, 'config.json');
    writeFileSync(file, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } } }));
    return file;
  }

  /**
   * Runs the command line with the module-listing preload; with `whileServing`, waits until it
   * listens, runs it, and stops the proxy (SIGTERM); without, waits for it to exit by itself.
   * Resolves with the files Node had loaded when the process exited.
   */
  async function runAndList(args: string[], whileServing: ((url: string) => Promise<void>) | undefined): Promise<string[]> {
    const listFile = path.join(folder, 'loaded.json');
    const preload = path.join(folder, 'list-modules.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(listFile)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const env = { PATH: process.env.PATH, HOME: folder, SWITCHYARD_DATA_DIR: path.join(folder, 'data'), GROQ_API_KEY: 'gsk-solo-modules-0001' };
    const child = spawn(process.execPath, ['--require', preload, bin, ...args], { env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (whileServing !== undefined) {
      const url = await new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const match = /Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match !== null) resolve(match[1]!);
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => reject(new Error(`switchyard exited with ${code}: ${output}`)));
      });
      try {
        await whileServing(url);
      } finally {
        child.kill('SIGTERM');
      }
    }
    await exited;
    assert.ok(existsSync(listFile), `the preload wrote no list: ${output}`);
    return JSON.parse(readFileSync(listFile, 'utf8')) as string[];
  }
});
