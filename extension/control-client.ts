import http from 'node:http';
import https from 'node:https';
import type {
  CacheClearResponse,
  CallContent,
  AccessKeyFields,
  AccessKeyInfo,
  BudgetInfo,
  AggregateBy,
  AggregateThen,
  AggregateResponse,
  ConfigResponse,
  ConfigUpdateResponse,
  ControlErrorResponse,
  ControlEvent,
  HealthInfo,
  LifecycleResponse,
  ModelsResponse,
  ProviderInfo,
  ProvidersResponse,
  ProviderTestResult,
  RecentResponse,
  RefusalsResponse,
  RequestRecord,
} from '../proxy/control/protocol';
import { EventStreamParser } from './event-stream-parser';

const basePath = '/_switchyard';

/**
 * Where a proxy answers: a port of this machine's loopback (the proxy the extension spawns), or
 * the base URL of a team proxy (`https://switchyard.example.com`, or with a path prefix when a
 * reverse proxy mounts it under one). The control API is under `<base>/_switchyard`.
 */
export type ProxyAddress = number | URL;

/** The base URL of an address: `http://127.0.0.1:<port>` for a port. */
export function baseUrlOf(address: ProxyAddress): URL {
  return typeof address === 'number' ? new URL(`http://127.0.0.1:${address}`) : address;
}

/** How an address is named in messages: `port 4141`, or the team proxy's URL. */
export function describeAddress(address: ProxyAddress): string {
  return typeof address === 'number' ? `port ${address}` : displayUrl(address);
}

