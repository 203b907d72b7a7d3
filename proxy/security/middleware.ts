import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { ClientFormat } from '../core/request';
import { ProxyError } from '../core/errors';
import { inboundCodecs } from '../codecs/registry';
import type { SwitchyardConfig } from '../config/config';
import type { PrincipalDirectory } from '../core/principal';
import { isAllowedHost, isAllowedOrigin } from './host-check';
import { clientCredential } from './access-key';
import type { Principal } from '../core/principal';
import { writeHead } from '../http/response-head';

/** The API a path belongs to, so that even a refusal reaches the client in its own shape. */
function formatForPath(path: string, headers: IncomingHttpHeaders): ClientFormat {
  if (path.startsWith('/v1/messages')) return 'anthropic-messages';
  if (path.startsWith('/v1/responses')) return 'openai-responses';
  if (path.startsWith('/v1beta/')) return 'gemini';
  if (path === '/v1/models' && headers['anthropic-version'] !== undefined) return 'anthropic-messages';
  return 'openai-chat';
}

/** Answers with an error in the shape of the API the path belongs to. */
export function sendProxyError(path: string, headers: IncomingHttpHeaders, response: ServerResponse, error: ProxyError): void {
  const { status, body } = inboundCodecs[formatForPath(path, headers)].encodeError(error);
  const payload = JSON.stringify(body);
  writeHead(response, status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

/**
 * DNS rebinding and browser checks: a foreign `Host`, or an `Origin` (a web page) not allowed,
 * is refused. An allowed origin gets its CORS headers set here.
 */
export function refuseHostOrOrigin(config: Pick<SwitchyardConfig, 'allowedHosts' | 'allowedOrigins'>, request: IncomingMessage, response: ServerResponse): ProxyError | undefined {
  const { allowedHosts, allowedOrigins } = config;
  if (!isAllowedHost(request.headers.host, allowedHosts)) {
    return new ProxyError('permission', `Switchyard only answers requests addressed to a loopback name (localhost, 127.0.0.1); this one was for '${request.headers.host ?? ''}'. Add the name to "allowedHosts" in the config if it is yours.`);
  }
  const origin = request.headers.origin;
  if (!isAllowedOrigin(origin, allowedOrigins)) {
    return new ProxyError('permission', `Browser requests from ${origin} are refused: a web page must not spend your provider keys. Add the origin to "allowedOrigins" in the config if you trust it.`);
  }
  if (origin !== undefined) {
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-expose-headers', exposedHeaders);
    response.setHeader('vary', 'Origin');
  }
  return undefined;
}

/**
 * The response headers a page of an allowed origin may read besides CORS's safelisted ones:
 * Switchyard's own (request id, where the call went, attempts, cache, cost, its own time) and
 * the wait a 429 asks for.
 */
const exposedHeaders = [
  'x-switchyard-request-id',
  'x-switchyard-provider',
  'x-switchyard-model',
  'x-switchyard-route',
  'x-switchyard-attempts',
  'x-switchyard-cache',
  'x-switchyard-cost-usd',
  'x-switchyard-overhead-ms',
  'retry-after',
].join(', ');

/** Why the access-key check refused a call, and what the client is told. */
export interface AccessRefusal {
  reason: 'no-key' | 'wrong-key' | 'revoked-key';
  error: ProxyError;
  /** The fix alone, for the log and the panel's notice. */
  fix: string;
}

/**
 * The authenticate stage: when local access keys are configured, clients must send one as
 * their API key. Returns the caller's principal (looked up by the hash of the key it sent),
 * undefined when no key is required, or the refusal, whose message names the fix for the key
 * that is in force: the VS Code command when the extension's key is, the CLI flag's key file
 * when `--require-key`'s is, the config's `accessKeys` otherwise.
 */
export function checkAccessKey(principals: PrincipalDirectory, request: IncomingMessage): { principal: Principal | undefined } | AccessRefusal {
  if (principals.size === 0 && !principals.hasRevoked && !principals.requiresKey) return { principal: undefined };
  const url = request.url ?? '';
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : undefined;
  const credential = clientCredential(request.headers, query);
  const principal = principals.lookup(credential, request.socket);
  if (principal !== undefined) return { principal };
  const revoked = principals.revokedName(credential, request.socket);
  if (revoked !== undefined) {
    const fix = 'Ask for a new key: switchyard keys create NAME, or "Switchyard: Create Access Key" in VS Code.';
    return { reason: 'revoked-key', error: new ProxyError('authentication', `The access key '${revoked}' was revoked. ${fix}`), fix };
  }
  // Keys that only name their callers (no limits) lock nobody out.
  if (!principals.requiresKey) return { principal: undefined };
  const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
  const sent = credential !== undefined && credential !== '';
  const locked = principals.lockedBy;
  if (locked !== undefined) {
    // Fail closed: the keys the broken file lists might be the ones this caller should send.
    const fix = `Fix the Switchyard config file (${locked}); until then only the keys Switchyard could read are accepted.`;
    return { reason: sent ? 'wrong-key' : 'no-key', error: new ProxyError('authentication', `Switchyard cannot check this call's key: its config file lists access keys it cannot read. ${fix}`), fix };
  }
  const fix = accessKeyFix(principals, path, request.headers.host);
  const problem = sent ? 'The API key this call sent is not a local key of this Switchyard.' : 'This Switchyard requires its local key as your API key, and this call sent none.';
  return { reason: sent ? 'wrong-key' : 'no-key', error: new ProxyError('authentication', `${problem} ${fix}`), fix };
}

/** The environment variable a tool of this API reads its key from, and its base URL variable. */
function keyVariables(path: string): { key: string; baseUrl: string; suffix: string } {
  if (path.startsWith('/v1/messages')) return { key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL', suffix: '' };
  if (path.startsWith('/v1beta/')) return { key: 'GEMINI_API_KEY', baseUrl: 'GOOGLE_GEMINI_BASE_URL', suffix: '' };
  return { key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL', suffix: '/v1' };
}

function accessKeyFix(principals: PrincipalDirectory, path: string, host: string | undefined): string {
  const labels = new Set(principals.principals().map((principal) => principal.label));
  const variables = keyVariables(path);
  const baseUrl = `http://${host ?? '127.0.0.1:4141'}${variables.suffix}`;
  if (labels.has('VS Code')) {
    return `In VS Code run "Switchyard: Copy Connection Settings" and use the local key it copies (sy-…), e.g. ${variables.baseUrl}=${baseUrl} ${variables.key}=sy-…; or turn on the setting "switchyard.injectTerminalEnvironment" and start the tool in a new VS Code terminal.`;
  }
  if (labels.has('--require-key')) {
    return `Send the key \`switchyard serve --require-key\` uses ($SWITCHYARD_ACCESS_KEY, or the file access-key in its data folder), e.g. ${variables.key}=$(cat <data-dir>/access-key).`;
  }
  if (principals.principals().some((principal) => principal.name !== undefined)) {
    return `Send a named access key as your API key (${variables.key}=sy-…): create one with \`switchyard keys create NAME\` or "Switchyard: Create Access Key" in VS Code.`;
  }
  return `Send one of the keys listed under "accessKeys" in the Switchyard config file as your API key (${variables.key}=…).`;
}

/** The same host and origin checks as Express middleware, for the routes Express serves. */
/** `config` is read per request: a reload changes the allowed hosts and origins at once. */
export function guardOrigin(config: () => Pick<SwitchyardConfig, 'allowedHosts' | 'allowedOrigins'>) {
  return function checkHostAndOrigin(request: Request, response: Response, next: NextFunction): void {
    const refusal = refuseHostOrOrigin(config(), request, response);
    if (refusal) {
      sendProxyError(request.path, request.headers, response, refusal);
      return;
    }
    if (request.headers.origin !== undefined && request.method === 'OPTIONS') {
      response.setHeader('access-control-allow-headers', 'authorization, content-type, x-api-key, x-goog-api-key, anthropic-version, anthropic-beta');
      response.setHeader('access-control-allow-methods', 'GET, POST');
      response.status(204).end();
      return;
    }
    next();
  };
}
