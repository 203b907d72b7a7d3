/**
 * `node --import tsx bench/telemetry-cost.ts [calls] [rounds]`: what telemetry costs per call.
 * Runs the built proxy (`bin/switchyard.js serve`) twice side by side against the bench's fake
 * provider — once plain, once with `--otlp-endpoint` pointing at an OTLP/HTTP receiver in this
 * process — and sends each the same fixed number of calls (OpenAI 1 KB JSON, 8 at a time), in
 * alternating rounds. Reports each proxy's CPU time per call from /proc (load-independent: CPU
 * spent, not wall time), and the CPU one `CallMetrics.observe` takes in this process. Counting
 * metrics is on in both proxies (it always is); `/metrics` is never scraped.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { cpuSource, treeCpuNanoseconds } from './process-cpu';
import { CallMetrics } from '../proxy/telemetry/call-metrics';
import type { RequestRecord } from '../proxy/store/request-record';

const root = path.resolve(__dirname, '..');
const calls = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const concurrency = 8;

function startLine(command: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<{ child: ChildProcessWithoutNullStreams; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { env });
    child.stderr.resume();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = pattern.exec(line);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'switchyard-telemetry-cost-'));
  const spans = { count: 0, bytes: 0 };
  const receiver = http.createServer((incoming, response) => {
    incoming.on('data', (chunk: Buffer) => (spans.bytes += chunk.length));
    incoming.on('end', () => {
      spans.count++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const fake = await startLine(['--import', 'tsx', path.join(root, 'bench', 'fake-upstream.ts')], process.env, /^(http:\/\/\S+)$/);
  const upstream = fake.match[1]!;
  const config = path.join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ providers: { openai: { baseUrl: `${upstream}/v1` } } }));
  const env = { PATH: process.env.PATH, HOME: work, OPENAI_API_KEY: 'sk-bench' };
  const serve = (name: string, extra: string[]) =>
    startLine([path.join(root, 'bin', 'switchyard.js'), 'serve', '--port', '0', '--quiet', '--config', config, '--data-dir', path.join(work, name), ...extra], env, /^Switchyard listening on (http:\/\/\S+)$/);
  const plain = await serve('plain', []);
  const traced = await serve('traced', ['--otlp-endpoint', receiverUrl]);
  const dispatcher = new Agent({ connections: concurrency });
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(1000) }] });
  const run = async (url: string, count: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) {
          const answer = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher });
          await answer.body.text();
          if (answer.statusCode !== 200) throw new Error(`status ${answer.statusCode}`);
        }
      }),
    );
  };
  const sides = [
    { name: 'telemetry off', proxy: plain, perCall: [] as number[] },
    { name: 'OTLP traces on', proxy: traced, perCall: [] as number[] },
  ];
  for (const side of sides) await run(side.proxy.match[1]!, 300); // warm-up
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const pid = side.proxy.child.pid!;
      const source = cpuSource(pid);
      const before = treeCpuNanoseconds(pid, source);
      await run(side.proxy.match[1]!, calls);
      // Past the request log's flush and the span batch's 5 s delay: their CPU counts too.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      side.perCall.push((treeCpuNanoseconds(pid, source) - before) / calls / 1000);
    }
  }
  for (const side of sides) {
    const sorted = [...side.perCall].sort((a, b) => a - b);
    console.log(`${side.name}: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs CPU per call (rounds: ${side.perCall.map((value) => value.toFixed(1)).join(', ')})`);
  }
  console.log(`spans received: ${spans.count} requests, ${(spans.bytes / 1024).toFixed(0)} KB`);

  // CallMetrics.observe alone, in this process.
  const metrics = new CallMetrics();
  const record: RequestRecord = { id: 'req_1', time: Date.now(), clientFormat: 'openai-chat', endpoint: '/v1/chat/completions', requestedModel: 'openai/gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', status: 200, stream: false, passthrough: true, inputTokens: 250, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.0001, timeToFirstTokenMs: 2, latencyMs: 3, overheadMs: 0.3, keyLabel: 'VS Code', decision: { via: 'direct', strategy: 'direct', candidates: [], attempts: [{ target: 'openai/gpt-4o-mini', status: 200, latencyMs: 1, outcome: 'won', startedMs: 0.2 }], winner: 'openai/gpt-4o-mini' } };
  for (let index = 0; index < 100_000; index++) metrics.observe(record);
  const started = process.cpuUsage();
  const observed = 1_000_000;
  for (let index = 0; index < observed; index++) metrics.observe(record);
  const used = process.cpuUsage(started);
  console.log(`CallMetrics.observe: ${(((used.user + used.system) * 1000) / observed).toFixed(0)} ns CPU per record`);

  // The tracer alone, in this process: spans built and exported to a receiver in another process.
  const sink = await startLine(['-e', "const s=require('http').createServer((q,r)=>{q.resume();q.on('end',()=>r.end('{}'))});s.listen(0,'127.0.0.1',()=>console.log('http://127.0.0.1:'+s.address().port))"], process.env, /^(http:\/\/\S+)$/);
  const { createOtlpTracer } = await import('../proxy/telemetry/otlp-tracing');
  const tracer = createOtlpTracer({ endpoint: sink.match[1]!, url: `${sink.match[1]!}/v1/traces`, serviceName: 'bench', serverAddress: () => upstream, log: () => {} });
  const tracedRecords = 20_000;
  for (let index = 0; index < 2_000; index++) tracer.onRecord({ ...record, id: `req_${index}` });
  await tracer.shutdown();
  const tracerAgain = createOtlpTracer({ endpoint: sink.match[1]!, url: `${sink.match[1]!}/v1/traces`, serviceName: 'bench', serverAddress: () => upstream, log: () => {} });
  const tracingStarted = process.cpuUsage();
  for (let index = 0; index < tracedRecords; index++) {
    tracerAgain.onRecord({ ...record, id: `req_${index}` });
    // The batch processor exports every 512 spans; let its requests go as they would between calls.
    if (index % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await tracerAgain.shutdown();
  const tracingUsed = process.cpuUsage(tracingStarted);
  console.log(`OTLP tracer: ${((tracingUsed.user + tracingUsed.system) / tracedRecords).toFixed(1)} µs CPU per call (its span and one attempt span, built, batched, JSON-encoded and sent)`);
  sink.child.kill('SIGTERM');

  for (const side of sides) side.proxy.child.kill('SIGTERM');
  fake.child.kill('SIGTERM');
  receiver.close();
  await dispatcher.close();
  rmSync(work, { recursive: true, force: true });
}

void main();
