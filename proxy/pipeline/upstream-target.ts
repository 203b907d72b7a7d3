import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../core/errors';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { ProviderApi } from '../providers/adapter';
import { providerAdapters } from '../codecs/registry';

/** How Switchyard authenticates upstream: the user's stored key, or the client's own credential. */
export type UpstreamCredential =
  | { source: 'provider'; key: string | undefined }
  | { source: 'client'; headers: Record<string, string> };

const clientCredentialHeaders = ['authorization', 'x-api-key', 'x-goog-api-key'];

/**
 * Picks the credential for a call. The provider's key from the environment comes first.
 * Without one, a passthrough call may carry the client's own credential to the API it was
 * written for (Claude Code signed in with its subscription, say) — but only when no local
 * access key is configured, since then the client's credential is Switchyard's own key.
 */
export function chooseCredential(
  provider: ResolvedProvider,
  clientHeaders: IncomingHttpHeaders,
  passthrough: boolean,
  accessKeysInUse: boolean,
): UpstreamCredential {
  if (provider.apiKey !== undefined || !provider.keyRequired) return { source: 'provider', key: provider.apiKey };
  if (passthrough && !accessKeysInUse) {
    const headers: Record<string, string> = {};
    for (const name of clientCredentialHeaders) {
      const value = clientHeaders[name];
      if (typeof value === 'string' && value !== '') headers[name] = value;
    }
    if (Object.keys(headers).length > 0) return { source: 'client', headers };
  }
  const variables = provider.apiKeyEnv.join(' or ');
  throw new ProxyError(
    'authentication',
    `No API key for provider '${provider.id}'. In VS Code, run "Switchyard: Set Provider Key"; otherwise set ${variables} ` +
      `in the environment of 'switchyard serve' (or name another variable with providers.${provider.id}.apiKeyEnv in the config), then restart the proxy.`,
    { provider: provider.id },
  );
}

/** Headers for a passthrough call: auth for the provider's API plus the client's API-version headers. */
export function passthroughHeaders(
  api: ProviderApi,
  provider: ResolvedProvider,
  credential: UpstreamCredential,
  clientHeaders: IncomingHttpHeaders,
): Record<string, string> {
  const headers: Record<string, string> =
    credential.source === 'client'
      ? { ...fixedHeaders(api, provider, undefined), ...credential.headers }
      : // Kept per provider for the provider's own key only: any other key gets headers of its own.
        { ...(credential.key === provider.apiKey ? providerHeaders(api, provider) : fixedHeaders(api, provider, credential.key)) };
  if (api === 'anthropic-messages') {
    // Sent exactly as the client sent them: betas change the wire format.
    const version = headerValue(clientHeaders['anthropic-version']);
    if (version !== undefined) headers['anthropic-version'] = version;
    const beta = headerValue(clientHeaders['anthropic-beta']);
    if (beta !== undefined) headers['anthropic-beta'] = beta;
  }
  if (credential.source === 'client') {
    for (const name of openaiAccountHeaders) {
      const value = headerValue(clientHeaders[name]);
      if (value !== undefined) headers[name] = value;
    }
  }
  return headers;
}

/** The client's OpenAI account headers, forwarded with the client's own credential only. */
const openaiAccountHeaders = ['openai-organization', 'openai-project'] as const;

/** What a provider's passthrough requests of one API always carry: content type, encoding, the provider's configured headers, auth. */
function fixedHeaders(api: ProviderApi, provider: ResolvedProvider, key: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json',
    // The usage tap reads the bytes as they pass; a compressed body would hide usage.
    'accept-encoding': 'identity',
    ...provider.headers,
    ...providerAdapters[api].authHeaders(key),
  };
}

/**
 * The fixed headers with the provider's own key, made once per provider and API and copied per
 * call: built on every call, they were four objects and the auth header's string, on the path
 * before the request leaves. A provider is resolved anew on every config load and key change
 * (resolve-providers.ts), so a new key is a new provider here and never meets stale headers. Not
 * frozen: V8 copies a frozen object with its slow clone (~1,000 instructions a call more).
 */
const providerHeaderSets = new WeakMap<ResolvedProvider, Partial<Record<ProviderApi, Readonly<Record<string, string>>>>>();

function providerHeaders(api: ProviderApi, provider: ResolvedProvider): Readonly<Record<string, string>> {
  let sets = providerHeaderSets.get(provider);
  if (sets === undefined) {
    sets = {};
    providerHeaderSets.set(provider, sets);
  }
  return (sets[api] ??= fixedHeaders(api, provider, provider.apiKey));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Replaces any occurrence of a secret in text meant for a client or a log. */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 8 || !text.includes(secret)) return text;
  return text.split(secret).join(`…${secret.slice(-4)}`);
}

/** The secret a credential holds, for scrubbing. */
export function credentialSecret(credential: UpstreamCredential): string | undefined {
  if (credential.source === 'provider') return credential.key;
  const value = credential.headers.authorization ?? credential.headers['x-api-key'] ?? credential.headers['x-goog-api-key'];
  return value?.replace(/^Bearer\s+/i, '');
}

/** Response headers worth passing back to the client from a provider's answer. */
export function forwardedResponseHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    if (
      name === 'content-type' ||
      name === 'retry-after' ||
      name === 'request-id' ||
      name === 'x-request-id' ||
      name.startsWith('anthropic-ratelimit-') ||
      name.startsWith('x-ratelimit-') ||
      name === 'openai-processing-ms'
    ) {
      headers[name] = value;
    }
  }
  return headers;
}
