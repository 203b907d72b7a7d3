import { errorKindForStatus, ProxyError, type ErrorKind } from '../../core/errors';
import { isObject } from '../../core/json';

/** Longest slice of a non-JSON error body quoted back to the client. */
const quotedBodyLimit = 200;

/**
 * Error codes that say more than the HTTP status. `context_length_exceeded` arrives as a 400;
 * as `request_too_large` (still 400) the Responses encoder can name it again, which is what
 * Codex reads to compact its history instead of retrying.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 */
const kindByCode: Record<string, ErrorKind> = {
  context_length_exceeded: 'request_too_large',
  rate_limit_exceeded: 'rate_limit',
  insufficient_quota: 'rate_limit',
  server_is_overloaded: 'overloaded',
  slow_down: 'overloaded',
  invalid_prompt: 'invalid_request',
  invalid_api_key: 'authentication',
  model_not_found: 'not_found',
  server_error: 'api_error',
};

const statusByCode: Record<string, number> = {
  context_length_exceeded: 400,
  insufficient_quota: 429,
  server_is_overloaded: 503,
  slow_down: 503,
  invalid_prompt: 400,
};

/**
 * A non-2xx answer, `{ error: { message, type, param, code } }`, as a ProxyError carrying
 * OpenAI's own message.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function decodeResponsesError(status: number, body: string, provider: string): ProxyError {
  const error = parseErrorObject(body);
  if (!error) {
    const quoted = body.trim().slice(0, quotedBodyLimit);
    const message = quoted ? `${provider} answered HTTP ${status}: ${quoted}` : `${provider} answered HTTP ${status} with no body.`;
    return new ProxyError(errorKindForStatus(status), message, { status, provider });
  }
  const code = typeof error.code === 'string' ? error.code : undefined;
  const message = typeof error.message === 'string' && error.message ? error.message : `${provider} answered HTTP ${status}.`;
  const kind = (code !== undefined && status < 500 ? kindByCode[code] : undefined) ?? errorKindForStatus(status);
  const options: { status: number; provider: string; param?: string } = { status, provider };
  if (typeof error.param === 'string') options.param = error.param;
  return new ProxyError(kind, message, options);
}

/**
 * The `error` of a `response.failed` event or of an `error` stream event, `{ code, message }`,
 * as a ProxyError. Its status is the one OpenAI would have answered before streaming.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming/response/failed
 */
export function decodeResponsesFailure(error: unknown, provider?: string): ProxyError {
  const fields = isObject(error) ? error : {};
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const message =
    typeof fields.message === 'string' && fields.message
      ? fields.message
      : `The provider reported that the response failed${code ? ` (${code})` : ''}.`;
  const kind = (code !== undefined ? kindByCode[code] : undefined) ?? 'api_error';
  const options: { status?: number; provider?: string; param?: string } = { provider };
  if (code !== undefined && statusByCode[code] !== undefined) options.status = statusByCode[code];
  if (typeof fields.param === 'string') options.param = fields.param;
  return new ProxyError(kind, message, options);
}

function parseErrorObject(body: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  if (isObject(parsed.error)) return parsed.error;
  // Some OpenAI-compatible servers answer a bare `{ message, code }`.
  return typeof parsed.message === 'string' ? parsed : undefined;
}

