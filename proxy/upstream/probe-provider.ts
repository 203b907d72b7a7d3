import type { ProviderKind } from '../config/config';
import type { ResolvedProvider } from '../config/resolve-providers';
import { ProxyError } from '../core/errors';
import type { ProviderAdapter } from '../providers/adapter';
import { anthropicAdapter } from '../providers/anthropic-messages/adapter';
import { geminiAdapter } from '../providers/gemini/adapter';
import { openAiChatAdapter } from '../providers/openai-chat/adapter';
import { requireEndpointUrl } from '../providers/endpoint-url';
import { lastFour } from '../core/last-four';
import { callUpstream } from './upstream-client';

/** What a key test found (`POST /_switchyard/providers/:id/test`). */
export interface ProviderTestResult {
  ok: boolean;
  /** The provider's HTTP status; absent when it could not be reached. */
  status?: number;
  latencyMs: number;
  /** One sentence for the user: "OpenAI accepted the key …abcd (63 models)." or what went wrong and the fix. */
  message: string;
}

/** How long a key test waits for the provider before saying so. */
export const defaultProbeTimeoutMs = 10_000;

/** The model-list request that proves a key: the cheapest authenticated call each API has. */
interface ProbeRequest {
  url: string;
  headers: Record<string, string>;
  /** Where the list is in the answer: `data` (OpenAI, Anthropic) or `models` (Gemini). */
  listField: 'data' | 'models';
}

/** The adapter whose model list proves a key of each kind of provider (OpenAI's is the same on both its APIs). */
const listingAdapters: Readonly<Record<ProviderKind, ProviderAdapter>> = {
  openai: openAiChatAdapter,
  'openai-compatible': openAiChatAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};

/**
 * Builds the model-list request for a provider's API: the adapter's `list-models` endpoint
 * and auth headers. Gemini answers with `models`, the others with `data`.
 * @see https://ai.google.dev/api/models#method:-models.list
 */
export function probeRequest(provider: ResolvedProvider, apiKey: string | undefined): ProbeRequest {
  const adapter = listingAdapters[provider.kind];
  const headers: Record<string, string> = { ...provider.headers, accept: 'application/json', ...adapter.authHeaders(apiKey) };
  const url = requireEndpointUrl(adapter, 'list-models', { baseUrl: provider.baseUrl, model: '' }, provider.id);
  return { url, headers, listField: provider.kind === 'gemini' ? 'models' : 'data' };
}

/**
 * Tests a key with one model-list call through the proxy's upstream client. Never throws: the
 * result says whether the provider accepted the key and, when not, what to fix. Messages show
 * the key only as its last four characters and never repeat the provider's error text, which
 * some providers fill with a longer part of the key.
 */
export async function probeProvider(
  provider: ResolvedProvider,
  apiKey: string | undefined,
  options: { timeoutMs?: number; now?: () => number } = {},
): Promise<ProviderTestResult> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? defaultProbeTimeoutMs;
  const started = now();
  const latency = (): number => Math.max(0, Math.round(now() - started));
  if (apiKey === undefined && provider.keyRequired) {
    return {
      ok: false,
      latencyMs: 0,
      message: `${provider.id} has no key to test. Set one with "Switchyard: Set Provider Key" or in ${provider.apiKeyEnv.join(' or ')}.`,
    };
  }
  const request = probeRequest(provider, apiKey);
  const keyText = apiKey === undefined ? 'the request' : `the key ${lastFour(apiKey)}`;
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number;
  let text: string;
  try {
    const answer = await callUpstream({ url: request.url, method: 'GET', headers: request.headers, signal }, provider.id);
    status = answer.status;
    text = await answer.body.text();
  } catch (error) {
    const latencyMs = latency();
    if (signal.aborted) {
      return {
        ok: false,
        latencyMs,
        message: `${provider.id} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`} at ${origin(request.url)}. Check its base URL (providers.${provider.id}.baseUrl in the config) and your network.`,
      };
    }
    const message = error instanceof ProxyError ? error.message : `Could not reach ${provider.id} at ${origin(request.url)}. Check its base URL (providers.${provider.id}.baseUrl in the config) and your network.`;
    return { ok: false, latencyMs, message };
  }
  const latencyMs = latency();
  if (status >= 200 && status < 300) {
    const count = countModels(text, request.listField);
    const models = count === undefined ? '' : ` (${count} model${count === 1 ? '' : 's'})`;
    const what = apiKey === undefined ? `${provider.id} answered at ${origin(request.url)}${models}.` : `${provider.id} accepted the key ${lastFour(apiKey)}${models}.`;
    return { ok: true, status, latencyMs, message: what };
  }
  return { ok: false, status, latencyMs, message: failureMessage(provider, status, keyText, request.url) };
}

function failureMessage(provider: ResolvedProvider, status: number, keyText: string, url: string): string {
  if (status === 401 || status === 403) {
    return `${provider.id} rejected ${keyText} (HTTP ${status}). Check that it is a current ${provider.id} API key with access to the API, then set it again with "Switchyard: Set Provider Key".`;
  }
  if (status === 404) {
    return `${provider.id} has no model list at ${origin(url)} (HTTP 404): its base URL (${provider.baseUrl}) looks wrong. Check providers.${provider.id}.baseUrl in the config.`;
  }
  if (status === 429) {
    return `${provider.id} is rate limiting ${keyText} (HTTP 429): the key was not rejected, but try again in a minute or check the account's quota.`;
  }
  if (status >= 500) {
    return `${provider.id} failed with HTTP ${status}: the provider has a problem; try again later or check its status page.`;
  }
  return `${provider.id} refused the test with HTTP ${status}. Check the key and providers.${provider.id} in the config.`;
}

function countModels(text: string, field: 'data' | 'models'): number | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null) return undefined;
    const list = (body as Record<string, unknown>)[field];
    return Array.isArray(list) ? list.length : undefined;
  } catch {
    return undefined;
  }
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
