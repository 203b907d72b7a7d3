import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ProxyError } from '../core/errors';
import { readBody } from '../http/read-body';
import { defaultRecordLimit } from '../store/record-filter';
import type { RequestRecord } from '../store/request-record';
import type { RequestLog } from '../store/request-log';
import type { AuditSink } from '../store/audit-sink';
import { StoreBusyError } from '../store/store-busy';
import { StorageUnavailableError } from '../store/storage-unavailable';
import { callContentKind } from '../audit/audit-observer';
import { decodeRecordFilterQuery, decodeStatsQuery, InvalidQueryError } from './decode-query';
import type { BudgetBlocked, ProxyEvents } from '../events/proxy-events';
import { ControlRequestError, type ControlPlane } from './control-plane';
import type { Principal } from '../core/principal';
import type {
  AggregateResponse,
  ConfigReloaded,
  ConfigUpdateResponse,
  ControlErrorResponse,
  DoorRefusalNotice,
  HealthInfo,
  Judgement,
  LifecycleResponse,
  LogLine,
  ProvidersResponse,
  RecentResponse,
  RefusalsResponse,
  RequestContentResponse,
  SplitRouteStats,
  SplitsResponse,
  CacheClearResponse,
} from './protocol';

export interface ControlRouterOptions {
  /** The control token; every route but `/health` requires it. */
  token: string;
  /** The request log; when it could not be opened, log routes answer 503. */
  store: RequestLog | undefined;
  /** The content audit log; without it `/requests/:id/content` answers 503. */
  audit?: AuditSink;
  events: ProxyEvents;
  health: () => HealthInfo;
  /** Tells a client without the token where to find it; a generic sentence by default. */
  tokenHint?: string;
  /** Interval of SSE keep-alive comments; 15 s by default. */
  keepAliveIntervalMs?: number;
  /** The split routes' A/B results (the SplitJudge); without it `/splits` answers 503. */
  splits?: { stats(): SplitRouteStats[] };
  /** Keys, config editing and lifecycle; without it the management routes answer 503. */
  control?: ControlPlane;
  /** Calls refused at the front door, for `GET /refusals`; none counted without it. */
  refusals?: () => DoorRefusalNotice[];
  /**
   * The caller an access key (a client's key, not the control token) belongs to, or undefined:
   * such a caller may read its own requests, totals and budgets and nothing else (see `viewerRoutes`).
   */
  viewerOf?: (credential: string) => Principal | undefined;
}

/**
 * What a caller holding an access key instead of the control token may do: read its own calls —
 * the list (`GET /requests`, always filtered to its key), one of them (`GET /requests/:id`, 404
 * for another key's), the live stream (`GET /events`: its own `request` events only), the totals
 * of its own calls (`GET /stats`, always filtered to its key), the budgets that name it
 * (`GET /budgets`: its own budget and config budgets matching it by name, label or id), what the
 * audit log kept of one of its own calls (`GET /requests/:id/content`, 404 for another key's: it
 * sent that request and got that answer) and the models and routes it may call (`GET /models`,
 * for Replay with…). A VS Code
 * window pointed at a team proxy uses these; everything else (other keys' calls, stats over
 * everyone, the config, keys, provider keys, the lifecycle) needs the control token.
 */
const viewerRoutes: ReadonlyArray<RegExp> = [
  /^\/requests\/?$/,
  /^\/requests\/[^/]+\/?$/,
  /^\/requests\/[^/]+\/content\/?$/,
  /^\/events\/?$/,
  /^\/stats\/?$/,
  /^\/budgets\/?$/,
  /^\/models\/?$/,
];

/** Management bodies are small JSON documents; a config file is the largest. */
const maximumBodyBytes = 4 * 1024 * 1024;

const defaultTokenHint =
  'The VS Code extension passes the token to the proxy it starts; a proxy started with `switchyard serve` prints it at startup.';

/**
 * An SSE client (a stalled panel) that lets this much pile up unread is dropped rather than
 * buffered without bound; it reconnects and pages the log for what it missed.
 */
const maximumBufferedBytes = 4 * 1024 * 1024;

/**
 * The control API used by the VS Code extension and scripts, mounted under `/_switchyard`:
 * `GET /health` (open), and with the token `GET /requests`, `GET /requests/:id`,
 * `GET /stats`, `GET /splits`, `GET /refusals`, `GET /events` (server-sent events, among them `budget` when a budget blocks; `?attach=1` counts the
 * caller as an attached VS Code window), and the management routes: `GET /providers`,
 * `PUT|DELETE /providers/:id/key`, `POST /providers/:id/test`, `PUT|DELETE /client-key`,
 * `GET|PUT /config`, `POST /config/validate`, `GET /models`, `PUT /lifecycle`,
 * `POST /cache/clear` and `POST /shutdown`. Wire types are in `./protocol`.
 */
