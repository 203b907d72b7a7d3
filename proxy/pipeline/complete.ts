import type { CanonicalRequest } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import { ProxyError } from '../core/errors';
import type { Target } from '../providers/adapter';
import { resolveModel } from '../routing/resolve-model';
import { callUpstream } from '../upstream/upstream-client';
import { chooseApi, providerAdapters } from './codecs';
import type { ProxyRuntime } from './runtime';
import { scrubSecret } from './upstream-target';

/** A whole answer from a call Switchyard makes on its own behalf (a shadow arm, a judge). */
export interface CompletedCall {
  target: string;
  response: CanonicalResponse;
  costUsd: number | null;
  latencyMs: number;
}

/**
 * Makes one non-streamed call to a `provider/model` (or alias) with the user's stored key,
 * for work off the request path: a split's shadow call to the other arm, a judge's verdict.
 */
export async function completeCanonical(runtime: ProxyRuntime, label: string, request: CanonicalRequest, signal?: AbortSignal): Promise<CompletedCall> {
  const { config, providers, pricer } = runtime.routing;
  const address = resolveModel(label, config, providers);
  const provider = address.provider;
  if (provider.apiKey === undefined && provider.keyRequired) {
    throw new ProxyError('authentication', `No API key for provider '${provider.id}': set ${provider.apiKeyEnv.join(' or ')}.`, { provider: provider.id });
  }
  const api = chooseApi(provider.kind, 'openai-chat', address.model);
  const adapter = providerAdapters[api];
  const target: Target = { provider: provider.id, baseUrl: provider.baseUrl, apiKey: provider.apiKey, model: address.model, headers: provider.headers };
  const upstream = adapter.encodeRequest({ ...request, model: address.model, stream: false }, target);
  const started = performance.now();
  const answer = await callUpstream({ ...upstream, signal: signal ?? AbortSignal.timeout(120_000) }, provider.id);
  const text = scrubSecret(await answer.body.text(), provider.apiKey);
  if (answer.status >= 400) throw adapter.decodeError(answer.status, text, provider.id);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProxyError('api_error', `${provider.id} answered with a body that is not JSON.`, { status: 502, provider: provider.id });
  }
  const response = adapter.decodeResponse(json);
  return {
    target: `${provider.id}/${address.model}`,
    response,
    costUsd: pricer.price(provider.id, address.model, response.usage),
    latencyMs: Math.round(performance.now() - started),
  };
}
