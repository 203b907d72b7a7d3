/**
 * The kinds of failure a client can be told about. Each inbound codec maps them to its own
 * API's error shape (OpenAI `error.type`, Anthropic `error.type`, Gemini `error.status`).
 */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'api_error'
  | 'overloaded'
  | 'timeout';

const statusByKind: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  overloaded: 529,
  timeout: 504,
};

export interface ProxyErrorOptions {
  status?: number;
  /** The provider that produced the error, when it came from upstream. */
  provider?: string;
  /** OpenAI-style `param` naming the offending field. */
  param?: string;
  /** Seconds the provider asked us to wait (`Retry-After`). */
  retryAfterSeconds?: number;
  /**
   * The provider sent something Switchyard could not read (a malformed event or body): a
   * failure of the answer, not of the provider's availability, so breakers do not count it.
   */
  malformed?: boolean;
}

/**
 * An error meant for the client: its message says what went wrong and how to fix it,
 * and never contains a stack trace or a provider key.
 */
export class ProxyError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly provider?: string;
  readonly param?: string;
  readonly retryAfterSeconds?: number;
  /** See {@link ProxyErrorOptions.malformed}. */
  readonly malformed?: boolean;

  constructor(kind: ErrorKind, message: string, options: ProxyErrorOptions = {}) {
    super(message);
    this.name = 'ProxyError';
    this.kind = kind;
    this.status = options.status ?? statusByKind[kind];
    this.provider = options.provider;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.malformed) this.malformed = true;
  }
}

/** The error kind a provider's HTTP status implies when its body says nothing better. */
export function errorKindForStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  return 'api_error';
}

/** Wraps anything thrown into a ProxyError without leaking internals to the client. */
export function toProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError('api_error', 'Switchyard hit an internal error; see the proxy log for details.');
}
