import type { ClientFormat } from '../../core/request';
import { ProxyError } from '../../core/errors';
import { isObject, type JsonObject } from '../../core/json';
import { readBody, parseJsonObject } from '../../http/read-body';
import { findTopLevelString, spliceBytes } from '../../inbound/json-scan';
import { decodeCountTokensRequest } from '../../inbound/anthropic-messages/decode-request';
import { decodeGeminiPath } from '../../inbound/gemini/decode-path';
import { geminiCodec } from '../../inbound/gemini/codec';
import { estimateInputTokens } from '../../tokens/estimate-tokens';
import { providerAdapters } from '../../codecs/registry';
import { requireEndpointUrl } from '../../providers/endpoint-url';
import type { Delivered } from '../delivery';
import { createContext, queryOf, type Endpoint, type ReadResult } from '../endpoint';
import { forwardedResponseHeaders, passthroughHeaders } from '../upstream-target';
import { writeHead } from '../../http/response-head';

/**
 * Token counting, through the same stages as generation: Anthropic's
 * `POST /v1/messages/count_tokens` and Gemini's `models/{model}:countTokens`. The provider
 * counts exactly when the call is routed to one that speaks the client's API; for any other
 * target the answer is Switchyard's local estimate, since other providers have no equivalent
 * endpoint for the same request shape. Either way the call leaves a record.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 * @see https://ai.google.dev/api/tokens#method:-models.counttokens
 */
export function countTokensEndpoint(format: Extract<ClientFormat, 'anthropic-messages' | 'gemini'>): Endpoint {
  const gemini = format === 'gemini';
  return {
    format,
    operation: 'count-tokens',
    async read({ request, path }, identity, runtime, signal): Promise<ReadResult> {
      let requestedModel = '';
      try {
        const raw = await readBody(request, runtime.routing.config.maxBodyBytes);
        const body = parseJsonObject(raw);
        if (gemini) {
          requestedModel = decodeGeminiPath(path)?.model ?? '';
        } else if (typeof body.model === 'string') {
          requestedModel = body.model;
        }
        if (requestedModel === '') {
          throw new ProxyError('invalid_request', "The request has no 'model'. Name the model whose tokens to count.", { param: 'model' });
        }
        const decode = gemini ? (value: JsonObject) => geminiCodec.decodeRequest(isObject(value.generateContentRequest) ? value.generateContentRequest : value) : decodeCountTokensRequest;
        return { context: createContext(identity, { requestedModel, stream: false, headers: request.headers, query: queryOf(request.url), raw, body: () => body, signal, decode }) };
      } catch (error) {
        if (!(error instanceof ProxyError)) throw error;
        return { refusal: error, requestedModel, stream: false };
      }
    },
    answerLocally(context, plan) {
      if (plan.targets[0]!.passthrough) return undefined;
      const tokens = estimateInputTokens(context.canonical());
      return { status: 200, body: gemini ? { totalTokens: tokens } : { input_tokens: tokens } };
    },
    upstream(context, target) {
      let body = context.raw!;
      if (!gemini && context.requestedModel !== target.model) {
        const range = findTopLevelString(body, 'model');
        if (range) body = spliceBytes(body, range, JSON.stringify(target.model));
      }
      const url = requireEndpointUrl(providerAdapters[target.api], 'count-tokens', { baseUrl: target.provider.baseUrl, model: target.model }, target.provider.id);
      return { url, headers: passthroughHeaders(target.api, target.provider, target.credential, context.headers), body, addedUsage: false };
    },
    async deliver({ opened, response, headers }): Promise<Delivered> {
      const body = opened.kind === 'whole' ? opened.body : opened.firstChunk;
      writeHead(response, opened.answer.status, { ...forwardedResponseHeaders(opened.answer.headers), ...headers, 'content-length': body.length });
      response.end(body);
      return { usage: undefined, firstTokenAt: undefined, costUsd: null };
    },
  };
}
