import { ProxyError, errorKindForStatus, type ErrorKind } from '../../core/errors';
import { isObject } from '../../core/json';

interface ErrorDetails {
  message?: string;
  type?: string;
  code?: string | number;
  param?: string;
}

/** Error `code`s whose meaning is sharper than the HTTP status (OpenAI sends 404s as invalid_request_error). */
const kindByCode: Record<string, ErrorKind> = {
  invalid_api_key: 'authentication',
  model_not_found: 'not_found',
  context_length_exceeded: 'invalid_request',
  rate_limit_exceeded: 'rate_limit',
  insufficient_quota: 'rate_limit',
};

/** Error `type`s, trusted only where the status says little (400, 500, or 200 for an in-stream error). */
const kindByType: Record<string, ErrorKind> = {
  authentication_error: 'authentication',
  permission_error: 'permission',
  not_found_error: 'not_found',
  rate_limit_error: 'rate_limit',
  // OpenAI's 429 bodies name the exhausted limit as the type.
  tokens: 'rate_limit',
  requests: 'rate_limit',
  request_too_large: 'request_too_large',
  overloaded_error: 'overloaded',
};

/**
 * Decodes a non-2xx answer from a Chat Completions provider. Bodies come in several shapes:
 * OpenAI, Groq, xAI and OpenRouter `{error:{message,type,code,param}}`, Mistral
 * `{object:"error",message,type}`, Ollama `{error:"…"}`, FastAPI servers (vLLM, many
 * self-hosted ones) `{detail}`, and Gemini's compatibility endpoint wraps the error in an array.
 * The message is prefixed with the provider id so the user knows who said it.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function decodeChatError(status: number, body: string, provider: string): ProxyError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const details = readErrorDetails(Array.isArray(parsed) ? parsed[0] : parsed);
  if (details.message === undefined && parsed === undefined) {
    // Plain text from a gateway is worth showing; an HTML error page is not.
    const text = body.trim();
    if (text !== '' && !text.startsWith('<') && text.length <= 300) details.message = text;
  }
  return toProxyError(details, status, `${provider}: `, `${provider} answered HTTP ${status}`);
}

/**
 * Decodes an `error` object found inside a 200 answer: a stream chunk (OpenRouter sends
 * `{"error":{"code":502,"message":…}}` midway) or a non-streamed body.
 */
export function decodeChatErrorObject(value: unknown): ProxyError {
  const details = readErrorDetails(value);
  // OpenRouter puts the HTTP status it would have sent in a numeric `code`.
  const status = typeof details.code === 'number' && details.code >= 400 ? details.code : 500;
  return toProxyError(details, status, 'The provider reported an error: ', 'The provider reported an error with no message');
}

function toProxyError(details: ErrorDetails, status: number, prefix: string, fallback: string): ProxyError {
  const statusKind = errorKindForStatus(status);
  const byType = details.type !== undefined ? kindByType[details.type] : undefined;
  const statusIsVague = statusKind === 'invalid_request' || statusKind === 'api_error';
  const kind =
    (typeof details.code === 'string' ? kindByCode[details.code] : undefined) ??
    (statusIsVague ? byType : undefined) ??
    statusKind;
  const message = details.message !== undefined && details.message !== '' ? prefix + details.message : fallback;
  return new ProxyError(kind, message, {
    ...(status >= 400 && { status }),
    ...(details.param !== undefined && { param: details.param }),
  });
}

function readErrorDetails(value: unknown): ErrorDetails {
  if (!isObject(value)) return {};
  const error = value.error;
  if (isObject(error)) return pick(error);
  if (typeof error === 'string') return { message: error };
  const detail = value.detail;
  if (typeof detail === 'string') return { message: detail };
  if (Array.isArray(detail)) return { message: detail.map(describeValidationError).join('; ') };
  return pick(value);
}

function pick(error: Record<string, unknown>): ErrorDetails {
  const details: ErrorDetails = {};
  if (typeof error.message === 'string') details.message = error.message;
  if (typeof error.type === 'string') details.type = error.type;
  if (typeof error.code === 'string' || typeof error.code === 'number') details.code = error.code;
  if (typeof error.param === 'string') details.param = error.param;
  return details;
}

/** FastAPI validation errors: `{loc:["body","messages",0],msg:"field required"}`. */
function describeValidationError(item: unknown): string {
  if (!isObject(item)) return String(item);
  const message = typeof item.msg === 'string' ? item.msg : JSON.stringify(item);
  return Array.isArray(item.loc) ? `${item.loc.join('.')}: ${message}` : message;
}

