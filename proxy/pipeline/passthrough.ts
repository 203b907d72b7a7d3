import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../core/errors';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { ProviderApi } from '../providers/adapter';
import { findTopLevelString, spliceBytes } from '../inbound/json-scan';
import { callUpstream, type UpstreamAnswer } from '../upstream/upstream-client';
import { UsageTap, readResponseUsage } from '../passthrough/usage-tap';
import { providerAdapters } from './codecs';
import type { Call } from './call';
import {
  credentialSecret,
  forwardedResponseHeaders,
  passthroughHeaders,
  scrubSecret,
  type UpstreamCredential,
} from './upstream-target';
import { relayBody } from './stream-writer';

export interface PassthroughCall {
  call: Call;
  request: IncomingMessage;
  response: ServerResponse;
  raw: Buffer;
  body: Record<string, unknown>;
  api: ProviderApi;
  provider: ResolvedProvider;
  model: string;
  credential: UpstreamCredential;
  signal: AbortSignal;
  /** Gemini's action (`generateContent`…), which its URL carries instead of the body. */
  geminiAction?: string;
}

/**
 * The fast path for a client speaking the provider's own API: the body goes upstream as the
 * client wrote it (only `model` changed when routing renamed it) and the answer's bytes come
 * back untouched, each chunk written the moment it arrives, while a tap reads usage.
 */
export async function forwardPassthrough(pass: PassthroughCall): Promise<void> {
  const { call, response, api, provider } = pass;
  const { body: upstreamBody, addedUsage } = passthroughBody(pass);
  const answer = await callUpstream(
    {
      url: passthroughUrl(pass),
      headers: passthroughHeaders(api, provider, pass.credential, pass.request.headers),
      body: upstreamBody,
      signal: pass.signal,
    },
    provider.id,
  );
  if (answer.status >= 400) {
    // The provider's error is already in the client's format; pass it on with the key scrubbed.
    const text = scrubSecret(await answer.body.text(), credentialSecret(pass.credential));
    call.error = providerAdapters[api].decodeError(answer.status, text, provider.id).message;
    response.writeHead(answer.status, forwardedResponseHeaders(answer.headers));
    response.end(text);
    return;
  }
  const headers = { ...forwardedResponseHeaders(answer.headers), ...switchyardHeaders(call) };
  const contentType = String(answer.headers['content-type'] ?? '');
  if (!contentType.includes('text/event-stream')) {
    // A whole JSON answer is of no use to a client until it is complete, so it is read in
    // full before the headers go out: a provider that drops the connection midway then
    // yields a 502 in the client's own shape instead of a 200 with a truncated body.
    const body = await readWholeAnswer(answer.body, provider.id);
    call.markFirstToken();
    call.usage = readResponseUsage(api, body);
    response.writeHead(answer.status, { ...headers, 'content-length': body.length });
    response.end(body);
    return;
  }
  response.writeHead(answer.status, headers);
  const tap = new UsageTap(api, addedUsage);
  try {
    await relayBody(answer.body, response, (chunk) => tap.push(chunk));
  } catch {
    if (pass.signal.aborted) return;
    const failure = new ProxyError('api_error', `${provider.id} closed the stream before it was complete.`, { status: 502, provider: provider.id });
    call.error = failure.message;
    response.end(call.streamErrorEvent(failure));
    return;
  } finally {
    call.usage = tap.end();
    call.firstTokenAt = tap.firstTokenAt;
  }
  response.end();
}

/**
 * Reads a non-streamed answer whole. A cut midway is the provider's failure, reported as a
 * 502 naming it (when the client aborted instead, the caller sees its own signal and stays quiet).
 */
export async function readWholeAnswer(body: UpstreamAnswer['body'], provider: string): Promise<Buffer> {
  try {
    return Buffer.from(await body.arrayBuffer());
  } catch {
    throw new ProxyError('api_error', `${provider} closed the connection before its answer was complete.`, { status: 502, provider });
  }
}

/**
 * The body to send: the client's bytes, with `model` swapped and OpenAI-style usage
 * requested; `addedUsage` says Switchyard asked for usage the client did not.
 */
function passthroughBody(pass: PassthroughCall): { body: Buffer; addedUsage: boolean } {
  let raw = pass.raw;
  const body = pass.body;
  if (pass.api !== 'gemini' && body.model !== pass.model) {
    const range = findTopLevelString(raw, 'model');
    if (range) raw = spliceBytes(raw, range, JSON.stringify(pass.model));
  }
  if (pass.api !== 'openai-chat' || body.stream !== true) return { body: raw, addedUsage: false };
  // Without usage in the stream no cost can be computed, so Switchyard asks for it.
  const options = body.stream_options as Record<string, unknown> | undefined;
  if (options === undefined || options === null) {
    const open = raw.indexOf(0x7b) + 1;
    return { body: spliceBytes(raw, { start: open, end: open }, '"stream_options":{"include_usage":true},'), addedUsage: true };
  }
  if (options.include_usage !== true) {
    const rewritten = JSON.stringify({ ...body, model: pass.model, stream_options: { ...options, include_usage: true } });
    return { body: Buffer.from(rewritten), addedUsage: true };
  }
  return { body: raw, addedUsage: false };
}

function passthroughUrl(pass: PassthroughCall): string {
  const base = pass.provider.baseUrl;
  const url = pass.request.url ?? '';
  const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  switch (pass.api) {
    case 'openai-chat':
      return `${base}/chat/completions${query}`;
    case 'openai-responses':
      return `${base}/responses${query}`;
    case 'anthropic':
      // Claude Code sends `?beta=true`; it goes along.
      return `${base}/v1/messages${query}`;
    case 'gemini':
      // Never forward the client's query: it may hold `key=`.
      return `${base}/models/${pass.model}:${pass.geminiAction}${pass.call.stream ? '?alt=sse' : ''}`;
  }
}

export function switchyardHeaders(call: Call): Record<string, string> {
  return {
    'x-switchyard-request-id': call.id,
    'x-switchyard-provider': call.provider ?? '',
    'x-switchyard-model': call.model ?? '',
  };
}
