import type { EndpointTarget, WireOperation } from '../adapter';
import { modelPathSegment } from '../endpoint-url';

/** The Gemini API's public base URL, used when a target names none. */
export const geminiDefaultBaseUrl = 'https://generativelanguage.googleapis.com/v1beta';

/**
 * Gemini's endpoints, each a method on the model resource except the model list. The base URL
 * includes the version (`/v1beta`). Streams ask for SSE (`alt=sse`); without it Gemini sends
 * one JSON array. The model list is paged: one page of 1000 holds every model.
 *
 * @see https://ai.google.dev/api/generate-content#method:-models.generatecontent
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 * @see https://ai.google.dev/api/tokens#method:-models.counttokens
 * @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 * @see https://ai.google.dev/api/models#method:-models.list
 */
export function geminiEndpointUrl(operation: WireOperation, target: EndpointTarget): string {
  const baseUrl = target.baseUrl !== '' ? target.baseUrl : geminiDefaultBaseUrl;
  switch (operation) {
    case 'generate':
      return geminiModelUrl(baseUrl, target.model, 'generateContent');
    case 'stream':
      return geminiModelUrl(baseUrl, target.model, 'streamGenerateContent?alt=sse');
    case 'count-tokens':
      return geminiModelUrl(baseUrl, target.model, 'countTokens');
    case 'embed':
      return geminiModelUrl(baseUrl, target.model, 'batchEmbedContents');
    case 'list-models':
      return `${baseUrl}/models?pageSize=1000`;
  }
}

/**
 * The Google API system parameters a Gemini client's query may carry to Gemini on a passthrough
 * call: `prettyPrint` (whitespace of the JSON answer) and `quotaUser` (per-user quota
 * attribution). The others are Switchyard's or must not go along: `key`, `access_token` and
 * `oauth_token` are credentials (the client's key is Switchyard's local key, never the
 * provider's); `alt` is set by Switchyard for the operation (`sse` for every stream, as the
 * Google SDKs ask; the answer must be one Switchyard can relay and read usage from); `fields` could
 * mask `usageMetadata` and so the call's cost and budget; `callback` (JSONP), `$ct`,
 * `$httpMethod` and `$userProject` (bill another project) change what the call is.
 * @see https://cloud.google.com/apis/docs/system-parameters
 */
export const geminiForwardedQuery: ReadonlySet<string> = new Set(['prettyPrint', '$prettyPrint', 'quotaUser', '$quotaUser']);

/**
 * `x-goog-api-key`, which keeps the key out of URLs (and so out of proxies' access logs).
 * @see https://ai.google.dev/gemini-api/docs/api-key
 */
export function geminiAuthHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { 'x-goog-api-key': apiKey } : {};
}

/** The model id without the `models/` prefix of Gemini's resource names, which the URL adds. */
export function geminiModelId(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

/** @throws ProxyError (400) when the model is not a Gemini model id, which could steer the URL. */
function geminiModelUrl(baseUrl: string, model: string, method: string): string {
  return `${baseUrl}/models/${modelPathSegment(geminiModelId(model), 'Gemini')}:${method}`;
}
