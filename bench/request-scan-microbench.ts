/**
 * The request head's scan alone (`scanRequestHead`, proxy/inbound/json-scan.ts) on the bench's
 * bodies, its nested values skipped in JavaScript and in WebAssembly.
 *
 * `node --import tsx bench/request-scan-microbench.ts [--calls N] [--rounds N] [--sizes 1k,80k] [--ways javascript,webassembly]`
 * prints CPU µs a scan per body and way, the ways interleaved round by round. Under callgrind
 * (`--separate-threads=yes`), run it twice with different `--calls` and one `--ways` and take
 * the difference of the main thread's totals over the difference of the calls: instructions a
 * scan, start-up and compiling cancelled (docs/benchmark.md, "Fifteenth round").
 */
import { parseArgs } from 'node:util';
import { scanRequestHead, type NestedValueScan } from '../proxy/inbound/json-scan';
import { neutralBodyFields } from '../proxy/cache/request-bytes-key';
import { anthropicBody, openaiBody, type BodySize } from './payloads';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '6' },
    warm: { type: 'string', default: '5000' },
    sizes: { type: 'string', default: '1k,80k' },
    ways: { type: 'string', default: 'javascript,webassembly' },
    cache: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const ways = values.ways.split(',') as NestedValueScan[];
const bodies = (values.sizes.split(',') as BodySize[]).flatMap((size) => [
  { name: `OpenAI ${size}`, body: Buffer.from(openaiBody('gpt-4o-mini', size, false)), neutral: values.cache ? neutralBodyFields['openai-chat'] : undefined },
  { name: `Anthropic ${size}`, body: Buffer.from(anthropicBody('claude-sonnet-4-5', size, false)), neutral: values.cache ? neutralBodyFields['anthropic-messages'] : undefined },
]);

let sink = 0;
function run(body: Buffer, neutral: ReadonlySet<string> | undefined, way: NestedValueScan, count: number): number {
  const started = process.cpuUsage();
  for (let call = 0; call < count; call++) sink += scanRequestHead(body, neutral, way).complete ? 1 : 0;
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

for (const { body, neutral } of bodies) for (const way of ways) run(body, neutral, way, Number(values.warm));
const results = new Map<string, number[]>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const { name, body, neutral } of bodies) {
    for (const way of round % 2 === 0 ? ways : [...ways].reverse()) {
      const key = `${name} ${way}`;
      results.set(key, [...(results.get(key) ?? []), run(body, neutral, way, calls)]);
    }
  }
}
for (const [key, rounds] of results) {
  const sorted = [...rounds].sort((a, b) => a - b);
  console.log(`${key.padEnd(30)} median ${sorted[sorted.length >> 1]!.toFixed(2)} µs, rounds ${rounds.map((value) => value.toFixed(2)).join(' ')}`);
}
if (sink < 0) console.log(sink);
