import type { ErrorKind, ProxyError } from '../../core/errors';
import type { GeminiErrorBody } from '../../wire/gemini/types';

/** The HTTP status and `google.rpc.Code` name Google uses for each kind. */
const statusByKind: Record<ErrorKind, { code: number; status: string }> = {
  invalid_request: { code: 400, status: 'INVALID_ARGUMENT' },
  authentication: { code: 401, status: 'UNAUTHENTICATED' },
  permission: { code: 403, status: 'PERMISSION_DENIED' },
  not_found: { code: 404, status: 'NOT_FOUND' },
  // Google answers an oversized request with 400 INVALID_ARGUMENT; its SDKs know no 413.
  request_too_large: { code: 400, status: 'INVALID_ARGUMENT' },
  rate_limit: { code: 429, status: 'RESOURCE_EXHAUSTED' },
  api_error: { code: 500, status: 'INTERNAL' },
  // Gemini's overload is 503 UNAVAILABLE, which the SDK retries; Anthropic's 529 it would not.
  overloaded: { code: 503, status: 'UNAVAILABLE' },
  timeout: { code: 504, status: 'DEADLINE_EXCEEDED' },
};

/**
 * An error in Google's envelope, with a `RetryInfo` detail when we know how long to wait.
 *
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export function encodeGeminiErrorBody(error: ProxyError): GeminiErrorBody {
  let { code, status } = statusByKind[error.kind];
  // A provider that could not be reached (502) is UNAVAILABLE to Google's clients, not INTERNAL.
  if (error.kind === 'api_error' && (error.status === 502 || error.status === 503)) ({ code, status } = { code: error.status, status: 'UNAVAILABLE' });
  const body: GeminiErrorBody = { error: { code, message: error.message, status } };
  if (error.retryAfterSeconds !== undefined) {
    body.error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${error.retryAfterSeconds}s` }];
  }
  return body;
}

/** The HTTP answer for an error before any byte of the response was sent. */
export function encodeGeminiError(error: ProxyError): { status: number; body: unknown } {
  const body = encodeGeminiErrorBody(error);
  return { status: body.error.code, body };
}