export function createControlRouter(options: ControlRouterOptions): express.Router {
  if (options.token === '') throw new Error('The control token must not be empty.');
  const router = express.Router();
  router.get('/health', (_request, response) => {
    response.json(options.health());
  });
  router.use(requireControlToken(options.token, options.tokenHint ?? defaultTokenHint, options.viewerOf));
  router.get('/requests', listRequests(options.store));
  router.get('/requests/:id', getRequest(options.store));
  router.get('/requests/:id/content', getRequestContent(options.audit, options.store));
  router.get('/stats', aggregateRequests(options.store));
  router.get('/splits', splitResults(options.splits));
  router.get('/events', streamEvents(options));
  router.get('/refusals', (_request, response) => {
    const body: RefusalsResponse = { refusals: options.refusals?.() ?? [] };
    response.json(body);
  });
  mountManagement(router, options.control);
  router.use(answerUnavailableStore);
  return router;
}

/**
 * A store that is held by another process (a locked SQLite database) or out of reach (a team's
 * server) is not Switchyard failing: the route answers 503 with what is wrong and what to do,
 * never the catch-all's 500 "internal error".
 */
const answerUnavailableStore: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  if (response.headersSent || !(error instanceof StoreBusyError || error instanceof StorageUnavailableError)) {
    next(error);
    return;
  }
  const message = error instanceof StoreBusyError ? error.explanation() : `${error.message}. Try again once it is back; the proxy log says more.`;
  response.setHeader('retry-after', '1');
  sendError(response, 503, 'unavailable_error', message);
};

/** The routes the VS Code extension manages the proxy with; see ControlPlane. */
function mountManagement(router: express.Router, control: ControlPlane | undefined): void {
  const manage = (handler: (control: ControlPlane, request: Request, response: Response) => Promise<void> | void): RequestHandler =>
    async (request, response) => {
      if (control === undefined) {
        sendError(response, 503, 'unavailable_error', 'This proxy was started without its management surface.');
        return;
      }
      try {
        await handler(control, request, response);
      } catch (error) {
        if (!(error instanceof ControlRequestError)) throw error;
        const type = error.status === 404 ? 'not_found_error' : error.status === 503 ? 'unavailable_error' : error.status === 412 ? 'precondition_failed_error' : 'invalid_request_error';
        if (error.status === 412) response.setHeader('etag', `"${control.configRevision()}"`);
        sendError(response, error.status, type, error.message);
      }
    };
  const providerId = (request: Request): string => String(request.params.id);

  router.get('/providers', manage((control, _request, response) => {
    const body: ProvidersResponse = { providers: control.providers() };
    response.json(body);
  }));
  router.put('/providers/:id/key', manage(async (control, request, response) => {
    const body = await readJsonBody(request);
    response.json(control.setProviderKey(providerId(request), body.apiKey));
  }));
  router.delete('/providers/:id/key', manage((control, request, response) => {
    response.json(control.removeProviderKey(providerId(request)));
  }));
  router.post('/providers/:id/test', manage(async (control, request, response) => {
    const body = await readJsonBody(request, { optional: true });
    response.json(await control.testProvider(providerId(request), body.apiKey));
  }));
  router.put('/client-key', manage(async (control, request, response) => {
    const body = await readJsonBody(request);
    control.setClientKey(body.key);
    response.status(204).end();
  }));
  router.delete('/client-key', manage((control, _request, response) => {
    control.removeClientKey();
    response.status(204).end();
  }));
  router.get('/config', manage((control, _request, response) => {
    const config = control.readConfig();
    response.setHeader('etag', `"${control.configRevision()}"`);
    response.json(config);
  }));
  router.post('/config/validate', manage(async (control, request, response) => {
    const problems = control.validateConfig(configOf(await readJsonBody(request)));
    const body: ConfigUpdateResponse = { ok: problems.length === 0, problems };
    response.json(body);
  }));
  router.put('/config', manage(async (control, request, response) => {
    const result = await control.saveConfig(configOf(await readJsonBody(request)), ifMatchRevision(request));
    if (result.ok) response.setHeader('etag', `"${control.configRevision()}"`);
    response.status(result.ok ? 200 : 400).json(result);
  }));
  router.get('/models', manage((control, request, response) => {
    response.json(control.models({ all: request.query.all === '1' }, viewerOfResponse.get(response)));
  }));
  router.put('/lifecycle', manage(async (control, request, response) => {
    const { stopWhenDetached } = await readJsonBody(request);
    if (typeof stopWhenDetached !== 'boolean') throw new ControlRequestError(400, 'stopWhenDetached must be true or false.');
    control.lifecycle.setStopWhenDetached(stopWhenDetached);
    const body: LifecycleResponse = { stopWhenDetached, attachedClients: control.lifecycle.attachedClients };
    response.json(body);
  }));
  router.post('/cache/clear', manage(async (control, _request, response) => {
    const body: CacheClearResponse = { cleared: await control.clearResponseCache() };
    response.json(body);
  }));
  router.get('/keys', manage(async (control, _request, response) => {
    response.json({ keys: await control.listKeys() });
  }));
  router.post('/keys', manage(async (control, request, response) => {
    response.status(201).json(await control.createKey(await readJsonBody(request)));
  }));
  const updateKey = manage(async (control, request, response) => {
    response.json(await control.updateKey(String(request.params.name), await readJsonBody(request)));
  });
  router.patch('/keys/:name', updateKey);
  router.put('/keys/:name', updateKey);
  router.delete('/keys/:name', manage(async (control, request, response) => {
    response.json(await control.revokeKey(String(request.params.name)));
  }));
  router.get('/budgets', manage(async (control, _request, response) => {
    response.json({ budgets: await control.budgets(viewerOfResponse.get(response)) });
  }));
  router.post('/shutdown', manage((control, _request, response) => {
    // Answer first: the caller learns the stop was accepted before the socket goes away.
    response.on('finish', () => control.shutdown());
    response.status(202).json({});
  }));
}

