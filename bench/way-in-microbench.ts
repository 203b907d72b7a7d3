/**
 * The way in's own work, outside HTTP and undici: what Switchyard does between a request's body
 * arriving and its dispatch to the provider, for the bench's passthrough calls (1 KB and 80 KB,
 * OpenAI and Anthropic streams), with the bench's 51 rules and routes: the identity, the body's
 * scan and the context (the generate endpoint's read), plan and admit, and the provider request
 * (URL, headers, body), and undici's `Request` made from it as the Agent's dispatch makes it (its
 * checks of the path, the method and every header; the dispatch's queueing and the socket are
 * left out); and the same for the translated 1 KB stream (Anthropic client → OpenAI-compatible
 * provider), whose way in also parses and decodes the body and encodes the Chat request.
 *
 * `node --import tsx bench/way-in-microbench.ts [--calls N] [--rounds N] [--cases <text>]` prints CPU µs a call
 * per case, the cases interleaved round by round. Under callgrind, run it twice with different
 * `--calls` (e.g. 20,000 and 60,000) and take the difference of the totals over the difference
 * of the calls: instructions a call, start-up and compiling cancelled (docs/benchmark.md,
 * "Fourteenth round, latency: the way in").
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../proxy/config/load-config';
import { arrive } from '../proxy/call/request-context';
import { CallAbortController } from '../proxy/call/call-abort';
import { createContext } from '../proxy/pipeline/endpoint';
import { createRoutingState, createRuntime } from '../proxy/pipeline/create-runtime';
import { planAndAdmit } from '../proxy/pipeline/stage-steps';
import { generateEndpoint } from '../proxy/pipeline/endpoints/generate';
import { scanRequestHead } from '../proxy/inbound/json-scan';
import { inboundCodecs } from '../proxy/codecs/registry';
import { ProxyEvents } from '../proxy/events/proxy-events';
import { benchConfig } from './switchyard-service';
import { anthropicBody, openaiBody } from './payloads';
import { routedModels } from './routing-config';
import type { ClientFormat } from '../proxy/core/request';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' }, warm: { type: 'string', default: '20000' }, cases: { type: 'string', default: '' } } });
const calls = Number(values.calls);

const upstream = 'http://127.0.0.1:9';
const config = parseConfig(benchConfig(upstream));
const env = { OPENAI_API_KEY: 'sk-bench-openai-0000', ANTHROPIC_API_KEY: 'sk-ant-bench-0000', FAKECOMPAT_API_KEY: 'sk-bench-compat-0000' };
const routing = createRoutingState(config, env, {});
const runtime = createRuntime({ config, env, routing, store: undefined, events: new ProxyEvents(), log: () => {} });

interface WayInCase {
  name: string;
  format: ClientFormat;
  path: string;
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/** The headers Node hands a handler for the bench's requests (host, length and connection added by the client). */
function clientHeaders(extra: Record<string, string>, body: Buffer): IncomingHttpHeaders {
  return { host: '127.0.0.1:4141', connection: 'keep-alive', 'content-length': String(body.length), ...extra };
}

