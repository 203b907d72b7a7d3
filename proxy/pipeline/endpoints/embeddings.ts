import { ProxyError } from '../../core/errors';
import { readBody, parseJsonObject } from '../../http/read-body';
import { findTopLevelString, spliceBytes } from '../../inbound/json-scan';
import type { JsonObject } from '../../core/json';
import type { RequestContext } from '../../call/request-context';
import { providerAdapters } from '../../codecs/registry';
import { requireEndpointUrl } from '../../providers/endpoint-url';
import type { AttemptTarget } from '../admit';
import type { UpstreamCall } from '../attempt';
import { costHeader } from '../client-answer';
import type { Delivered, Delivery } from '../delivery';
import { createContext, queryOf, type Endpoint, type ReadResult } from '../endpoint';
import { forwardedResponseHeaders, passthroughHeaders } from '../upstream-target';
import { writeHead } from '../../http/response-head';

/**
 * `POST /v1/embeddings` in OpenAI's shape, through the same stages as generation (rules,
 * routes, retries, policies, records). OpenAI-style providers get the body as sent; Gemini
 * gets `batchEmbedContents` and its answer is put back in OpenAI's shape; Anthropic has no
 * embeddings and is passed over.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 * @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
export const embeddingsEndpoint: Endpoint = {
  format: 'openai-chat',
  operation: 'embed',
  async read({ request }, identity, runtime, signal): Promise<ReadResult> {
    let requestedModel = '';
    try {
      const raw = await readBody(request, runtime.routing.config.maxBodyBytes);
      const body = parseJsonObject(raw);
      if (typeof body.model !== 'string' || body.model === '') {
        throw new ProxyError('invalid_request', "The request has no 'model'. Name an embedding model such as text-embedding-3-small.", { param: 'model' });
      }
      requestedModel = body.model;
      const context = createContext(identity, {
        requestedModel,
        stream: false,
        headers: request.headers,
        query: queryOf(request.url),
        raw,
        body: () => body,
        signal,
        decode: () => {
          throw new ProxyError('invalid_request', 'An embeddings request has no messages to translate.');
        },
      });
      return { context };
    } catch (error) {
      if (!(error instanceof ProxyError)) throw error;
      return { refusal: error, requestedModel, stream: false };
    }
  },
  prepare(context, plan) {
    // Gemini needs the inputs as strings: a bad input is the client's mistake, refused before any call.
    if (plan.targets.some((target) => target.api === 'gemini')) geminiInputs(context.body(), plan.targets.find((target) => target.api === 'gemini')!.provider.id);
  },
  upstream(context, target): UpstreamCall {
    if (target.api === 'gemini') return geminiEmbedRequest(context, target);
    let body = context.raw!;
    const range = context.requestedModel !== target.model ? findTopLevelString(body, 'model') : undefined;
    if (range) body = spliceBytes(body, range, JSON.stringify(target.model));
    return { url: embedUrl(target), headers: passthroughHeaders('openai-chat', target.provider, target.credential, context.headers), body, addedUsage: false };
  },
  async deliver(delivery): Promise<Delivered> {
    const { opened, response } = delivery;
    const text = opened.kind === 'whole' ? opened.body.toString('utf8') : opened.firstChunk.toString('utf8');
    if (opened.target.api === 'gemini') return deliverGemini(delivery, text);
    const usage = { inputTokens: promptTokens(text), outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    const costUsd = delivery.price(usage);
    writeHead(response, opened.answer.status, { ...forwardedResponseHeaders(opened.answer.headers), ...delivery.headers, ...costHeader(costUsd) });
    response.end(text);
    return { usage, firstTokenAt: opened.firstChunkAt, costUsd };
  },
};

/** The provider's embeddings endpoint, as its adapter knows it. */
function embedUrl(target: AttemptTarget): string {
  return requireEndpointUrl(providerAdapters[target.api], 'embed', { baseUrl: target.provider.baseUrl, model: target.model }, target.provider.id);
}

function promptTokens(text: string): number {
  try {
    const usage = (JSON.parse(text) as { usage?: { prompt_tokens?: number } }).usage;
    return usage?.prompt_tokens ?? 0;
  } catch {
    return 0;
  }
}

function geminiInputs(body: JsonObject, provider: string): string[] {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(inputs) || !inputs.every((input) => typeof input === 'string')) {
    throw new ProxyError('invalid_request', `'input' must be a string or an array of strings for ${provider} embeddings.`, { param: 'input' });
  }
  return inputs;
}

function geminiEmbedRequest(context: RequestContext, target: AttemptTarget): UpstreamCall {
  const body = context.body();
  const requests = geminiInputs(body, target.provider.id).map((text) => {
    const item: JsonObject = { model: `models/${target.model}`, content: { parts: [{ text }] } };
    if (typeof body.dimensions === 'number') item.outputDimensionality = body.dimensions;
    return item;
  });
  const key = target.credential.source === 'provider' ? target.credential.key : undefined;
  return {
    url: embedUrl(target),
    headers: { 'content-type': 'application/json', 'accept-encoding': 'identity', ...target.provider.headers, ...providerAdapters.gemini.authHeaders(key) },
    body: JSON.stringify({ requests }),
    addedUsage: false,
  };
}

function deliverGemini(delivery: Delivery, text: string): Delivered {
  const { context, opened, response } = delivery;
  const provider = opened.target.provider.id;
  let embeddings: Array<{ values: number[] }>;
  try {
    embeddings = (JSON.parse(text) as { embeddings?: Array<{ values: number[] }> }).embeddings ?? [];
  } catch {
    throw new ProxyError('api_error', `${provider} answered with a body that is not JSON.`, { status: 502, provider });
  }
  const inputs = geminiInputs(context.body(), provider);
  // Gemini does not report embedding tokens; this is Switchyard's estimate.
  const estimate = inputs.reduce((sum, input) => sum + Math.ceil(input.length / 4), 0);
  const usage = { inputTokens: estimate, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  const payload = JSON.stringify({
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding: embedding.values })),
    model: context.requestedModel,
    usage: { prompt_tokens: estimate, total_tokens: estimate },
  });
  const costUsd = delivery.price(usage);
  writeHead(response, 200, { 'content-type': 'application/json', ...delivery.headers, ...costHeader(costUsd) });
  response.end(payload);
  return { usage, firstTokenAt: opened.firstChunkAt, costUsd };
}
