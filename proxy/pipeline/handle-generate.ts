import type { ModelHandler } from '../http/model-route';
import type { CanonicalRequest, ClientFormat } from '../core/request';
import { ResponseCollector } from '../core/response';
import { ProxyError } from '../core/errors';
import { readBody, parseJsonObject } from '../http/read-body';
import { scanRequestHead } from '../inbound/json-scan';
import { decodeGeminiPath } from '../inbound/gemini/decode-path';
import { createRequestFeatures } from '../routing/request-features';
import { Call } from './call';
import { inboundCodecs } from './codecs';
import type { CallInput } from './attempt';
import { executeRoute } from './execute-route';
import { planRoute } from './route-plan';
import type { ProxyRuntime } from './runtime';
import { countGeminiTokens } from './handle-count-tokens';

/**
 * The handler for every generation endpoint of one client format: read and check the body,
 * decide where the call may go (rules, routes, or the model as addressed), then run the
 * plan: each attempt takes the passthrough path when the client already speaks that
 * provider's API, or translates through the canonical model otherwise.
 *
 * Every call that passed the front door (host, origin, access key) leaves exactly one record,
 * refusals included: a body too large or unreadable, no model, an unknown or disabled model,
 * no provider key. Those are the failures a user cannot see from inside their tool, so the
 * panel must show them. Gemini's countTokens shares the path and is not a generation: no record.
 */
export function createGenerateHandler(runtime: ProxyRuntime, format: ClientFormat): ModelHandler {
  return async function handleGenerate(request, response, { path, clientKey }): Promise<void> {
    const call = new Call(runtime, format, path, response);
    call.clientKey = clientKey;
    const abort = call.abort;
    let generation = true;
    try {
      const raw = await readBody(request, runtime.routing.config.maxBodyBytes);
      // Parsed only when something needs more than `model` and `stream` (a translation, a rule
      // that looks inside, a split's sticky key); a bad body fails here with a clear message.
      let parsed: Record<string, unknown> | undefined;
      const body = (): Record<string, unknown> => (parsed ??= parseJsonObject(raw));
      let geminiAction: string | undefined;
      let emptySignature: boolean | undefined;
      let streamOptions: boolean | undefined;
      if (format === 'gemini') {
        const target = decodeGeminiPath(path);
        if (!target) {
          throw new ProxyError('not_found', `Switchyard does not serve ${path}. Use models/{model}:generateContent, :streamGenerateContent or :countTokens.`);
        }
        if (target.action === 'countTokens') {
          generation = false;
          await countGeminiTokens(runtime, request, response, target.model, raw, body(), abort.signal);
          return;
        }
        call.requestedModel = target.model;
        call.stream = target.stream;
        geminiAction = target.action;
        body();
      } else {
        const head = scanRequestHead(raw);
        // Taken before the full parse, so a malformed body's record still names its model.
        if (head.model !== undefined) call.requestedModel = head.model;
        call.stream = head.stream;
        emptySignature = head.emptySignature;
        streamOptions = head.streamOptions;
        if (!head.complete) body();
        if (call.requestedModel === '') {
          throw new ProxyError('invalid_request', "The request has no 'model'. Name a model such as claude-sonnet-4-6, gpt-4o-mini or groq/llama-3.3-70b-versatile.", { param: 'model' });
        }
      }
      const features = createRequestFeatures({ format, body, endpoint: path, model: call.requestedModel, clientKey: call.clientKey, headers: request.headers });
      const plan = planRoute(runtime, format, features, request.headers, body, call);
      const first = plan.candidates[0]!;
      call.provider = first.provider.id;
      call.model = first.model;
      call.passthrough = first.passthrough;
      call.recordable = true;
      let canonical: CanonicalRequest | undefined;
      const input: CallInput = {
        call,
        request,
        response,
        raw,
        body,
        geminiAction,
        emptySignature,
        streamOptions,
        canonical: () => {
          if (canonical === undefined) {
            canonical = features.decoded() ?? inboundCodecs[format].decodeRequest(body());
            if (format === 'gemini') {
              canonical.model = call.requestedModel;
              canonical.stream = call.stream;
            }
          }
          return canonical;
        },
      };
      if (plan.judge) input.collector = new ResponseCollector();
      // A translated call decodes the body before anything is sent, so a bad request fails here.
      if (plan.candidates.some((candidate) => !candidate.passthrough)) input.canonical();
      await executeRoute(input, plan, runtime, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return;
      // A refusal before routing finished is recorded like any other failed call.
      call.recordable = generation;
      call.fail(response, error);
    }
  };
}
