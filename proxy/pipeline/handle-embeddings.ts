import type { ServerResponse } from 'node:http';
import type { ModelHandler } from '../http/model-route';
import { ProxyError } from '../core/errors';
import { readBody, parseJsonObject } from '../http/read-body';
import { disabledModelError } from '../routing/disabled-models';
import { resolveModel } from '../routing/resolve-model';
import { callUpstream } from '../upstream/upstream-client';
import { findTopLevelString, spliceBytes } from '../inbound/json-scan';
import { providerAdapters } from './codecs';
import { Call } from './call';
import type { ProxyRuntime } from './runtime';
import { chooseCredential, credentialSecret, forwardedResponseHeaders, passthroughHeaders, scrubSecret } from './upstream-target';
import { switchyardHeaders } from './passthrough';

/**
 * `POST /v1/embeddings` in OpenAI's shape. OpenAI-style providers get the body as sent;
 * Gemini gets `batchEmbedContents` and its answer is put back in OpenAI's shape.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 * @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
export function createEmbeddingsHandler(runtime: ProxyRuntime): ModelHandler {
  return async function handleEmbeddings(request, response, { path, clientKey }): Promise<void> {
    const call = new Call(runtime, 'openai-chat', path, response);
    call.clientKey = clientKey;
    const abort = call.abort;
    try {
      const { config, providers } = runtime.routing;
      const raw = await readBody(request, config.maxBodyBytes);
      const body = parseJsonObject(raw);
      if (typeof body.model !== 'string') {
        throw new ProxyError('invalid_request', "The request has no 'model'. Name an embedding model such as text-embedding-3-small.", { param: 'model' });
      }
      call.requestedModel = body.model;
      const address = resolveModel(body.model, config, providers);
      const provider = address.provider;
      call.provider = provider.id;
      call.model = address.model;
      if (runtime.routing.isDisabled?.(`${address.provider.id}/${address.model}`)) throw disabledModelError([`${address.provider.id}/${address.model}`]);
      call.recordable = true;
      if (provider.kind === 'anthropic') {
        throw new ProxyError('invalid_request', `${provider.id} has no embeddings API. Use an OpenAI, Gemini or OpenAI-compatible embedding model.`, { param: 'model' });
      }
      if (provider.kind === 'gemini') {
        await embedWithGemini(call, response, body, provider.baseUrl, address.model, chooseCredential(provider, request.headers, false, true), provider.id, abort.signal);
        return;
      }
      call.passthrough = true;
      const credential = chooseCredential(provider, request.headers, true, config.accessKeys.length > 0);
      let upstreamBody = raw;
      const range = body.model !== address.model ? findTopLevelString(raw, 'model') : undefined;
      if (range) upstreamBody = spliceBytes(raw, range, JSON.stringify(address.model));
      const answer = await callUpstream(
        {
          url: `${provider.baseUrl}/embeddings`,
          headers: passthroughHeaders('openai-chat', provider, credential, request.headers),
          body: upstreamBody,
          signal: abort.signal,
        },
        provider.id,
      );
      const text = scrubSecret(await answer.body.text(), credentialSecret(credential));
      if (answer.status >= 400) {
        call.error = providerAdapters['openai-chat'].decodeError(answer.status, text, provider.id).message;
      } else {
        const usage = (JSON.parse(text) as { usage?: { prompt_tokens?: number } }).usage;
        call.usage = { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
      }
      response.writeHead(answer.status, { ...forwardedResponseHeaders(answer.headers), ...switchyardHeaders(call) });
      response.end(text);
    } catch (error) {
      if (abort.signal.aborted) return;
      // Refusals (bad body, unknown or disabled model, no key) are recorded too, so the panel shows them.
      call.recordable = true;
      call.fail(response, error);
    }
  };
}

async function embedWithGemini(
  call: Call,
  response: ServerResponse,
  body: Record<string, unknown>,
  baseUrl: string,
  model: string,
  credential: ReturnType<typeof chooseCredential>,
  providerId: string,
  signal: AbortSignal,
): Promise<void> {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(inputs) || !inputs.every((input) => typeof input === 'string')) {
    throw new ProxyError('invalid_request', `'input' must be a string or an array of strings for ${providerId} embeddings.`, { param: 'input' });
  }
  const geminiRequest: Record<string, unknown>[] = inputs.map((text) => {
    const item: Record<string, unknown> = { model: `models/${model}`, content: { parts: [{ text }] } };
    if (typeof body.dimensions === 'number') item.outputDimensionality = body.dimensions;
    return item;
  });
  const key = credential.source === 'provider' ? credential.key : undefined;
  const answer = await callUpstream(
    {
      url: `${baseUrl}/models/${model}:batchEmbedContents`,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-goog-api-key': key } : {}) },
      body: JSON.stringify({ requests: geminiRequest }),
      signal,
    },
    providerId,
  );
  const text = scrubSecret(await answer.body.text(), key);
  if (answer.status >= 400) throw providerAdapters.gemini.decodeError(answer.status, text, providerId);
  const embeddings = (JSON.parse(text) as { embeddings?: Array<{ values: number[] }> }).embeddings ?? [];
  const estimate = inputs.reduce((sum: number, input: string) => sum + Math.ceil(input.length / 4), 0);
  call.usage = { inputTokens: estimate, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  const payload = JSON.stringify({
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding: embedding.values })),
    model: call.requestedModel,
    // Gemini does not report embedding tokens; this is Switchyard's estimate.
    usage: { prompt_tokens: estimate, total_tokens: estimate },
  });
  response.writeHead(200, { 'content-type': 'application/json', ...switchyardHeaders(call) });
  response.end(payload);
}