/**
 * The revision an `If-Match` header asks for (`"7"`, `W/"7"`), or undefined without one or for
 * `*`: the save is then unconditional, as before the header existed.
 */
function ifMatchRevision(request: Request): string | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = header.split(',').map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  if (tags.length !== 1 || tags[0] === '') throw new ControlRequestError(400, `If-Match must name one revision of the config, as GET /config's ETag gives it (such as "7"); got ${header}.`);
  return tags[0];
}

/** The `config` field of a config request, which must be a JSON object. */
function configOf(body: Record<string, unknown>): Record<string, unknown> {
  const config = body.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ControlRequestError(400, 'The body must be { "config": { … } } with the config as a JSON object.');
  }
  return config as Record<string, unknown>;
}

/**
 * Reads a JSON object body. Express's own parser is left out on purpose: its errors would reach
 * the client in a model API's error shape, not the control API's.
 */
async function readJsonBody(request: Request, { optional = false } = {}): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(request, maximumBodyBytes);
  } catch (error) {
    if (!(error instanceof ProxyError)) throw error;
    throw new ControlRequestError(400, `The body is larger than ${maximumBodyBytes} bytes.`);
  }
  if (raw.length === 0 && optional) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new ControlRequestError(400, `The body is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ControlRequestError(400, 'The body must be a JSON object.');
  return body as Record<string, unknown>;
}

/**
 * Accepts `Authorization: Bearer <token>` or `x-switchyard-token: <token>`. Both sides are
 * hashed first so timingSafeEqual compares equal lengths and not even the token's length leaks.
 */
function requireControlToken(token: string, hint: string, viewerOf: ControlRouterOptions['viewerOf']): RequestHandler {
  const expected = sha256(token);
  return (request: Request, response: Response, next: NextFunction) => {
    const given = controlCredential(request);
    if (given !== undefined && timingSafeEqual(sha256(given), expected)) {
      next();
      return;
    }
    const viewer = given === undefined ? undefined : viewerOf?.(given);
    if (viewer !== undefined) {
      if (request.method === 'GET' && viewerRoutes.some((route) => route.test(request.path))) {
        viewerOfResponse.set(response, viewer);
        next();
        return;
      }
      sendError(
        response,
        403,
        'permission_error',
        `An access key may read only its own requests here (GET /requests, /requests/:id, /requests/:id/content, /events, /stats, /budgets, /models); ${request.method} ${request.path} needs the control token.`,
      );
      return;
    }
    const problem = given === undefined ? 'needs the control token' : 'got a wrong control token';
    sendError(
      response,
      401,
      'authentication_error',
      `The Switchyard control API ${problem}. Send it as "Authorization: Bearer <token>" or "x-switchyard-token: <token>". ${hint}`,
    );
  };
}

/** The access-key holder a request was authorized as; absent for the control token. */
const viewerOfResponse = new WeakMap<Response, Principal>();

function controlCredential(request: Request): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') {
    return authorization.slice(7).trim();
  }
  const header = request.headers['x-switchyard-token'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function listRequests(store: RequestLog | undefined): RequestHandler {
  return async (request, response) => {
    if (store === undefined) return sendStoreUnavailable(response);
    const filter = decodeQueryOrReject(response, () => decodeRecordFilterQuery(request.query));
    if (filter === undefined) return;
    // An access key sees its own calls, whatever key the query names.
    const viewer = viewerOfResponse.get(response);
    if (viewer !== undefined) filter.clientKey = viewer.keyId;
    const records = await store.recent(filter);
    const body: RecentResponse = { records };
    const limit = filter.limit ?? defaultRecordLimit;
    if (records.length === limit) body.nextBefore = records[records.length - 1].time;
    response.json(body);
  };
}

function getRequest(store: RequestLog | undefined): RequestHandler<{ id: string }> {
  return async (request, response) => {
    if (store === undefined) return sendStoreUnavailable(response);
    const record = await store.get(request.params.id);
    const viewer = viewerOfResponse.get(response);
    // Another key's call is answered as missing: an access key learns nothing of others' calls.
    if (record === undefined || (viewer !== undefined && record.keyId !== viewer.keyId)) {
      sendError(response, 404, 'not_found_error', `No request ${request.params.id} in the log; it may be older than the retention period.`);
      return;
    }
    response.json(record);
  };
}

function getRequestContent(audit: AuditSink | undefined, store: RequestLog | undefined): RequestHandler<{ id: string }> {
  return async (request, response) => {
    if (audit === undefined) return sendStoreUnavailable(response);
    const viewer = viewerOfResponse.get(response);
    if (viewer !== undefined) {
      // An access key reads back only what it sent and got itself; another key's call is missing.
      const record = await store?.get(request.params.id);
      if (record === undefined || record.keyId !== viewer.keyId) {
        sendError(response, 404, 'not_found_error', `No request ${request.params.id} of this access key in the log.`);
        return;
      }
    }
    const [entry] = await audit.recent({ requestId: request.params.id, kind: callContentKind, limit: 1 });
    if (entry === undefined) {
      sendError(response, 404, 'not_found_error', `No content for ${request.params.id} in the audit log: auditing was off for it ("audit": { "enabled": true } keeps content), or it is past audit.retentionDays.`);
      return;
    }
    const body: RequestContentResponse = entry.data as unknown as RequestContentResponse;
    response.json(body);
  };
}

function aggregateRequests(store: RequestLog | undefined): RequestHandler {
  return async (request, response) => {
    if (store === undefined) return sendStoreUnavailable(response);
    const stats = decodeQueryOrReject(response, () => decodeStatsQuery(request.query));
    if (stats === undefined) return;
    // An access key's totals are of its own calls only, whatever the query asks.
    const viewer = viewerOfResponse.get(response);
    const rows = await store.aggregate(stats.by, viewer === undefined ? stats.range : { ...stats.range, clientKey: viewer.keyId }, stats.then);
    const body: AggregateResponse = { by: stats.by, ...(stats.then === undefined ? {} : { then: stats.then }), ...stats.range, rows };
    response.json(body);
  };
}

function splitResults(splits: ControlRouterOptions['splits']): RequestHandler {
  return (_request, response) => {
    if (splits === undefined) {
      sendError(response, 503, 'unavailable_error', 'Split results are unavailable: this proxy runs without the split judge that tallies them.');
      return;
    }
    const body: SplitsResponse = { routes: splits.stats() };
    response.json(body);
  };
}

/** The serialized SSE frame of a record, made once however many clients listen. */
const requestFrames = new WeakMap<RequestRecord, string>();

function requestFrame(record: RequestRecord): string {
  let frame = requestFrames.get(record);
  if (frame === undefined) {
    frame = `event: request\ndata: ${JSON.stringify(record)}\n\n`;
    requestFrames.set(record, frame);
  }
  return frame;
}

const judgementFrames = new WeakMap<Judgement, string>();

function judgementFrame(judgement: Judgement): string {
  let frame = judgementFrames.get(judgement);
  if (frame === undefined) {
    frame = `event: judgement\ndata: ${JSON.stringify(judgement)}\n\n`;
    judgementFrames.set(judgement, frame);
  }
  return frame;
}

/** Frames of log lines and config events, serialized once however many clients listen. */
const otherFrames = new WeakMap<LogLine | ConfigReloaded | DoorRefusalNotice | BudgetBlocked, string>();

function eventFrame(type: 'log' | 'config' | 'refusals' | 'budget', payload: LogLine | ConfigReloaded | DoorRefusalNotice | BudgetBlocked): string {
  let frame = otherFrames.get(payload);
  if (frame === undefined) {
    frame = `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
    otherFrames.set(payload, frame);
  }
  return frame;
}

