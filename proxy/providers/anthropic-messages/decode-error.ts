import { ProxyError, errorKindForStatus, type ErrorKind } from '../../core/errors';
import type { AnthropicErrorObject } from '../../wire/anthropic-messages/types';

/** @see https://docs.anthropic.com/en/api/errors */
const kindByType: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  // No canonical billing kind: the account may not use the API until it pays, like a permission.
  billing_error: 'permission',
  permission_error: 'permission',
  not_found_error: 'not_found',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  timeout_error: 'timeout',
  api_error: 'api_error',
  overloaded_error: 'overloaded',
};

/** Longest stretch of a non-JSON error body quoted back (an HTML page from a proxy in between). */
const quotedBodyLength = 200;

/**
 * A non-2xx Anthropic answer to a ProxyError keeping Anthropic's own message, prefixed with
 * the provider id so the client knows who refused.
 *
 * @see https://docs.anthropic.com/en/api/errors
 */
export function decodeAnthropicError(status: number, body: string, provider: string): ProxyError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (isRecord(error) && typeof error.type === 'string') {
    return errorFromAnthropicError(
      { type: error.type, message: typeof error.message === 'string' ? error.message : error.type },
      provider,
      status,
    );
  }
  const text = body.trim();
  const detail = text === '' ? `HTTP ${status}` : `HTTP ${status}: ${text.length > quotedBodyLength ? `${text.slice(0, quotedBodyLength)}…` : text}`;
  return new ProxyError(errorKindForStatus(status), `${provider}: ${detail}`, { status, provider });
}

/**
 * An Anthropic error object (an error body's `error`, or a streamed `error` event) to a
 * ProxyError. Without an HTTP status (mid-stream), the kind's own status applies: 529 for
 * `overloaded_error`.
 */
export function errorFromAnthropicError(error: AnthropicErrorObject, provider: string, status?: number): ProxyError {
  const kind = kindByType[error.type] ?? (status === undefined ? 'api_error' : errorKindForStatus(status));
  const billingStatus = error.type === 'billing_error' && status === undefined ? 402 : undefined;
  const resolvedStatus = status ?? billingStatus;
  return new ProxyError(kind, `${provider}: ${error.message}`, resolvedStatus === undefined ? { provider } : { status: resolvedStatus, provider });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
