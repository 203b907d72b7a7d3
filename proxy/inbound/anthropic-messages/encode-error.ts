import type { ErrorKind, ProxyError } from '../../core/errors';
import type { AnthropicErrorBody, AnthropicErrorType } from '../../wire/anthropic-messages/types';

/** @see https://docs.anthropic.com/en/api/errors */
const typeByKind: Record<ErrorKind, AnthropicErrorType> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  api_error: 'api_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
};

/** The Anthropic error type for an error; a 402 is a billing problem whatever its kind. */
export function anthropicErrorType(error: ProxyError): AnthropicErrorType {
  return error.status === 402 ? 'billing_error' : typeByKind[error.kind];
}

/**
 * An error in the Messages API's shape, with the status Anthropic would use
 * (529 for overloaded, 504 for timeouts…).
 *
 * @see https://docs.anthropic.com/en/api/errors#error-shapes
 */
export function encodeAnthropicError(error: ProxyError): { status: number; body: AnthropicErrorBody } {
  return { status: error.status, body: { type: 'error', error: { type: anthropicErrorType(error), message: error.message } } };
}
