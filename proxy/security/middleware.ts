import type { NextFunction, Request, Response } from 'express';
import type { ClientFormat } from '../core/request';
import { ProxyError } from '../core/errors';
import { inboundCodecs } from '../pipeline/codecs';
import type { ProxyRuntime } from '../pipeline/runtime';
import { isAllowedHost, isAllowedOrigin } from './host-check';
import { clientCredential, lastFour, matchAccessKey } from './access-key';

/** The API a path belongs to, so that even a refusal reaches the client in its own shape. */
export function formatForRequest(request: Request): ClientFormat {
  const path = request.path;
  if (path.startsWith('/v1/messages')) return 'anthropic-messages';
  if (path.startsWith('/v1/responses')) return 'openai-responses';
  if (path.startsWith('/v1beta/')) return 'gemini';
  if (path === '/v1/models' && request.headers['anthropic-version'] !== undefined) return 'anthropic-messages';
  return 'openai-chat';
}

export function sendProxyError(request: Request, response: Response, error: ProxyError): void {
  const { status, body } = inboundCodecs[formatForRequest(request)].encodeError(error);
  response.status(status).json(body);
}

/** Refuses foreign `Host` headers (DNS rebinding) and browser origins not allowed. */
export function guardOrigin(runtime: ProxyRuntime) {
  return function checkHostAndOrigin(request: Request, response: Response, next: NextFunction): void {
    const { allowedHosts, allowedOrigins } = runtime.routing.config;
    if (!isAllowedHost(request.headers.host, allowedHosts)) {
      sendProxyError(request, response, new ProxyError('permission', `Switchyard only answers requests addressed to a loopback name (localhost, 127.0.0.1); this one was for '${request.headers.host ?? ''}'. Add the name to "allowedHosts" in the config if it is yours.`));
      return;
    }
    const origin = request.headers.origin;
    if (!isAllowedOrigin(origin, allowedOrigins)) {
      sendProxyError(request, response, new ProxyError('permission', `Browser requests from ${origin} are refused: a web page must not spend your provider keys. Add the origin to "allowedOrigins" in the config if you trust it.`));
      return;
    }
    if (origin !== undefined) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        response.setHeader('access-control-allow-headers', 'authorization, content-type, x-api-key, x-goog-api-key, anthropic-version, anthropic-beta');
        response.setHeader('access-control-allow-methods', 'GET, POST');
        response.status(204).end();
        return;
      }
    }
    next();
  };
}

/** When local access keys are configured, clients must send one as their API key. */
export function requireAccessKey(runtime: ProxyRuntime) {
  return function checkAccessKey(request: Request, response: Response, next: NextFunction): void {
    const { accessKeys } = runtime.routing.config;
    if (accessKeys.length === 0) {
      next();
      return;
    }
    const query = request.url.includes('?') ? new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1)) : undefined;
    const key = matchAccessKey(clientCredential(request.headers, query), accessKeys);
    if (key === undefined) {
      sendProxyError(request, response, new ProxyError('authentication', 'This Switchyard requires a local access key. Send it as your API key (Authorization: Bearer, x-api-key or x-goog-api-key); see `switchyard serve --require-key`.'));
      return;
    }
    response.locals.clientKey = lastFour(key);
    next();
  };
}
