import type { ErrorKind, ProxyError } from '../../core/errors';

/** OpenAI's error body, as the openai SDKs read it into `APIError`. */
export interface ResponsesErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

/**
 * `type` and `code` per error kind, as OpenAI answers them. The codes are the ones clients act
 * on: Codex compacts its history on `context_length_exceeded`, backs off on
 * `rate_limit_exceeded` and `server_is_overloaded`, and stops on `invalid_prompt`.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 */
const typeAndCodeByKind: Record<ErrorKind, { type: string; code: string }> = {
  invalid_request: { type: 'invalid_request_error', code: 'invalid_prompt' },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'invalid_request_error', code: 'permission_denied' },
  not_found: { type: 'invalid_request_error', code: 'model_not_found' },
  request_too_large: { type: 'invalid_request_error', code: 'context_length_exceeded' },
  rate_limit: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: 'server_error' },
  overloaded: { type: 'server_error', code: 'server_is_overloaded' },
  timeout: { type: 'server_error', code: 'timeout' },
};

/**
 * An error as OpenAI answers it, with the error's own status. A plain invalid request carries
 * no code (OpenAI sends `null` there); the code is for the kinds that have one.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function encodeResponsesError(error: ProxyError): { status: number; body: ResponsesErrorBody } {
  const { type, code } = typeAndCodeByKind[error.kind];
  return {
    // Anthropic's 529 is not an OpenAI status; OpenAI says "overloaded" with a 503.
    status: error.kind === 'overloaded' ? 503 : error.status,
    body: { error: { message: error.message, type, param: error.param ?? null, code: error.kind === 'invalid_request' ? null : code } },
  };
}

/**
 * The `error` of a `response.failed` event: `{ code, message }`. A wait the provider asked
 * for is written into the message the way OpenAI words it, which is where Codex reads it.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-error
 */
export function encodeResponsesFailure(error: ProxyError): { code: string; message: string } {
  const { code } = typeAndCodeByKind[error.kind];
  let message = error.message;
  if (error.retryAfterSeconds !== undefined && !message.includes('try again in')) {
    message = `${message} Please try again in ${Math.ceil(error.retryAfterSeconds)}s.`;
  }
  return { code, message };
}

/** The `type` OpenAI gives errors of this kind. */
export function responsesErrorType(error: ProxyError): string {
  return typeAndCodeByKind[error.kind].type;
}
