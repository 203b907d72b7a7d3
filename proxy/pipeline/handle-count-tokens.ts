import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type ModelHandler } from '../http/model-route';
import { ProxyError } from '../core/errors';
import { readBody, parseJsonObject } from '../http/read-body';
import { resolveModel } from '../routing/resolve-model';
import { decodeCountTokensRequest } from '../inbound/anthropic-messages/decode-request';
import { geminiCodec } from '../inbound/gemini/codec';
import { isObject } from '../core/json';
import { estimateInputTokens } from '../tokens/estimate-tokens';
import { callUpstream } from '../upstream/upstream-client';
import { inboundCodecs } from './codecs';
import type { ProxyRuntime } from './runtime';
import { chooseCredential, credentialSecret, forwardedResponseHeaders, passthroughHeaders, scrubSecret } from './upstream-target';

/**
 * `POST /v1/messages/count_tokens`. Anthropic counts exactly, so its models go there as
 * sent; for a model routed elsewhere the answer is Switchyard's local estimate, since other
 * providers have no equivalent endpoint for the same request shape.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function createCountTokensHandler(runtime: ProxyRuntime): ModelHandler {
  return async function handleCountTokens(request, response): Promise<void> {
    const abort = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    try {
      const { config, providers } = runtime.routing;
      const raw = await readBody(request, config.maxBodyBytes);
      const body = parseJsonObject(raw);
      if (typeof body.model !== 'string') {
        throw new ProxyError('invalid_request', "The request has no 'model'. Name the model whose tokens to count.", { param: 'model' });
      }
      const address = resolveModel(body.model, config, providers);
      const provider = address.provider;
      if (provider.kind === 'anthropic') {
        const credential = chooseCredential(provider, request.headers, true, config.accessKeys.length > 0);
        const upstreamBody = body.model === address.model ? raw : Buffer.from(JSON.stringify({ ...body, model: address.model }));
        const answer = await callUpstream(
          {
            url: `${provider.baseUrl}/v1/messages/count_tokens`,
            headers: passthroughHeaders('anthropic', provider, credential, request.headers),
            body: upstreamBody,
            signal: abort.signal,
          },
          provider.id,
        );
        const text = scrubSecret(await answer.body.text(), credentialSecret(credential));
        response.writeHead(answer.status, forwardedResponseHeaders(answer.headers));
        response.end(text);
        return;
      }
      sendJson(response, 200, { input_tokens: estimateInputTokens(decodeCountTokensRequest(body)) });
    } catch (error) {
      if (abort.signal.aborted) return;
      const { status, body } = inboundCodecs['anthropic-messages'].encodeError(error instanceof ProxyError ? error : new ProxyError('api_error', 'Switchyard hit an internal error; see the proxy log for details.'));
      if (!(error instanceof ProxyError)) runtime.log(`count_tokens failed: ${(error as Error)?.stack ?? String(error)}`);
      sendJson(response, status, body);
    }
  };
}

/**
 * Gemini's `models/{model}:countTokens`: Gemini models are counted by Gemini, anything else
 * by the local estimate, answered in Gemini's shape.
 * @see https://ai.google.dev/api/tokens#method:-models.counttokens
 */
export async function countGeminiTokens(runtime: ProxyRuntime, request: IncomingMessage, response: ServerResponse, model: string, raw: Buffer, body: Record<string, unknown>, signal: AbortSignal): Promise<void> {
  const { config, providers } = runtime.routing;
  const address = resolveModel(model, config, providers);
  const provider = address.provider;
  if (provider.kind === 'gemini') {
    const credential = chooseCredential(provider, request.headers, true, config.accessKeys.length > 0);
    const answer = await callUpstream(
      {
        url: `${provider.baseUrl}/models/${address.model}:countTokens`,
        headers: passthroughHeaders('gemini', provider, credential, request.headers),
        body: raw,
        signal,
      },
      provider.id,
    );
    const text = scrubSecret(await answer.body.text(), credentialSecret(credential));
    response.writeHead(answer.status, forwardedResponseHeaders(answer.headers));
    response.end(text);
    return;
  }
  // The request is either `{contents}` or a whole `{generateContentRequest}`.
  const generateRequest = isObject(body.generateContentRequest) ? body.generateContentRequest : body;
  sendJson(response, 200, { totalTokens: estimateInputTokens(geminiCodec.decodeRequest(generateRequest)) });
}
