import type { ServerResponse } from 'node:http';
import type { CanonicalRequest } from '../core/request';
import { ProxyError } from '../core/errors';
import { responseToParts } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { ProviderApi, Target } from '../providers/adapter';
import type { ResponseContext, StreamEncoder } from '../inbound/codec';
import { SseParser } from '../sse/sse-parser';
import { callUpstream, type UpstreamAnswer } from '../upstream/upstream-client';
import { inboundCodecs, providerAdapters } from './codecs';
import type { Call } from './call';
import { scrubSecret } from './upstream-target';
import { relayBody, sseHeaders } from './stream-writer';
import { readWholeAnswer, switchyardHeaders } from './passthrough';

export interface TranslatedCall {
  call: Call;
  response: ServerResponse;
  request: CanonicalRequest;
  api: ProviderApi;
  provider: ResolvedProvider;
  model: string;
  apiKey: string | undefined;
  signal: AbortSignal;
}

/**
 * The any-to-any path: canonical request → provider wire, provider answer → stream parts →
 * client wire. Streams are translated chunk by chunk: whatever one upstream chunk yields is
 * written before the next is read.
 */
export async function forwardTranslated(translated: TranslatedCall): Promise<void> {
  const { call, response, request, api, provider } = translated;
  const adapter = providerAdapters[api];
  const target: Target = { provider: provider.id, baseUrl: provider.baseUrl, apiKey: translated.apiKey, model: translated.model, headers: provider.headers };
  const upstreamRequest = adapter.encodeRequest({ ...request, model: translated.model }, target);
  upstreamRequest.headers['accept-encoding'] = 'identity';
  const answer = await callUpstream({ ...upstreamRequest, signal: translated.signal }, provider.id);
  if (answer.status >= 400) {
    const text = scrubSecret(await answer.body.text(), translated.apiKey);
    throw withRetryAfter(adapter.decodeError(answer.status, text, provider.id), answer.headers['retry-after']);
  }
  const codec = inboundCodecs[call.format];
  const context: ResponseContext = { requestId: call.id, model: call.requestedModel, created: Math.floor(call.time / 1000), request };
  const contentType = String(answer.headers['content-type'] ?? '');
  const upstreamStreams = contentType.includes('text/event-stream');

  if (!request.stream) {
    const decoded = adapter.decodeResponse(await readJsonAnswer(answer, provider.id));
    call.markFirstToken();
    call.usage = decoded.usage;
    const payload = JSON.stringify(codec.encodeResponse(decoded, context));
    response.writeHead(200, { 'content-type': 'application/json', ...switchyardHeaders(call) });
    response.end(payload);
    return;
  }

  const encoder = codec.createStreamEncoder(context);
  const sink = new PartSink(call, encoder);
  if (!upstreamStreams) {
    // Some OpenAI-compatible servers answer a stream request with one JSON body. It is read
    // before the headers go out, so a failure to read it is still an ordinary error answer.
    const decoded = adapter.decodeResponse(await readJsonAnswer(answer, provider.id));
    response.writeHead(200, { ...sseHeaders, ...switchyardHeaders(call) });
    response.end(sink.encodeAll(responseToParts(decoded)));
    return;
  }
  response.writeHead(200, { ...sseHeaders, ...switchyardHeaders(call) });
  const parser = new SseParser();
  const decoder = adapter.createStreamDecoder();
  try {
    await relayBody(answer.body, response, (chunk) => {
      if (sink.ended) return '';
      let text = '';
      for (const event of parser.push(chunk)) text += sink.encodeAll(decoder.decode(event));
      return text;
    });
  } catch {
    if (translated.signal.aborted) return;
    const failure = new ProxyError('api_error', `${provider.id} closed the stream before it was complete.`, { status: 502, provider: provider.id });
    response.end(sink.encodeAll([{ type: 'error', error: failure }]));
    return;
  }
  let rest = '';
  if (!sink.ended) {
    for (const event of parser.end()) rest += sink.encodeAll(decoder.decode(event));
    rest += sink.encodeAll(decoder.end());
  }
  response.end(rest);
}

/**
 * Reads and parses a whole JSON answer. A cut midway and a body that is not JSON (an HTML
 * page from a gateway in between) are the provider's failures: 502s naming it, not
 * Switchyard's internal errors.
 */
async function readJsonAnswer(answer: UpstreamAnswer, provider: string): Promise<unknown> {
  const body = await readWholeAnswer(answer.body, provider);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProxyError('api_error', `${provider} answered with a body that is not JSON.`, { status: 502, provider });
  }
}

/**
 * Carries the provider's `Retry-After` (delay-seconds, as OpenAI-compatible providers and
 * Anthropic send it) onto a decoded error that has no wait of its own, so a translated 429
 * tells the client when to come back just as a passthrough one does.
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
function withRetryAfter(error: ProxyError, header: string | string[] | undefined): ProxyError {
  const seconds = typeof header === 'string' && header.trim() !== '' ? Number(header) : Number.NaN;
  if (error.retryAfterSeconds !== undefined || !Number.isFinite(seconds) || seconds < 0) return error;
  return new ProxyError(error.kind, error.message, {
    status: error.status,
    provider: error.provider,
    param: error.param,
    retryAfterSeconds: Math.ceil(seconds),
  });
}

/** Encodes parts for the client and notes usage, first token and errors on the call. */
class PartSink {
  ended = false;

  constructor(
    private readonly call: Call,
    private readonly encoder: StreamEncoder,
  ) {}

  encodeAll(parts: Iterable<StreamPart>): string {
    let text = '';
    for (const part of parts) {
      if (this.ended) break;
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta':
        case 'tool-input-start':
          this.call.markFirstToken();
          break;
        case 'finish':
          this.call.usage = part.usage;
          this.ended = true;
          break;
        case 'error':
          this.call.error = part.error.message;
          this.ended = true;
          break;
      }
      text += this.encoder.encode(part);
    }
    return text;
  }
}
