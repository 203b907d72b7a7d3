/**
 * `node --import tsx bench/ring-microbench.ts [puts] [rounds]`: the probation ring's `put` alone,
 * as a 1 KB JSON miss calls it (a ~1 KB answer, a ~1 KB question, the metadata cached-answer.ts
 * writes for the provider's bytes): the median, lowest and highest of the rounds' nanoseconds a
 * put. For two builds, bundle it from each (`npx esbuild bench/ring-microbench.ts --bundle
 * --platform=node --outfile=…`) and run the bundles alternately: tsx's loader doubles the figures.
 */
import { performance } from 'node:perf_hooks';
import { ProbationRing } from '../proxy/store/probation-ring';

const answer = Buffer.from(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(900) }, finish_reason: 'stop' }], usage: { prompt_tokens: 250, completion_tokens: 220, total_tokens: 470 } }));
const request = Buffer.from('y'.repeat(1100));
const keyFunction = (): string => 'key';

function puts(ring: ProbationRing, count: number, start: number): number {
  const began = performance.now();
  for (let index = 0; index < count; index++) {
    const metadata = { provider: 'openai', model: 'gpt-4o-mini', usage: { inputTokens: 250, outputTokens: 220, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, costUsd: 0.000169 + index * 1e-9, storedAt: 1_700_000_000_000 + index, wireApi: 'openai-chat', wireStream: false };
    const question = { target: 'openai/gpt-4o-mini', format: 'openai-chat', owner: 'shared', request, headers: {}, fingerprint: start + index };
    ring.put(start + index, metadata, question, answer, true, answer.byteLength + request.byteLength, metadata.storedAt, metadata.storedAt + 3_600_000, keyFunction);
  }
  return ((performance.now() - began) * 1e6) / count;
}

const count = Number(process.argv[2] ?? 20000);
const rounds = Number(process.argv[3] ?? 10);
const ring = new ProbationRing(1024 * 1024);
let next = 1;
const times: number[] = [];
for (let round = 0; round < rounds; round++) {
  times.push(puts(ring, count, next));
  next += count;
}
times.sort((left, right) => left - right);
process.stdout.write(`put: median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ns (lowest ${times[0]!.toFixed(0)}, highest ${times[times.length - 1]!.toFixed(0)}), ${ring.size} entries held\n`);
