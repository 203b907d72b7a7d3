/**
 * `npm run bench:burst`: 1,000 streamed chat completions arriving within 250 ms, sent to the
 * fake upstream directly and then through Switchyard (the built `dist/proxy.js`), each on its
 * own connection. Prints completion-time percentiles for both, the difference at p99, and the
 * kernel's listen-queue overflow counters (Linux) before and after each burst.
 *
 * Knobs (environment): BURST_STREAMS (default 1000), BURST_SPREAD_MS (default 250),
 * BURST_GAP_MS (the fake's gap between SSE events, default 5).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startChildService } from './child-service';

const root = path.resolve(__dirname, '..');
const streams = Number(process.env.BURST_STREAMS ?? 1000);
const spreadMs = Number(process.env.BURST_SPREAD_MS ?? 250);
const gapMs = process.env.BURST_GAP_MS ?? '5';

const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello.' }] });

/** Listen-queue overflows and drops so far (Linux `/proc/net/netstat`), or undefined elsewhere. */
function listenDrops(): { overflows: number; drops: number } | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const names = lines[0]!.split(' ');
    const values = lines[1]!.split(' ');
    const value = (name: string): number => Number(values[names.indexOf(name)]);
    return { overflows: value('ListenOverflows'), drops: value('ListenDrops') };
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

async function burst(origin: string): Promise<{ p50: number; p99: number; max: number; failed: number; overflows?: number; drops?: number }> {
  // One connection per stream, as 1,000 separate clients would open.
  const agent = new Agent({ connections: streams, pipelining: 0, keepAliveTimeout: 1 });
  const before = listenDrops();
  const times: number[] = [];
  let failed = 0;
  const started: Array<Promise<void>> = [];
  const begin = performance.now();
  for (let index = 0; index < streams; index++) {
    const due = begin + (index * spreadMs) / streams;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    started.push(
      request(`${origin}/v1/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body })
        .then(async (response) => {
          const text = await response.body.text();
          if (response.statusCode !== 200 || !text.includes('[DONE]')) failed++;
          times.push(performance.now() - sent);
        })
        .catch(() => void failed++),
    );
  }
  await Promise.all(started);
  await agent.close();
  const after = listenDrops();
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    max: times[times.length - 1] ?? 0,
    failed,
    ...(before && after ? { overflows: after.overflows - before.overflows, drops: after.drops - before.drops } : {}),
  };
}

async function main(): Promise<void> {
  const proxyScript = path.join(root, 'dist/proxy.js');
  if (!existsSync(proxyScript)) throw new Error('dist/proxy.js is missing: run npm run build first.');
  const fake = await startChildService('fake upstream', process.execPath, ['--import', 'tsx', path.join(root, 'bench/fake-upstream.ts'), gapMs]);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-burst-'));
  const configFile = path.join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ providers: { openai: { baseUrl: `${fake.url}/v1` } } }));
  const proxy = await startChildService('switchyard', process.execPath, [path.join(root, 'bin/switchyard.js'), 'serve', '--port', '0', '--config', configFile, '--data-dir', dataDir], { ...process.env, OPENAI_API_KEY: 'sk-bench' });
  try {
    // Warm both (JIT, the proxy's pool to the fake) before measuring.
    await burst(fake.url);
    await burst(proxy.url);
    const direct = await burst(fake.url);
    const through = await burst(proxy.url);
    const row = (name: string, result: Awaited<ReturnType<typeof burst>>): string =>
      `| ${name} | ${result.p50.toFixed(0)} | ${result.p99.toFixed(0)} | ${result.max.toFixed(0)} | ${result.failed} | ${result.overflows ?? 'n/a'} / ${result.drops ?? 'n/a'} |`;
    process.stdout.write(`${streams} streams within ${spreadMs} ms, somaxconn ${somaxconn()}\n\n`);
    process.stdout.write('| target | p50 ms | p99 ms | max ms | failed | listen overflows / drops |\n| --- | --- | --- | --- | --- | --- |\n');
    process.stdout.write(`${row('fake upstream directly', direct)}\n${row('through Switchyard', through)}\n\n`);
    process.stdout.write(`Switchyard adds ${(through.p99 - direct.p99).toFixed(0)} ms at p99.\n`);
  } finally {
    await proxy.stop();
    await fake.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function somaxconn(): string {
  try {
    return readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
