import { Agent, request, type Dispatcher } from 'undici';
import { ProxyError } from '../core/errors';

/**
 * The one place Switchyard talks to providers. One keep-alive Agent pools connections per
 * origin, so a busy client reuses warm TLS connections instead of paying a handshake per call.
 */
const agent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 10 * 60_000,
  connectTimeout: 10_000,
  // A non-streamed answer from a reasoning model can take many minutes before its headers.
  headersTimeout: 15 * 60_000,
  // Longest silence allowed between two chunks of a response body.
  bodyTimeout: 5 * 60_000,
});

export interface UpstreamCall {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
}

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * Sends a request upstream. Connection failures become a ProxyError naming the provider and
 * the URL's origin (never its key); HTTP error statuses are returned for the caller to decode.
 */
export async function callUpstream(call: UpstreamCall, provider: string): Promise<UpstreamAnswer> {
  try {
    const response = await request(call.url, {
      method: call.method ?? 'POST',
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      dispatcher: agent,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw upstreamFailure(error, call.url, provider);
  }
}

/** Describes a network-level failure without leaking anything but the provider and origin. */
export function upstreamFailure(error: unknown, url: string, provider: string): ProxyError {
  const code = (error as { code?: string }).code ?? (error as Error).name;
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // keep the raw string; it never holds a key (keys travel in headers)
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ProxyError('timeout', `${provider} did not answer in time (${code}) at ${origin}.`, { status: 504, provider });
  }
  return new ProxyError(
    'api_error',
    `Could not reach ${provider} at ${origin} (${code}). Check the provider's baseUrl in the config and your network.`,
    { status: 502, provider },
  );
}

/** Closes pooled connections; called on shutdown. */
export async function closeUpstreamConnections(): Promise<void> {
  await agent.close();
}
