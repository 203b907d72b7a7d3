import type { ServerResponse } from 'node:http';
import { toProxyError, type ProxyError } from '../core/errors';
import type { ClientFormat } from '../core/request';
import { inboundCodecs } from '../codecs/registry';
import type { ServedTarget } from '../call/outcome';
import type { RequestContext } from '../call/request-context';
import { writeHead } from '../http/response-head';

/** The message a client gets for Switchyard's own failures; the stack goes to the proxy log. */
export const internalErrorMessage = 'Switchyard hit an internal error; see the proxy log for details.';

/**
 * Answers with an error in the client's own API shape. Before the headers went out this is a
 * normal error response; after (a stream failing midway) the response is ended, since the
 * relay already wrote the format's error event.
 */
export function answerError(response: ServerResponse, format: ClientFormat, error: ProxyError, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    if (!response.writableEnded) response.end();
    return;
  }
  const { status, body } = inboundCodecs[format].encodeError(error);
  const payload = JSON.stringify(body);
  const head: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  };
  if (error.retryAfterSeconds !== undefined) head['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
  writeHead(response, status, head);
  response.end(payload);
}

/** Turns anything thrown into what the client may be told, logging the stack of Switchyard's own failures. */
export function clientError(error: unknown, id: string, log: (message: string) => void): ProxyError {
  const proxyError = toProxyError(error);
  if (proxyError !== error) log(`${id} internal error: ${(error as Error)?.stack ?? String(error)}`);
  return proxyError;
}

/** The client format's error event, for a stream that fails after its headers went out. */
export function streamErrorEvent(context: RequestContext, error: ProxyError): string {
  const encoder = inboundCodecs[context.format].createStreamEncoder({
    requestId: context.id,
    model: context.requestedModel,
    created: Math.floor(context.time / 1000),
    request: { model: context.requestedModel, messages: [], stream: true },
  });
  return encoder.encode({ type: 'error', error });
}

/** Response headers that say who answered. */
export function switchyardHeaders(id: string, target: ServedTarget | undefined): Record<string, string> {
  return {
    'x-switchyard-request-id': id,
    'x-switchyard-provider': target?.provider ?? '',
    'x-switchyard-model': target?.model ?? '',
  };
}

/** `x-switchyard-cost-usd`, when the price is known before the body goes out. */
export function costHeader(costUsd: number | null): Record<string, string> {
  return costUsd === null ? {} : { 'x-switchyard-cost-usd': costHeaderValue(costUsd) };
}

/** A price as `x-switchyard-cost-usd` carries it: eight decimals at most, no trailing zeros (`0.000123`, `2`, `0`). */
export function costHeaderValue(costUsd: number): string {
  return costUsd.toFixed(8).replace(/\.?0+$/, '') || '0';
}
