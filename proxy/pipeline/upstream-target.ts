import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from '../core/errors';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { ProviderApi } from '../providers/adapter';
import { providerAdapters } from '../codecs/registry';
import type { UpstreamHeaders } from '../upstream/upstream-client';

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

/**
 * Headers for a passthrough call: auth for the provider's API plus the client's API-version
 * headers. With the provider's own key (nearly every call) they are the provider's flat list
 * (`providerHeaders`), shared as it is, or a copy with the client's Anthropic version and betas
 * after it; otherwise an object made for the call.
 */
export function passthroughHeaders(
  api: ProviderApi,
  provider: ResolvedProvider,
  credential: UpstreamCredential,
  clientHeaders: IncomingHttpHeaders,
): UpstreamHeaders {
  if (credential.source === 'provider' && credential.key === provider.apiKey) {
    const fixed = providerHeaders(api, provider);
    if (api !== 'anthropic-messages') return fixed.list;
    const version = headerValue(clientHeaders['anthropic-version']);
    const beta = headerValue(clientHeaders['anthropic-beta']);
    if (version === undefined && beta === undefined) return fixed.list;
    // The client's replace the provider's own of the same name (the adapter's default version,
    // a configured beta), as the object's assignment below does.
    const list = fixed.withoutVersions.slice();
    const sentVersion = version ?? fixed.version;
    if (sentVersion !== undefined) list.push('anthropic-version', sentVersion);
    const sentBeta = beta ?? fixed.beta;
    if (sentBeta !== undefined) list.push('anthropic-beta', sentBeta);
    return list;
  }
  const headers: Record<string, string> =
    credential.source === 'client' ? { ...fixedHeaders(api, provider, undefined), ...credential.headers } : fixedHeaders(api, provider, credential.key);
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
 * The fixed headers with the provider's own key, made once per provider and API as undici's flat
 * list of names and values: built on every call, they were four objects and the auth header's
 * string; copied per call as an object, undici then listed its keys again. The list is handed to
 * undici as it is, shared by every call (typed read-only; undici only reads it, and the Anthropic
 * additions go into a copy). Not frozen: undici's reads of a frozen array's elements and V8's copy
 * of one cost more than the object did (docs/benchmark.md "Fifteenth round"). A provider is
 * resolved anew on every config load and key change (resolve-providers.ts), so a new key is a new
 * provider here and never meets stale headers.
 */
interface ProviderHeaderList {
  readonly list: readonly string[];
  /** The list without `anthropic-version` and `anthropic-beta`, which a client's replace. */
  readonly withoutVersions: readonly string[];
  /** Their values in the list (the adapter's default version, a configured beta). */
  readonly version: string | undefined;
  readonly beta: string | undefined;
}

const providerHeaderLists = new WeakMap<ResolvedProvider, Partial<Record<ProviderApi, ProviderHeaderList>>>();

function providerHeaders(api: ProviderApi, provider: ResolvedProvider): ProviderHeaderList {
  let lists = providerHeaderLists.get(provider);
  if (lists === undefined) {
    lists = {};
    providerHeaderLists.set(provider, lists);
  }
  return (lists[api] ??= headerList(fixedHeaders(api, provider, provider.apiKey)));
}

function headerList(headers: Record<string, string>): ProviderHeaderList {
  const { 'anthropic-version': version, 'anthropic-beta': beta, ...rest } = headers;
  return { list: Object.entries(headers).flat(), withoutVersions: Object.entries(rest).flat(), version, beta };
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
