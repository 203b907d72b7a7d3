import { ProxyError } from '../core/errors';
import { responseToParts, type ResponseCollector } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { ResponseContext, StreamEncoder } from '../inbound/codec';
import { SseParser } from '../sse/sse-parser';
import { inboundCodecs, providerAdapters } from './codecs';
import type { CallInput, OpenedAttempt } from './attempt';
import type { Call } from './call';
import { relayBody, sseHeaders } from './stream-writer';

/**
 * The any-to-any path, client side: provider answer → stream parts → client wire. Streams
 * are translated chunk by chunk: whatever one upstream chunk yields is written before the
 * next is read.
 */
export async function relayTranslated(input: CallInput, opened: OpenedAttempt, extraHeaders: Record<string, string>): Promise<void> {
  const { call, response } = input;
  const request = input.canonical();
  const adapter = providerAdapters[opened.target.api];
  const provider = opened.target.provider.id;
  const codec = inboundCodecs[call.format];
  const context: ResponseContext = { requestId: call.id, model: call.requestedModel, created: Math.floor(call.time / 1000), request };

  if (opened.kind === 'whole') {
    const decoded = adapter.decodeResponse(parseJson(opened.body, provider), provider);
    if (input.collector) for (const part of responseToParts(decoded)) input.collector.add(part);
    call.markFirstToken(opened.firstChunkAt);
    if (!request.stream) {
      call.usage = decoded.usage;
      const payload = JSON.stringify(codec.encodeResponse(decoded, context));
      response.writeHead(200, { 'content-type': 'application/json', ...extraHeaders, ...call.costHeader() });
      response.end(payload);
      return;
    }
    // Some OpenAI-compatible servers answer a stream request with one JSON body.
    const sink = new PartSink(call, codec.createStreamEncoder(context));
    response.writeHead(200, { ...sseHeaders, ...extraHeaders });
    response.end(sink.encodeAll(responseToParts(decoded)));
    return;
  }

  const sink = new PartSink(call, codec.createStreamEncoder(context), input.collector);
  response.writeHead(200, { ...sseHeaders, ...extraHeaders });
  const parser = new SseParser();
  const decoder = adapter.createStreamDecoder(provider);
  const translate = (chunk: Buffer): string => {
    if (sink.ended) return '';
    let text = '';
    for (const event of parser.push(chunk)) text += sink.encodeAll(decoder.decode(event));
    return text;
  };
  try {
    const first = translate(opened.firstChunk);
    if (first !== '') response.write(first);
    await relayBody(opened.answer.body, response, translate, opened.idleMs);
  } catch {
    if (opened.abort.signal.aborted && response.destroyed) return;
    const failure = new ProxyError('api_error', `${provider} closed the stream before it was complete.`, { status: 502, provider });
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

/** A body that is not JSON (an HTML page from a gateway in between) is the provider's failure. */
function parseJson(body: Buffer, provider: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProxyError('api_error', `${provider} answered with a body that is not JSON.`, { status: 502, provider });
  }
}

/** Encodes parts for the client and notes usage, first token and errors on the call. */
class PartSink {
  ended = false;

  constructor(
    private readonly call: Call,
    private readonly encoder: StreamEncoder,
    private readonly collector?: ResponseCollector,
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
      if (this.collector && part.type !== 'error') this.collector.add(part);
      text += this.encoder.encode(part);
    }
    return text;
  }
}