const allCases: WayInCase[] = (['1k', '80k'] as const).flatMap((size) => {
  const openai = Buffer.from(openaiBody('gpt-4o-mini', size, true));
  const anthropic = Buffer.from(anthropicBody('claude-sonnet-4-5', size, true));
  return [
    { name: `OpenAI ${size} stream`, format: 'openai-chat' as const, path: '/v1/chat/completions', body: openai, headers: clientHeaders({ 'content-type': 'application/json', authorization: 'Bearer sk-bench-openai-0000' }, openai) },
    { name: `Anthropic ${size} stream`, format: 'anthropic-messages' as const, path: '/v1/messages', body: anthropic, headers: clientHeaders({ 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench-0000', 'anthropic-version': '2023-06-01' }, anthropic) },
  ];
});

/**
 * The 1 KB JSON call three ways: direct (unrouted), routed by the 50th rule to route `chain` (fallback), and
 * through route `uncached` (the cache cases' cache-off side, named like the route): the routed
 * rows' two sides.
 */
const routedCases: WayInCase[] = [
  ['OpenAI 1k json direct', 'gpt-4o-mini'],
  ['OpenAI 1k json routed', routedModels.openai],
  ['OpenAI 1k json uncached', 'uncached'],
].map(([name, model]) => {
  const body = Buffer.from(openaiBody(model!, '1k', false));
  return { name: name!, format: 'openai-chat' as const, path: '/v1/chat/completions', body, headers: clientHeaders({ 'content-type': 'application/json', authorization: 'Bearer sk-bench-openai-0000' }, body) };
});
allCases.push(...routedCases);

/**
 * The translated stream (Anthropic client → the OpenAI-compatible `fakecompat`): the same read,
 * plan and admit, then `prepare` (the body parsed and decoded) and the Chat request encoded.
 */
const translated = Buffer.from(anthropicBody('fakecompat/bench-model', '1k', true));
allCases.push({ name: 'Anthropic 1k translated stream', format: 'anthropic-messages', path: '/v1/messages', body: translated, headers: clientHeaders({ 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench-0000', 'anthropic-version': '2023-06-01' }, translated) });

/** `--cases 1k`: only the cases whose name holds that text. */
const cases = allCases.filter((each) => each.name.includes(values.cases));

/** undici's own request object (lib/core/request.js, not exported): what `Client` makes of every dispatch. */
type UndiciRequest = new (origin: string, options: { path: string; method: string; headers: unknown; body: Buffer | string }, handler: object) => { headers: unknown[] };
const UndiciRequest = createRequire(__filename)('undici/lib/core/request.js') as UndiciRequest;
const noHandler = { onRequestStart() {}, onResponseStart() {}, onResponseData() {}, onResponseEnd() {}, onResponseError() {} };

/** Each provider URL's path, split once as the upstream client does (`splitUrl`). */
const paths = new Map<string, string>();

let sink = 0;

/** One call's way in, as serveCall, the generate endpoint's read and runStages do it up to the dispatch. */
function wayIn(each: WayInCase): void {
  const endpoint = generateEndpoint(each.format);
  const abort = new CallAbortController();
  const identity = arrive({ format: each.format, operation: 'generate', endpoint: each.path, principal: undefined, clientHeaders: each.headers });
  const raw = each.body;
  const head = scanRequestHead(raw, undefined);
  const codec = inboundCodecs[each.format];
  const context = createContext(identity, {
    requestedModel: head.model!,
    stream: head.stream,
    headers: each.headers,
    query: '',
    raw,
    body: () => JSON.parse(raw.toString('utf8')),
    scan: { emptySignature: head.emptySignature, streamOptions: head.streamOptions, streamOptionsAt: head.streamOptionsAt, maxOutputTokens: head.maxOutputTokens, memberAt: head.memberAt },
    signal: abort.signal,
    decode: (value) => codec.decodeRequest(value),
  });
  const admitted = planAndAdmit(runtime, context);
  if (admitted instanceof Promise || 'refusal' in admitted) throw new Error('not admitted');
  const plan = admitted.plan;
  endpoint.prepare?.(context, plan);
  const upstreamCall = endpoint.upstream(context, plan.targets[0]!);
  let path = paths.get(upstreamCall.url);
  if (path === undefined) paths.set(upstreamCall.url, (path = new URL(upstreamCall.url).pathname));
  const request = new UndiciRequest(upstream, { path, method: 'POST', headers: upstreamCall.headers, body: upstreamCall.body }, noHandler);
  sink += upstreamCall.url.length + request.headers.length + upstreamCall.body.length;
}

function measure(each: WayInCase): number {
  const start = process.cpuUsage();
  for (let index = 0; index < calls; index++) wayIn(each);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

for (const each of cases) for (let index = 0; index < Number(values.warm); index++) wayIn(each);
const results = new Map<string, number[]>(cases.map((each) => [each.name, []]));
for (let round = 0; round < Number(values.rounds); round++) for (const each of cases) results.get(each.name)!.push(measure(each));
for (const [name, perCall] of results) process.stdout.write(`${name}: ${perCall.map((value) => value.toFixed(2)).join(' / ')} µs CPU a call\n`);
if (sink === 0) process.stdout.write('\n');
