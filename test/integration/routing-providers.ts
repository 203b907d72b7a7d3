import { FakeUpstream, type FakeHandler, type FakeReply, type RecordedRequest } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson, openAiErrorJson } from '../fakes/openai-chat-replies';
import { responsesEvents, responsesJson } from '../fakes/openai-responses-replies';
import { anthropicEvents, anthropicMessageJson } from '../fakes/anthropic-replies';
import type { SwitchyardConfig } from '../../proxy/config/config';
import type { DecisionRecord } from '../../proxy/routing/decision';
import type { RequestRecord } from '../../proxy/store/request-record';
import { apiOfRequest } from './fake-providers';
import { testKeys, type TestProxy } from './harness';

/**
 * Routing tests run one fake upstream per provider, so each target of a route can be told
 * apart and made to fail, stall, rate-limit or cut its stream on its own.
 */

/** The targets the routing tests use, by provider. */
export const targets = {
  groq: 'groq/llama-3.3-70b-versatile',
  cerebras: 'cerebras/llama3.1-8b',
  openai: 'openai/gpt-5',
  anthropic: 'anthropic/claude-sonnet-4-6',
} as const;

export type ProviderName = keyof typeof targets;

/** The keys of the four providers (the harness's, plus Cerebras). */
export const routingEnv: NodeJS.ProcessEnv = { ...testKeys, CEREBRAS_API_KEY: 'csk-test-cerebras-0000000000000005' };

export type Fakes = Record<ProviderName, FakeUpstream>;

export async function startFakes(): Promise<Fakes> {
  const [groq, cerebras, openai, anthropic] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
  return { groq: groq!, cerebras: cerebras!, openai: openai!, anthropic: anthropic! };
}

export async function closeFakes(fakes: Fakes): Promise<void> {
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
}

/** Points each provider at its own fake. */
export function useFakes(config: SwitchyardConfig, fakes: Fakes): void {
  config.providers.groq = { baseUrl: fakes.groq.url('/v1') };
  config.providers.cerebras = { baseUrl: fakes.cerebras.url('/v1') };
  config.providers.openai = { baseUrl: fakes.openai.url('/v1') };
  config.providers.anthropic = { baseUrl: fakes.anthropic.url('') };
}

/** Every fake answers as itself, forgets what it received, and the router forgets what it learnt. */
export function resetFakes(fakes: Fakes): void {
  for (const name of Object.keys(fakes) as ProviderName[]) {
    fakes[name].requests.length = 0;
    fakes[name].reply(answerAs(name));
  }
}

/** The text each provider's fake answers with. */
export const answerText = (provider: ProviderName) => `Hello from ${provider}.`;

export interface AnswerOptions {
  /** Wait this long before answering at all (headers included). */
  afterMs?: number;
  /** Streams: wait this long before each chunk (headers go out at once). */
  chunkDelayMs?: number;
}

/** Answers in the API the request was made in, streaming when asked, with `answerText(provider)`. */
export function answerAs(provider: ProviderName, options: AnswerOptions = {}): FakeHandler {
  return async (request) => {
    if (options.afterMs !== undefined) await sleep(options.afterMs);
    const reply = successReply(provider, request);
    return 'chunks' in reply && options.chunkDelayMs !== undefined ? { ...reply, delayMs: options.chunkDelayMs } : reply;
  };
}

/** The model id each target's provider calls itself by. */
function modelOf(provider: ProviderName): string {
  return targets[provider].slice(targets[provider].indexOf('/') + 1);
}

export function successReply(provider: ProviderName, request: RecordedRequest): FakeReply {
  const stream = request.json?.stream === true;
  const model = modelOf(provider);
  const text = answerText(provider);
  switch (apiOfRequest(request)) {
    case 'openai-chat': {
      const options = { model, text, usage: { prompt: 40, completion: 6 } };
      return stream ? { chunks: chatCompletionChunks(options) } : { json: chatCompletionJson(options) };
    }
    case 'openai-responses': {
      const options = { model, text, usage: { input: 40, output: 6 } };
      return stream ? { chunks: responsesEvents(options) } : { json: responsesJson(options) };
    }
    case 'anthropic': {
      const options = { model, text, usage: { input: 40, output: 6 } };
      return stream ? { chunks: anthropicEvents(options) } : { json: anthropicMessageJson(options) };
    }
    case 'gemini':
      throw new Error('the routing tests send nothing to Gemini');
  }
}

