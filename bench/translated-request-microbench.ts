/**
 * `node --import tsx bench/translated-request-microbench.ts [--calls N] [--rounds N] [--ways whole,cut] [--size 80k] [--cold]`:
 * the translated request's way in after the read stage's scan (Anthropic client → Chat
 * Completions provider, the bench's body): the body's parse, the Messages decode, the
 * `ClientBytes` index and the spliced Chat encode, two ways — `whole`, the body parsed with
 * `JSON.parse` as before, and `cut`, its tools' schemas left as the client's bytes
 * (`parseWithClientSchemas`). Prints CPU µs a call per way, interleaved round by round. The
 * WebAssembly skipper is compiled with TurboFan and other WebAssembly confined to Liftoff, as
 * the proxy does (main.ts). Under callgrind one `--ways` and two `--calls`: the difference of the
 * main thread's totals is instructions a call (docs/benchmark.md, "Seventeenth round"); bundle
 * it with esbuild first (tsx's `__name` on every closure costs). `--cold` walks 64 MB before each
 * call, as the calls one at a time meet the caches, and times each call alone (median µs).
 */
import { parseArgs } from 'node:util';
import { anthropicBody, type BodySize } from './payloads';
import { scanRequestHead } from '../proxy/inbound/json-scan';
import { nestedValueSkipper } from '../proxy/inbound/nested-value-skip';
import { confineWebAssemblyToLiftoff } from '../proxy/webassembly-tiers';
import { parseWithClientSchemas } from '../proxy/inbound/tool-schemas';
import { parseJsonObject } from '../proxy/http/read-body';
import { decodeMessagesRequest } from '../proxy/inbound/anthropic-messages/decode-request';
import { encodeChatRequest } from '../proxy/providers/openai-chat/encode-request';
import type { Target } from '../proxy/providers/adapter';
import { ClientBytes } from '../proxy/wire/client-bytes';

// As the proxy's entry sets them (main.ts).
confineWebAssemblyToLiftoff();

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '6' },
    ways: { type: 'string', default: 'whole,cut' },
    size: { type: 'string', default: '80k' },
    cold: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const ways = values.ways.split(',') as Array<'whole' | 'cut'>;
const target: Target = { provider: 'fakecompat', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'key', model: 'bench-model' };
const bytes = Buffer.from(anthropicBody('fakecompat/bench-model', values.size as BodySize, true));
const head = scanRequestHead(bytes);
const toolsAt = head.memberAt?.tools;
if (toolsAt === undefined) throw new Error('the body has no tools');
const skipper = nestedValueSkipper();
const wholeValues = {
  keys: new Set(['input_schema', 'parameters']),
  skip: (at: number) => {
    const skipped = skipper.skip(at);
    return skipped < 2 ? -1 : skipped >> 1;
  },
};

/** One call's way in after the scan; returns the provider body's size. */
function call(way: 'whole' | 'cut'): number {
  skipper.load(bytes);
  const body = (way === 'cut' ? parseWithClientSchemas(bytes, toolsAt!, skipper) : undefined) ?? parseJsonObject(bytes);
  const request = { ...decodeMessagesRequest(body), model: 'bench-model' };
  const index = ClientBytes.index(bytes, body, wholeValues);
  return encodeChatRequest(request, target, index).body.length;
}

const expected = call('whole');
if (call('cut') !== expected) throw new Error('the two ways wrote different bodies');
const results: Record<string, number[]> = {};
/** Enough memory walked to push the body and the code's data out of the caches. */
const evictor = values.cold ? new Uint8Array(64 * 1024 * 1024) : undefined;
let evicted = 0;
function evict(): void {
  for (let index = 0; index < evictor!.length; index += 64) evicted += evictor![index]!++;
}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const way of ways) {
    if (evictor !== undefined) {
      const times: number[] = [];
      for (let index = 0; index < calls; index++) {
        evict();
        const start = process.hrtime.bigint();
        call(way);
        times.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      times.sort((a, b) => a - b);
      (results[way] ??= []).push(times[Math.floor(times.length / 2)]!);
      continue;
    }
    const start = process.cpuUsage();
    for (let index = 0; index < calls; index++) call(way);
    const used = process.cpuUsage(start);
    (results[way] ??= []).push((used.user + used.system) / calls);
  }
}
if (evicted === -1) console.log('');
for (const way of ways) {
  const sorted = [...results[way]!].sort((a, b) => a - b);
  console.log(`${way}: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs a call (median of ${sorted.length} rounds of ${calls}; ${results[way]!.map((value) => value.toFixed(1)).join(' ')})`);
}