/**
 * Server-sent events: `hello` with the health info, then one `request` per finished call,
 * one `judgement` per verdict of a split route's judge, one `log` per line of the proxy log
 * and one `config` per config reload, rejection or save. A subscriber with `?attach=1` is a
 * VS Code window: the proxy counts it as attached until the stream closes.
 * No CORS headers: only the extension host and local scripts may read this.
 */
function streamEvents(options: ControlRouterOptions): RequestHandler {
  const keepAliveIntervalMs = options.keepAliveIntervalMs ?? 15_000;
  return (request, response) => {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    request.socket.setNoDelay(true);
    response.write(`event: hello\ndata: ${JSON.stringify(options.health())}\n\n`);
    const send = (frame: string): void => {
      if (response.writableLength > maximumBufferedBytes) {
        response.destroy();
        return;
      }
      response.write(frame);
    };
    const viewer = viewerOfResponse.get(response);
    if (viewer !== undefined) {
      streamOwnRequests(options, request, response, viewer, send, keepAliveIntervalMs);
      return;
    }
    const unsubscribeRequests = options.events.on('request', (record) => send(requestFrame(record)));
    const unsubscribeJudgements = options.events.on('judgement', (judgement) => send(judgementFrame(judgement)));
    const unsubscribeLog = options.events.on('log', (line) => send(eventFrame('log', line)));
    const unsubscribeConfig = options.events.on('config', (config) => send(eventFrame('config', config)));
    const unsubscribeBudget = options.events.on('budget', (blocked) => send(eventFrame('budget', blocked)));
    const unsubscribeRefusals = options.events.on('refusals', (notice) => send(eventFrame('refusals', notice)));
    const unsubscribeStopping = options.events.on('stopping', () => response.end());
    const detach = request.query.attach === '1' && options.control !== undefined ? options.control.lifecycle.attach() : undefined;
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), keepAliveIntervalMs).unref();
    response.on('close', () => {
      unsubscribeRequests();
      unsubscribeJudgements();
      unsubscribeLog();
      unsubscribeConfig();
      unsubscribeBudget();
      unsubscribeRefusals();
      unsubscribeStopping();
      detach?.();
      clearInterval(keepAlive);
    });
  };
}

