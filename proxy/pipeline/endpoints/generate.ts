import type { ClientFormat } from '../../core/request';
import { ProxyError } from '../../core/errors';
import type { JsonObject } from '../../core/json';
import { readBody } from '../../http/read-body';
import { scanRequestHead } from '../../inbound/json-scan';
import { parseRequestBody, toolSchemasAt } from '../../inbound/tool-schemas';
import { neutralBodyFields } from '../../cache/request-bytes-key';
import { decodeGeminiPath } from '../../inbound/gemini/decode-path';
import { inboundCodecs } from '../../codecs/registry';
import { createContext, queryOf, type Endpoint, type ReadResult } from '../endpoint';
import { passthroughRequest, relayPassthrough } from '../passthrough';
import { relayTranslated, translatedRequest } from '../translate';

/**
 * A generation endpoint of one client format (Chat Completions, Responses, Messages, Gemini
 * generateContent): each attempt takes the passthrough path when the client already speaks
 * that provider's API, or translates through the canonical model otherwise.
 */
export function generateEndpoint(format: ClientFormat): Endpoint {
  const codec = inboundCodecs[format];
  return {
    format,
    operation: 'generate',
    async read({ request, path }, identity, runtime, signal): Promise<ReadResult> {
      let requestedModel = '';
      let stream = false;
      try {
        const raw = await readBody(request, runtime.routing.config.maxBodyBytes);
        // Parsed only when something needs more than `model` and `stream` (a translation, a rule
        // that looks inside, a split's sticky key); a bad body fails here with a clear message.
        let parsed: JsonObject | undefined;
        // A large Messages body's tools' schemas are left as the client's bytes (tool-schemas.ts).
        let toolsAt: number | undefined;
        const body = (): JsonObject => (parsed ??= parseRequestBody(raw, toolsAt));
        let scan = {};
        if (format === 'gemini') {
          const target = decodeGeminiPath(path);
          if (!target) throw new ProxyError('not_found', `Switchyard does not serve ${path}. Use models/{model}:generateContent, :streamGenerateContent or :countTokens.`);
          requestedModel = target.model;
          stream = target.stream;
          const generationConfig = body().generationConfig;
          const maxOutputTokens = typeof generationConfig === 'object' && generationConfig !== null && !Array.isArray(generationConfig) ? (generationConfig as JsonObject).maxOutputTokens : undefined;
          if (typeof maxOutputTokens === 'number') scan = { maxOutputTokens };
        } else {
          // The response cache's neutral fields are noted in the same pass when a cache is configured.
          const head = scanRequestHead(raw, runtime.routing.cache === undefined ? undefined : neutralBodyFields[format]);
          // Taken before the full parse, so a malformed body's record still names its model.
          if (head.model !== undefined) requestedModel = head.model;
          stream = head.stream;
          scan = { emptySignature: head.emptySignature, streamOptions: head.streamOptions, streamOptionsAt: head.streamOptionsAt, maxOutputTokens: head.maxOutputTokens, neutralMembers: head.neutralMembers, memberAt: head.memberAt };
          toolsAt = toolSchemasAt(format, head, raw.length);
          if (!head.complete) body();
          if (requestedModel === '') {
            throw new ProxyError('invalid_request', "The request has no 'model'. Name a model such as claude-sonnet-4-6, gpt-4o-mini or groq/llama-3.3-70b-versatile.", { param: 'model' });
          }
        }
        const context = createContext(identity, { requestedModel, stream, headers: request.headers, query: queryOf(request.url), raw, body, scan, signal, decode: (value) => codec.decodeRequest(value) });
        return { context };
      } catch (error) {
        if (!(error instanceof ProxyError)) throw error;
        return { refusal: error, requestedModel, stream };
      }
    },
    prepare(context, plan) {
      if (plan.targets.some((target) => !target.passthrough)) context.canonical();
    },
    upstream: (context, target) => (target.passthrough ? passthroughRequest(context, target) : translatedRequest(context, target)),
    deliver: (delivery) => (delivery.opened.target.passthrough ? relayPassthrough(delivery) : relayTranslated(delivery)),
  };
}
