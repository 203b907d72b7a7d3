import type { Request, Response } from 'express';
import type { ClientFormat } from '../core/request';
import { ProxyError } from '../core/errors';
import { readBody, parseJsonObject } from '../http/read-body';
import { resolveModel } from '../routing/resolve-model';
import { decodeGeminiPath } from '../inbound/gemini/decode-path';
import { Call } from './call';
import { chooseApi, inboundCodecs, nativeApi } from './codecs';
import type { ProxyRuntime } from './runtime';
import { chooseCredential } from './upstream-target';
import { forwardPassthrough } from './passthrough';
import { forwardTranslated } from './translate';
import { countGeminiTokens } from './handle-count-tokens';

/**
 * The handler for every generation endpoint of one client format: read and check the body,
 * resolve where the model lives, then take the passthrough path when the client already
 * speaks the provider's API, or translate through the canonical model otherwise.
 */
export function createGenerateHandler(runtime: ProxyRuntime, format: ClientFormat) {
  return async function handleGenerate(request: Request, response: Response): Promise<void> {
    const call = new Call(runtime, format, request.path, response);
    call.clientKey = response.locals.clientKey as string | undefined;
    const abort = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    try {
      const { config, providers } = runtime.routing;
      const raw = await readBody(request, config.maxBodyBytes);
      const body = parseJsonObject(raw);
      let geminiAction: string | undefined;
      if (format === 'gemini') {
        const target = decodeGeminiPath(request.path);
        if (!target) {
          throw new ProxyError('not_found', `Switchyard does not serve ${request.path}. Use models/{model}:generateContent, :streamGenerateContent or :countTokens.`);
        }
        if (target.action === 'countTokens') {
          await countGeminiTokens(runtime, request, response, target.model, raw, body, abort.signal);
          return;
        }
        call.requestedModel = target.model;
        call.stream = target.stream;
        geminiAction = target.action;
      } else {
        if (typeof body.model !== 'string' || body.model === '') {
          throw new ProxyError('invalid_request', "The request has no 'model'. Name a model such as claude-sonnet-4-5, gpt-4o-mini or groq/llama-3.3-70b-versatile.", { param: 'model' });
        }
        call.requestedModel = body.model;
        call.stream = body.stream === true;
      }
      const address = resolveModel(call.requestedModel, config, providers);
      const api = chooseApi(address.provider.kind, format, address.model);
      call.provider = address.provider.id;
      call.model = address.model;
      call.passthrough = nativeApi[format] === api;
      call.recordable = true;
      const credential = chooseCredential(address.provider, request.headers, call.passthrough, config.accessKeys.length > 0);
      if (call.passthrough) {
        await forwardPassthrough({
          call,
          request,
          response,
          raw,
          body,
          api,
          provider: address.provider,
          model: address.model,
          credential,
          signal: abort.signal,
          geminiAction,
        });
        return;
      }
      const canonical = inboundCodecs[format].decodeRequest(body);
      if (format === 'gemini') {
        canonical.model = call.requestedModel;
        canonical.stream = call.stream;
      }
      await forwardTranslated({
        call,
        response,
        request: canonical,
        api,
        provider: address.provider,
        model: address.model,
        apiKey: credential.source === 'provider' ? credential.key : undefined,
        signal: abort.signal,
      });
    } catch (error) {
      if (abort.signal.aborted) return;
      call.fail(response, error);
    }
  };
}