/**
 * An access key's stream: its own `request` events and nothing else (no log, config or others'
 * calls). It ends as soon as the key is no longer accepted (revoked here, by the CLI or on
 * another proxy of the team): the key set changes within a second of a revocation, and a stream
 * left open would go on showing the key's calls to whoever holds it.
 */
function streamOwnRequests(options: ControlRouterOptions, request: Request, response: Response, viewer: Principal, send: (frame: string) => void, keepAliveIntervalMs: number): void {
  const credential = controlCredential(request);
  const unsubscribeRequests = options.events.on('request', (record) => {
    if (record.keyId === viewer.keyId) send(requestFrame(record));
  });
  const unsubscribePrincipals = options.events.on('principals', () => {
    const now = credential === undefined ? undefined : options.viewerOf?.(credential);
    if (now === undefined || now.keyId !== viewer.keyId) response.end();
  });
  const unsubscribeStopping = options.events.on('stopping', () => response.end());
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), keepAliveIntervalMs).unref();
  response.on('close', () => {
    unsubscribeRequests();
    unsubscribePrincipals();
    unsubscribeStopping();
    clearInterval(keepAlive);
  });
}

function decodeQueryOrReject<Result>(response: Response, decode: () => Result): Result | undefined {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof InvalidQueryError)) throw error;
    sendError(response, 400, 'invalid_request_error', error.message);
    return undefined;
  }
}

function sendStoreUnavailable(response: Response): void {
  sendError(response, 503, 'unavailable_error', 'The request log is unavailable: its database could not be opened; see the proxy log.');
}

function sendError(response: Response, status: number, type: ControlErrorResponse['error']['type'], message: string): void {
  const body: ControlErrorResponse = { error: { type, message } };
  response.status(status).json(body);
}