/** A streamed answer whose first `count` events arrive, then the connection drops. */
export function cutStream(provider: ProviderName, request: RecordedRequest, count: number): FakeReply {
  const reply = successReply(provider, request);
  if (!('chunks' in reply)) throw new Error('cutStream needs a streamed request');
  // FakeUpstream sends a write on the next tick: the trailing empty chunk lets every real one leave before the cut.
  return { chunks: [...reply.chunks.slice(0, count), ''], delayMs: 1, cut: true };
}

/** An OpenAI-style error answer (Groq and Cerebras copy OpenAI's error shape). */
export function openAiError(status: number, message: string, headers?: Record<string, string>): FakeReply {
  const type = status === 429 ? 'tokens' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : null;
  return { status, headers, json: openAiErrorJson(message, type, code) };
}

export interface Sent {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed, when it is JSON. */
  json: any;
  /** The request's record, found by its `x-switchyard-request-id`. */
  record: RequestRecord;
}

/** Sends one call in a client format with fetch, reads it whole, and waits for its record. */
export async function send(proxy: TestProxy, path: '/v1/chat/completions' | '/v1/messages', body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Sent> {
  const recordsBefore = proxy.records.length;
  const response = await fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer client-key', 'x-api-key': 'client-key', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const id = response.headers.get('x-switchyard-request-id');
  // Calls refused before routing carry no id: their record is the next one (such tests send one at a time).
  const record = id === null ? await within(proxy.record(recordsBefore + 1), 2000, 'no record was written') : await recordOf(proxy, id);
  return { status: response.status, headers: response.headers, text, json, record };
}

/** An OpenAI Chat Completions call. */
export function chat(proxy: TestProxy, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Sent> {
  return send(proxy, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'Say hello.' }], ...extra }, headers);
}

/** An Anthropic Messages call. */
export function messages(proxy: TestProxy, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Sent> {
  return send(proxy, '/v1/messages', { model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello.' }], ...extra }, headers);
}

/** The text of a streamed answer, from OpenAI Chat chunks or Anthropic text deltas. */
export function streamedText(sent: Sent): string {
  let text = '';
  for (const line of sent.text.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const data = JSON.parse(line.slice(6));
    if (data.object === 'chat.completion.chunk') text += data.choices[0]?.delta.content ?? '';
    else if (data.type === 'content_block_delta' && data.delta.type === 'text_delta') text += data.delta.text;
  }
  return text;
}

/** Waits (up to two seconds) for the record with this request id. */
export async function recordOf(proxy: TestProxy, id: string): Promise<RequestRecord> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const found = proxy.records.find((record) => record.id === id);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no record for ${id}`);
    await Promise.race([proxy.record(proxy.records.length + 1), sleep(50)]);
  }
}

/** The decision without attempt latencies and start times (they vary), each checked to be a measured time. */
export function decisionShape(decision: DecisionRecord | undefined): unknown {
  if (decision === undefined) throw new Error('the record has no decision');
  return {
    ...decision,
    attempts: decision.attempts.map(({ latencyMs, startedMs, ...rest }) => {
      if (!(typeof latencyMs === 'number' && latencyMs >= 0)) throw new Error(`bad latency ${latencyMs}`);
      // Every attempt that was sent has its start; one a budget refused before sending has none.
      if (!(startedMs === undefined ? rest.status === 402 : typeof startedMs === 'number' && startedMs >= 0)) throw new Error(`bad start ${startedMs}`);
      return rest;
    }),
  };
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Resolves with `promise`, or rejects after `milliseconds` saying what did not happen. */
export async function within<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${milliseconds} ms`)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A reproducible uniform draw in [0, 1) (mulberry32), for statistical tests that must not flake. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
