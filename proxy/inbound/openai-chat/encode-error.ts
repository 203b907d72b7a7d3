import type { ErrorKind, ProxyError } from '../../core/errors';

/** The OpenAI error object, as the openai SDKs read it into `APIError`. */
export interface ChatErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

const typeAndCodeByKind: Record<ErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: 'invalid_request_error', code: null },
  authentication: { type: 'authentication_error', code: 'invalid_api_key' },
  permission: { type: 'permission_error', code: null },
  not_found: { type: 'not_found_error', code: null },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: null },
  overloaded: { type: 'server_error', code: 'server_overloaded' },
  timeout: { type: 'timeout', code: 'timeout' },
};

/**
 * Encodes an error in OpenAI's shape; the status is the error's own.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function encodeChatError(error: ProxyError): { status: number; body: ChatErrorBody } {
  // Anthropic's 529 is not an OpenAI status; OpenAI says "overloaded" with a 503.
  return { status: error.kind === 'overloaded' ? 503 : error.status, body: encodeChatErrorBody(error) };
}

/** The body alone, also written as the last event of a stream that failed midway. */
export function encodeChatErrorBody(error: ProxyError): ChatErrorBody {
  const { type, code } = typeAndCodeByKind[error.kind];
  return { error: { message: error.message, type, param: error.param ?? null, code } };
}
