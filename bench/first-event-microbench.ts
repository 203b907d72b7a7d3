/**
 * `node --import tsx bench/first-event-microbench.ts [--calls N] [--what first|stream|both]`:
 * the translated stream's way out in process (Anthropic client ← OpenAI-compatible provider),
 * as `relayTranslated` runs it: `SseParser` → `ChatStreamDecoder` → `AnthropicStreamEncoder`,
 * each made new per call, over the fake upstream's first Chat chunk (`first`: the first event's
 * way out) or its whole 1 KB stream (`stream`), one event a chunk as the fake writes them.
 *
 * Made for instruction counts: bundle it (esbuild, `--bundle --platform=node`) and run it under
 * `valgrind --tool=callgrind` twice with different `--calls`; the difference of the two totals
 * divided by the difference of the calls is a call's instructions, start-up and compiling
 * cancelled (docs/benchmark.md, "Fifteenth round, latency: the translated stream's first
 * event"). Without valgrind it prints µs a call (CPU time, the median of 9 loops), which on a
 * shared machine only compares two builds run interleaved.
 */
import { parseArgs } from 'node:util';
import { upstreamReplies } from './upstream-replies';
import { SseParser } from '../proxy/sse/sse-parser';
import { ChatStreamDecoder } from '../proxy/providers/openai-chat/decode-stream';
import { AnthropicStreamEncoder } from '../proxy/inbound/anthropic-messages/encode-stream';
import type { ResponseContext } from '../proxy/inbound/codec';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '10000' }, what: { type: 'string', default: 'both' } } });
const calls = Number(values.calls);
const chunks = upstreamReplies['/v1/chat/completions']!.events;
const responseContext: ResponseContext = {
  requestId: 'req_bench',
  model: 'claude-sonnet-4-5',
  created: 1_741_570_283,
  request: { model: 'claude-sonnet-4-5', messages: [], stream: true } as unknown as ResponseContext['request'],
};

/** One translated stream over `count` of the fake's chunks; returns the bytes written. */
function translate(count: number): number {
  const parser = new SseParser();
  const decoder = new ChatStreamDecoder('fakecompat');
  const encoder = new AnthropicStreamEncoder(responseContext);
  let written = 0;
  for (let index = 0; index < count; index++) {
    for (const event of parser.push(chunks[index]!)) for (const part of decoder.decode(event)) written += encoder.encode(part).length;
  }
  return written;
}

const kinds = values.what === 'both' ? ['first', 'stream'] : [values.what!];
for (const kind of kinds) {
  const count = kind === 'first' ? 1 : chunks.length;
  const loops: number[] = [];
  let written = 0;
  for (let loop = 0; loop < 9; loop++) {
    const start = process.cpuUsage();
    for (let call = 0; call < calls / 9; call++) written += translate(count);
    const used = process.cpuUsage(start);
    loops.push((used.user + used.system) / (calls / 9));
  }
  loops.sort((a, b) => a - b);
  console.log(`${kind}: ${loops[4]!.toFixed(2)} µs a call (${calls} calls, ${written} bytes written)`);
}
