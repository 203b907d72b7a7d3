/**
 * `node --import tsx bench/translate-encode-microbench.ts [--rounds N]`: CPU per call of the
 * translated request's encode (Anthropic client → Chat Completions provider, the bench's 1 KB and
 * 80 KB bodies), two ways in one process, interleaved: JSON.stringify of the whole body and the
 * string made a Buffer (what undici did with it in `dispatch`), against the client's bytes
 * indexed (`ClientBytes`) and spliced in (`SplicedJson`). Also the index alone and the body's
 * parse and decode, for scale. Each figure is the median of 15 timed loops after a warm-up;
 * on a shared machine compare the two sides of one run, not runs.
 */
import { parseArgs } from 'node:util';
import { anthropicBody, type BodySize } from './payloads';
import { decodeMessagesRequest } from '../proxy/inbound/anthropic-messages/decode-request';
import { encodeChatRequest } from '../proxy/providers/openai-chat/encode-request';
import type { Target } from '../proxy/providers/adapter';
import { ClientBytes } from '../proxy/wire/client-bytes';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '1000' } } });
const rounds = Number(values.rounds);
const target: Target = { provider: 'fakecompat', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'key', model: 'bench-model' };

/** Median µs per call of `run` over 15 loops of `rounds` calls. */
function time(run: () => unknown): number {
  const loops: number[] = [];
  for (let loop = 0; loop < 15; loop++) {
    const start = process.hrtime.bigint();
    for (let call = 0; call < rounds; call++) run();
    loops.push(Number(process.hrtime.bigint() - start) / rounds / 1000);
  }
  loops.sort((a, b) => a - b);
  return loops[7]!;
}

for (const size of ['1k', '80k'] as BodySize[]) {
  const bytes = Buffer.from(anthropicBody('fakecompat/bench-model', size, true));
  const parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const request = { ...decodeMessagesRequest(parsed), model: 'bench-model' };
  const stringified = (): Buffer => Buffer.from(encodeChatRequest(request, target).body);
  const spliced = (): string | Buffer => encodeChatRequest(request, target, ClientBytes.index(bytes, parsed)).body;
  if (!Buffer.isBuffer(spliced()) || !stringified().equals(spliced() as Buffer)) throw new Error(`${size}: the spliced body is not the stringified one`);
  for (let warm = 0; warm < rounds; warm++) (stringified(), spliced());
  const sides = { stringified: [] as number[], spliced: [] as number[] };
  for (let pass = 0; pass < 3; pass++) {
    sides.stringified.push(time(stringified));
    sides.spliced.push(time(spliced));
  }
  const show = (list: number[]): string => list.map((value) => value.toFixed(1)).join(' / ');
  console.log(`${size} encode + Buffer: JSON.stringify ${show(sides.stringified)} µs; spliced ${show(sides.spliced)} µs (three passes, interleaved)`);
  console.log(`${size}   the index alone ${time(() => ClientBytes.index(bytes, parsed)).toFixed(1)} µs; parse ${time(() => JSON.parse(bytes.toString('utf8'))).toFixed(1)} µs; parse + decode ${time(() => decodeMessagesRequest(JSON.parse(bytes.toString('utf8')) as Record<string, unknown>)).toFixed(1)} µs`);
}
