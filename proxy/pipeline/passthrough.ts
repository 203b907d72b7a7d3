import { ProxyError } from '../core/errors';
import { isObject } from '../core/json';
import { findTopLevelString, spliceBytes } from '../inbound/json-scan';
import { UsageTap, readResponseUsage } from '../passthrough/usage-tap';
import type { AttemptTarget, CallInput, OpenedAttempt } from './attempt';
import type { Call } from './call';
import { providerAdapters } from './codecs';
import { requireEndpointUrl } from '../providers/endpoint-url';
import { SseParser } from '../sse/sse-parser';
import { responseToParts, type ResponseCollector } from '../core/response';
import { forwardedResponseHeaders, passthroughHeaders } from './upstream-target';
import { relayBody } from './stream-writer';

/**
 * The fast path for a client speaking the provider's own API: the body goes upstream as the
 * client wrote it (only `model` changed when routing renamed it) and the answer's bytes come
 * back untouched, each chunk written the moment it arrives, while a tap reads usage.
 */
export function passthroughRequest(input: CallInput, target: AttemptTarget): { url: string; headers: Record<string, string>; body: Buffer; addedUsage: boolean } {
  const { body, addedUsage } = passthroughBody(input, target);
  return {
    url: passthroughUrl(input, target),
    headers: passthroughHeaders(target.api, target.provider, target.credential, input.request.headers),
    body,
    addedUsage,
  };
}

/** Relays an opened passthrough attempt to the client. */
export async function relayPassthrough(input: CallInput, opened: OpenedAttempt, extraHeaders: Record<string, string>): Promise<void> {
  const { call, response } = input;
  const headers = { ...forwardedResponseHeaders(opened.answer.headers), ...extraHeaders };
  if (opened.kind === 'whole') {
    // A whole JSON answer is of no use to a client until it is complete: it was read in full
    // before the headers go out, so a provider that dropped it midway was an ordinary error.
    call.markFirstToken(opened.firstChunkAt);
    call.usage = readResponseUsage(opened.target.api, opened.body);
    if (input.collector) collectWhole(input.collector, opened);
    response.writeHead(opened.answer.status, { ...headers, ...call.costHeader(), 'content-length': opened.body.length });
    response.end(opened.body);
    return;
  }
  response.writeHead(opened.answer.status, headers);
  const tap = new UsageTap(opened.target.api, opened.addedUsage);
  const provider = opened.target.provider.id;
  const collect = input.collector ? streamCollector(input.collector, opened) : undefined;
  try {
    response.write(tap.push(opened.firstChunk));
    collect?.(opened.firstChunk);
    await relayBody(opened.answer.body, response, (chunk) => {
      collect?.(chunk);
      return tap.push(chunk);
    }, opened.idleMs);
  } catch {
    if (opened.abort.signal.aborted && response.destroyed) return;
    const failure = new ProxyError('api_error', `${provider} closed the stream before it was complete.`, { status: 502, provider });
    call.error = failure.message;
    response.end(call.streamErrorEvent(failure));
    return;
  } finally {
    call.usage = tap.end();
    call.firstTokenAt = tap.firstTokenAt;
  }
  response.end();
}

/** The served answer, decoded on the side only when a judge will want it. */
function collectWhole(collector: ResponseCollector, opened: OpenedAttempt & { kind: 'whole' }): void {
  try {
    for (const part of responseToParts(providerAdapters[opened.target.api].decodeResponse(JSON.parse(opened.body.toString('utf8')), opened.target.provider.id))) collector.add(part);
  } catch {
    // An answer that does not decode is simply not judged.
  }
}

function streamCollector(collector: ResponseCollector, opened: OpenedAttempt): (chunk: Buffer) => void {
  const parser = new SseParser();
  const decoder = providerAdapters[opened.target.api].createStreamDecoder(opened.target.provider.id);
  return (chunk) => {
    try {
      for (const event of parser.push(chunk)) for (const part of decoder.decode(event)) if (part.type !== 'error') collector.add(part);
    } catch {
      // Judging is best effort; the client's stream is unaffected.
    }
  };
}

/**
 * The body to send: the client's bytes, with `model` swapped and OpenAI-style usage
 * requested; `addedUsage` says Switchyard asked for usage the client did not.
 */
function passthroughBody(input: CallInput, target: AttemptTarget): { body: Buffer; addedUsage: boolean } {
  let raw = input.raw;
  if (target.api === 'anthropic' && (input.emptySignature ?? true)) {
    const body = input.body();
    const cleaned = withoutUnsignedThinking(body);
    // The one case where the bytes are rewritten: see withoutUnsignedThinking.
    if (cleaned !== body) return { body: Buffer.from(JSON.stringify({ ...cleaned, model: target.model })), addedUsage: false };
  }
  if (target.api !== 'gemini' && input.call.requestedModel !== target.model) {
    const range = findTopLevelString(raw, 'model');
    if (range) raw = spliceBytes(raw, range, JSON.stringify(target.model));
  }
  if (target.api !== 'openai-chat' || !input.call.stream) return { body: raw, addedUsage: false };
  // Without usage in the stream no cost can be computed, so Switchyard asks for it.
  const options = (input.streamOptions ?? raw.includes('"stream_options"')) ? (input.body().stream_options as Record<string, unknown> | undefined) : undefined;
  const body = input.body;
  if (options === undefined || options === null) {
    const open = raw.indexOf(0x7b) + 1;
    return { body: spliceBytes(raw, { start: open, end: open }, '"stream_options":{"include_usage":true},'), addedUsage: true };
  }
  if (options.include_usage !== true) {
    const rewritten = JSON.stringify({ ...body(), model: target.model, stream_options: { ...options, include_usage: true } });
    return { body: Buffer.from(rewritten), addedUsage: true };
  }
  return { body: raw, addedUsage: false };
}

/**
 * Reasoning from another provider reaches an Anthropic client as thinking blocks with an empty
 * signature (there is none to give). Anthropic verifies every thinking block it is sent back,
 * so when such a conversation later goes to Anthropic those blocks are dropped; signed ones stay
 * byte for byte. Returns the body itself when nothing needed dropping.
 */
function withoutUnsignedThinking(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.messages)) return body;
  let changed = false;
  const messages = body.messages.map((message: unknown) => {
    if (!isObject(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return message;
    const content = message.content.filter((block: unknown) => !(isObject(block) && block.type === 'thinking' && block.signature === ''));
    if (content.length === message.content.length) return message;
    changed = true;
    return { ...message, content };
  });
  return changed ? { ...body, messages } : body;
}

/** The provider's endpoint, with the client's query string where the adapter says it may go along. */
function passthroughUrl(input: CallInput, target: AttemptTarget): string {
  const adapter = providerAdapters[target.api];
  const endpoint = { baseUrl: target.provider.baseUrl, model: target.model };
  const url = requireEndpointUrl(adapter, input.call.stream ? 'stream' : 'generate', endpoint, target.provider.id);
  const clientUrl = input.request.url ?? '';
  if (!adapter.forwardsClientQuery || !clientUrl.includes('?')) return url;
  return url + clientUrl.slice(clientUrl.indexOf('?'));
}

export function switchyardHeaders(call: Call): Record<string, string> {
  return {
    'x-switchyard-request-id': call.id,
    'x-switchyard-provider': call.provider ?? '',
    'x-switchyard-model': call.model ?? '',
  };
}
