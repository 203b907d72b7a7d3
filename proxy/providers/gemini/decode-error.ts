import { ProxyError, errorKindForStatus, type ErrorKind } from '../../core/errors';
import { isObject } from '../../core/json';

/**
 * `google.rpc.Code` names as Gemini puts them in `error.status`. They say more than the HTTP
 * status where several kinds share one (400 is both a bad field and, oddly, a bad key).
 *
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
const kindByStatus: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  INTERNAL: 'api_error',
  UNKNOWN: 'api_error',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
};

/** `ErrorInfo.reason`s that name a key problem whatever the status says. */
const authenticationReasons = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED', 'CREDENTIALS_MISSING']);

interface GeminiErrorDetails {
  code?: number;
  message?: string;
  status?: string;
  reason?: string;
  retryAfterSeconds?: number;
}

/**
 * Decodes a non-2xx answer from the Gemini API. The body is `{error:{code,message,status,
 * details}}`; the non-SSE streaming endpoint wraps it in an array. The message is prefixed with
 * the provider id so the user knows who said it.
 *
 * Gemini answers a wrong API key with 400 `INVALID_ARGUMENT` ("API key not valid", reason
 * `API_KEY_INVALID`), and a missing one with 403; both become `authentication` so the user is
 * told to fix the key rather than the request.
 *
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 */
export function decodeGeminiError(status: number, body: string, provider: string): ProxyError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const envelope = Array.isArray(parsed) ? parsed[0] : parsed;
  const details = isObject(envelope) && isObject(envelope.error) ? readDetails(envelope.error) : {};
  if (details.message === undefined && parsed === undefined) {
    // Plain text from a gateway is worth showing; an HTML error page is not.
    const text = body.trim();
    if (text !== '' && !text.startsWith('<') && text.length <= 300) details.message = text;
  }
  return toProxyError(details, status, provider);
}

/**
 * Decodes an `error` object that arrived inside a 200 stream (`data: {"error":{…}}`), which
 * Gemini sends when the model fails after the response has started.
 */
export function decodeGeminiErrorObject(error: unknown, provider: string): ProxyError {
  const details = isObject(error) ? readDetails(error) : {};
  const status = details.code !== undefined && details.code >= 400 && details.code < 600 ? details.code : 500;
  return toProxyError(details, status, provider);
}

function toProxyError(details: GeminiErrorDetails, status: number, provider: string): ProxyError {
  const statusKind = errorKindForStatus(status);
  const kind = isAuthenticationFailure(details)
    ? 'authentication'
    : ((details.status !== undefined ? kindByStatus[details.status] : undefined) ?? statusKind);
  const message =
    details.message !== undefined && details.message !== ''
      ? `${provider}: ${details.message}`
      : `${provider} answered HTTP ${status}`;
  return new ProxyError(kind, message, {
    provider,
    // Keep the provider's status only where it means what the kind means: a bad key sent as
    // 400 should reach the client as 401.
    ...(kind === statusKind && { status }),
    ...(details.retryAfterSeconds !== undefined && { retryAfterSeconds: details.retryAfterSeconds }),
  });
}

function isAuthenticationFailure(details: GeminiErrorDetails): boolean {
  if (details.reason !== undefined && authenticationReasons.has(details.reason)) return true;
  const message = details.message;
  if (message === undefined) return false;
  // Older answers carry no ErrorInfo; the message is then all there is.
  return (
    message.startsWith('API key not valid') ||
    message.startsWith('API key expired') ||
    // The 403 for a request that carried no key at all.
    message.startsWith("Method doesn't allow unregistered callers")
  );
}

function readDetails(error: Record<string, unknown>): GeminiErrorDetails {
  const details: GeminiErrorDetails = {};
  if (typeof error.code === 'number') details.code = error.code;
  if (typeof error.message === 'string') details.message = error.message;
  if (typeof error.status === 'string') details.status = error.status;
  if (Array.isArray(error.details)) {
    for (const item of error.details) {
      if (!isObject(item)) continue;
      const type = item['@type'];
      if (type === 'type.googleapis.com/google.rpc.ErrorInfo' && typeof item.reason === 'string') {
        details.reason = item.reason;
      } else if (type === 'type.googleapis.com/google.rpc.RetryInfo' && typeof item.retryDelay === 'string') {
        const seconds = parseDuration(item.retryDelay);
        if (seconds !== undefined) details.retryAfterSeconds = seconds;
      }
    }
  }
  return details;
}

/** A protobuf Duration in JSON: `"37s"`, `"1.5s"`. */
function parseDuration(value: string): number | undefined {
  if (!value.endsWith('s')) return undefined;
  const seconds = Number(value.slice(0, -1));
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

