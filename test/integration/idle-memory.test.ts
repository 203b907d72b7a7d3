import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { rawPost } from './model-endpoints';

const bin = path.resolve(__dirname, '../../bin/switchyard.js');

/**
 * Idle memory of a solo start, the built bundle as users run it (issue 13: idle RSS < 80 MB,
 * measured by `npm run bench -- --memory`). The bound here is loose — the benchmark reports the
 * number — but tight enough to catch what went wrong before: SQLite's WebAssembly tiered up by
 * TurboFan left ~45 MB of compiler memory resident (146–157 MB idle; ~96 MB with Liftoff only).
 */
describe('a solo proxy idles in little memory (built bundle)', function () {
  this.timeout(30_000);
  const boundMegabytes = 125;

  it(`after 20 calls, resident memory stays under ${boundMegabytes} MB`, async function () {
    if (!existsSync('/proc/self/status')) this.skip();
    assert.ok(existsSync(path.resolve(__dirname, '../../dist/proxy.js')), 'dist/proxy.js is missing: run `npm run build` (npm test does)');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-idle-memory-'));
    const fake = await FakeUpstream.start();
    fake.reply(() => ({ json: chatCompletionJson({ model: 'tiny', text: 'pong', usage: { prompt: 5, completion: 1 } }) }));
    const env = { PATH: process.env.PATH, HOME: dataDir, SWITCHYARD_DATA_DIR: dataDir, GROQ_API_KEY: 'gsk-idle-memory-0001' };
    const config = path.join(dataDir, 'config.json');
    writeFileSync(config, JSON.stringify({ providers: { groq: { baseUrl: fake.url('/v1') } } }));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--quiet', '--config', config], { env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`switchyard exited with ${code}: ${stderr}`)));
        createInterface({ input: child.stdout }).once('line', (line) => {
          const match = /^Switchyard listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
          if (match === null) reject(new Error(`unexpected first line: ${line}`));
          else resolve(match[1]!);
        });
      });
      for (let call = 0; call < 20; call++) {
        const answer = await rawPost(url, '/v1/chat/completions', { model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: `hi ${call}` }] }, {});
        assert.equal(answer.status, 200, answer.text);
      }
      await sleep(1500);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
      assert.ok(rss < boundMegabytes, `idle RSS ${rss.toFixed(1)} MB`);
    } finally {
      // A stop writes what the request log still queues into the data folder: removing the folder
      // before the process has exited raced those writes (ENOTEMPTY).
      const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : Promise.resolve();
      child.kill('SIGTERM');
      await exited;
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