/** A base URL as shown and as tools take it: no trailing slash. */
export function displayUrl(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

/** A control API call that failed: the proxy's own message when it sent one. */
export class ControlError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or undefined when the proxy could not be reached. */
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/**
 * A conditional config save refused (412): someone saved the config since the revision the save
 * named was read. `currentRevision` is the one in force now (the answer's ETag), to overwrite it
 * knowingly.
 */
export class ConfigConflict extends ControlError {
  constructor(
    message: string,
    readonly currentRevision: string | undefined,
  ) {
    super(message, 412);
    this.name = 'ConfigConflict';
  }
}

/** `GET /config` with the revision its `ETag` names, for a save that must not overwrite a newer one. */
export interface ConfigReading extends ConfigResponse {
  /** The config's revision (a version number or a digest of the file), absent from proxies before ETags. */
  revision?: string;
}

/**
 * `GET /_switchyard/health` (no token): the proxy's identity, or undefined when nothing answers
 * on the port like a Switchyard proxy would.
 */
export async function probeHealth(address: ProxyAddress, timeoutMs = 1_000): Promise<HealthInfo | undefined> {
  try {
    const { status, body } = await send(baseUrlOf(address), 'GET', `${basePath}/health`, undefined, {}, timeoutMs);
    if (status !== 200 || !isHealthInfo(body)) return undefined;
    return body;
  } catch {
    return undefined;
  }
}

function isHealthInfo(value: unknown): value is HealthInfo {
  if (typeof value !== 'object' || value === null) return false;
  const health = value as Partial<HealthInfo>;
  return (health.status === 'ok' || health.status === 'degraded') && typeof health.pid === 'number';
}

/** A live subscription to the proxy's events; `closed` settles when the stream ends for any reason. */
export interface EventSubscription {
  readonly closed: Promise<void>;
  close(): void;
}

/**
 * The extension's typed client of the proxy's control API (`proxy/control/protocol.ts`), over
 * node:http (or node:https for a team proxy) with the control token — or, for a team proxy, the
 * user's access key, which reads only its own requests, totals and budgets. Requests time out
 * rather than hang a command.
 */
export class ControlClient {
  /** The proxy's base URL: `http://127.0.0.1:<port>`, or the team proxy's. */
  readonly baseUrl: URL;
  /** Called when the proxy answers 401: the token or access key is no longer accepted (a revoked key). */
  onUnauthorized: (() => void) | undefined;

  constructor(
    readonly address: ProxyAddress,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.baseUrl = baseUrlOf(address);
  }

  /** The proxy's port (the default port of its scheme when its URL names none). */
  get port(): number {
    if (this.baseUrl.port !== '') return Number(this.baseUrl.port);
    return this.baseUrl.protocol === 'https:' ? 443 : 80;
  }

  providers(): Promise<ProvidersResponse> {
    return this.call('GET', '/providers');
  }

  setProviderKey(id: string, apiKey: string): Promise<ProviderInfo> {
    return this.call('PUT', `/providers/${encodeURIComponent(id)}/key`, { apiKey });
  }

  removeProviderKey(id: string): Promise<ProviderInfo> {
    return this.call('DELETE', `/providers/${encodeURIComponent(id)}/key`);
  }

  /** Tests the key given, or the key in force when none is. Reaching the provider can take a while. */
  testProvider(id: string, apiKey?: string): Promise<ProviderTestResult> {
    return this.call('POST', `/providers/${encodeURIComponent(id)}/test`, apiKey === undefined ? {} : { apiKey }, 30_000);
  }

  async setClientKey(key: string): Promise<void> {
    await this.call('PUT', '/client-key', { key });
  }

  async removeClientKey(): Promise<void> {
    await this.call('DELETE', '/client-key');
  }

  async config(): Promise<ConfigReading> {
    const answer = await this.answer('GET', '/config');
    const revision = revisionOf(answer.headers.etag);
    return { ...(answer.body as ConfigResponse), ...(revision === undefined ? {} : { revision }) };
  }

  /** Checks a config; invalid ones answer 400 with the problems, which this returns as a result. */
  validateConfig(config: Record<string, unknown>): Promise<ConfigUpdateResponse> {
    return this.configUpdate('POST', '/config/validate', config);
  }

  /**
   * Saves a config and puts it in force; an invalid one is not written and its problems come
   * back. With `ifRevision` (from {@link config}) the proxy saves only if the config is still
   * that revision, and a newer one is a {@link ConfigConflict}: nobody's save is lost unseen.
   */
  saveConfig(config: Record<string, unknown>, ifRevision?: string): Promise<ConfigUpdateResponse & { revision?: string }> {
    return this.configUpdate('PUT', '/config', config, ifRevision === undefined ? {} : { 'if-match': `"${ifRevision}"` });
  }

  /** Calls refused at the front door since the proxy started, by kind. */
  refusals(): Promise<RefusalsResponse> {
    return this.call('GET', '/refusals');
  }

  /** Models to toggle or route to; `all` adds the price table's models of providers without a key. */
  models(all = false): Promise<ModelsResponse> {
    return this.call('GET', all ? '/models?all=1' : '/models');
  }

  /** Named access keys, never the keys themselves. */
  async keys(): Promise<AccessKeyInfo[]> {
    return (await this.call<{ keys: AccessKeyInfo[] }>('GET', '/keys')).keys;
  }

  /** Creates a named key; the answer's `key` is the only time the key is shown. */
  createKey(fields: AccessKeyFields & { name: string }): Promise<AccessKeyInfo & { key: string }> {
    return this.call('POST', '/keys', fields);
  }

  updateKey(name: string, fields: AccessKeyFields): Promise<AccessKeyInfo> {
    return this.call('PATCH', `/keys/${encodeURIComponent(name)}`, fields);
  }

  revokeKey(name: string): Promise<AccessKeyInfo> {
    return this.call('DELETE', `/keys/${encodeURIComponent(name)}`);
  }

  /** Every budget with its spend, reservations, limit and reset. */
  async budgets(): Promise<BudgetInfo[]> {
    return (await this.call<{ budgets: BudgetInfo[] }>('GET', '/budgets')).budgets;
  }

  setLifecycle(stopWhenDetached: boolean): Promise<LifecycleResponse> {
    return this.call('PUT', '/lifecycle', { stopWhenDetached });
  }

  clearResponseCache(): Promise<CacheClearResponse> {
    return this.call('POST', '/cache/clear');
  }

  async shutdown(): Promise<void> {
    await this.call('POST', '/shutdown');
  }

  /** A page of records, newest first, older than `before` and inside the range when given. */
  requests(limit: number, before?: number, range: TimeWindow = {}): Promise<RecentResponse> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) query.set('before', String(Math.floor(before)));
    setRange(query, range);
    return this.call('GET', `/requests?${query}`);
  }

  /** One full record, or undefined when the log no longer has it. */
  async request(id: string): Promise<RequestRecord | undefined> {
    try {
      return await this.call<RequestRecord>('GET', `/requests/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ControlError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** What the content audit log kept of a request, or undefined when it kept nothing. */
  async requestContent(id: string): Promise<CallContent | undefined> {
    try {
      return await this.call<CallContent>('GET', `/requests/${encodeURIComponent(id)}/content`);
    } catch (error) {
      // 403: an access key, which may not read content (a team proxy's audit log is its admin's).
      if (error instanceof ControlError && (error.status === 403 || error.status === 404 || error.status === 503)) return undefined;
      throw error;
    }
  }

  /** Totals per group since a time (or over a range), per subgroup too with `then`. */
  stats(by: AggregateBy, since?: number | TimeWindow, then?: AggregateThen): Promise<AggregateResponse> {
    const query = new URLSearchParams({ by });
    setRange(query, typeof since === 'number' ? { since } : (since ?? {}));
    if (then !== undefined) query.set('then', then);
    return this.call('GET', `/stats?${query}`);
  }

  /**
   * Subscribes to `GET /events`; with `attach` the proxy counts this window as attached (a proxy
   * started with `--stop-when-detached` keeps running while one is). `onOpen` fires when the
   * stream is accepted, so a caller can tell a refused subscription from a lost one.
   */
  subscribe(options: { attach: boolean; onEvent: (event: ControlEvent) => void; onOpen?: () => void }): EventSubscription {
    let request: http.ClientRequest | undefined;
    let settle: () => void = () => {};
    const closed = new Promise<void>((resolve) => (settle = resolve));
    request = transportOf(this.baseUrl).get(
      requestOptions(this.baseUrl, 'GET', `${basePath}/events${options.attach ? '?attach=1' : ''}`, this.headers()),
      (response) => {
        if (response.statusCode !== 200) {
          if (response.statusCode === 401) this.onUnauthorized?.();
          response.resume();
          settle();
          return;
        }
        options.onOpen?.();
        response.setEncoding('utf8');
        const parser = new EventStreamParser();
        response.on('data', (chunk: string) => {
          for (const event of parser.push(chunk)) {
            const decoded = decodeControlEvent(event.event, event.data);
            if (decoded !== undefined) options.onEvent(decoded);
          }
        });
        response.on('close', settle);
        response.on('error', settle);
      },
    );
    request.on('error', settle);
    request.on('close', settle);
    return {
      closed,
      close: () => {
        request?.destroy();
        request = undefined;
        settle();
      },
    };
  }

  /** The proxy's answer, with the config's revision after a save (its ETag). */
  private async configUpdate(method: string, path: string, config: Record<string, unknown>, headers: Record<string, string> = {}): Promise<ConfigUpdateResponse & { revision?: string }> {
    try {
      const answer = await this.answer(method, path, { config }, this.timeoutMs, headers);
      const revision = revisionOf(answer.headers.etag);
      return { ...(answer.body as ConfigUpdateResponse), ...(revision === undefined ? {} : { revision }) };
    } catch (error) {
      if (error instanceof ControlError && error.status === 400 && isConfigUpdateResponse(error.body)) return error.body;
      throw error;
    }
  }

  private async call<Result>(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<Result> {
    return (await this.answer(method, path, body, timeoutMs)).body as Result;
  }

  /** A 2xx answer; anything else is thrown as a ControlError (a 412 as a ConfigConflict). */
  private async answer(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs, headers: Record<string, string> = {}): Promise<Answer> {
    let answer;
    try {
      answer = await send(this.baseUrl, method, `${basePath}${path}`, body, { ...this.headers(), ...headers }, timeoutMs);
    } catch (error) {
      throw new ControlError(`The Switchyard proxy on ${describeAddress(this.address)} did not answer (${(error as Error).message}).`);
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    if (answer.status === 401) this.onUnauthorized?.();
    const message = isControlErrorResponse(answer.body) ? answer.body.error.message : `HTTP ${answer.status} from ${method} ${path}`;
    if (answer.status === 412) throw new ConfigConflict(message, revisionOf(answer.headers.etag));
    throw new ControlError(message, answer.status, answer.body);
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }
}

function isControlErrorResponse(value: unknown): value is ControlErrorResponse {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

function isConfigUpdateResponse(value: unknown): value is ConfigUpdateResponse {
  return typeof value === 'object' && value !== null && Array.isArray((value as { problems?: unknown }).problems);
}

/** Maps an SSE event of the control API to its typed form; unknown or malformed events are dropped. */
export function decodeControlEvent(name: string, data: string): ControlEvent | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  switch (name) {
    case 'hello':
      return isHealthInfo(payload) ? { type: 'hello', health: payload } : undefined;
    case 'request':
      return { type: 'request', record: payload as RequestRecord };
    case 'judgement':
      return { type: 'judgement', judgement: payload as Extract<ControlEvent, { type: 'judgement' }>['judgement'] };
    case 'log':
      return typeof (payload as { message?: unknown }).message === 'string'
        ? { type: 'log', log: payload as Extract<ControlEvent, { type: 'log' }>['log'] }
        : undefined;
    case 'config':
      return { type: 'config', config: payload as Extract<ControlEvent, { type: 'config' }>['config'] };
    case 'budget':
      return typeof (payload as { budget?: unknown }).budget === 'string'
        ? { type: 'budget', budget: payload as Extract<ControlEvent, { type: 'budget' }>['budget'] }
        : undefined;
    case 'refusals':
      return typeof (payload as { count?: unknown }).count === 'number' && typeof (payload as { reason?: unknown }).reason === 'string'
        ? { type: 'refusals', refusals: payload as Extract<ControlEvent, { type: 'refusals' }>['refusals'] }
        : undefined;
    default:
      return undefined;
  }
}

interface Answer {
  status: number;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** The revision an `ETag` names (`"7"` → `7`), or undefined without one. */
function revisionOf(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const revision = etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return revision === '' ? undefined : revision;
}

function transportOf(base: URL): typeof http | typeof https {
  return base.protocol === 'https:' ? https : http;
}

/** A request to `path` under the base URL (its path prefix kept), with the base's host and port. */
function requestOptions(base: URL, method: string, path: string, headers: Record<string, string>, timeoutMs?: number): http.RequestOptions {
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    // URL keeps an IPv6 host in brackets; node:http wants it bare.
    hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: base.port === '' ? undefined : Number(base.port),
    method,
    path: `${prefix}${path}`,
    headers,
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
  };
}

function send(base: URL, method: string, path: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = transportOf(base).request(
      requestOptions(base, method, path, payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }, timeoutMs),
      (response) => {
        response.setEncoding('utf8');
        let text = '';
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: keep the text, the caller reports the status.
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, headers: response.headers });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** A time range of the log, both ends inclusive, in ms since the epoch; an end left out is open. */
export interface TimeWindow {
  since?: number;
  until?: number;
}

function setRange(query: URLSearchParams, range: TimeWindow): void {
  if (range.since !== undefined) query.set('since', String(Math.max(0, Math.floor(range.since))));
  if (range.until !== undefined) query.set('until', String(Math.max(0, Math.floor(range.until))));
}
