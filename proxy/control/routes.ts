import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { defaultRecordLimit } from '../store/record-filter';
import type { RequestRecord } from '../store/request-record';
import type { RequestStore } from '../store/request-store';
import { decodeRecordFilterQuery, decodeStatsQuery, InvalidQueryError } from './decode-query';
import type { ProxyEvents } from './events';
import type {
  AggregateResponse,
  ControlErrorResponse,
  HealthInfo,
  Judgement,
  RecentResponse,
  SplitRouteStats,
  SplitsResponse,
} from './protocol';

export interface ControlRouterOptions {
  /** The control token; every route but `/health` requires it. */
  token: string;
  /** The request log; when it could not be opened, log routes answer 503. */
  store: RequestStore | undefined;
  events: ProxyEvents;
  health: () => HealthInfo;
  /** Tells a client without the token where to find it; a generic sentence by default. */
  tokenHint?: string;
  /** Interval of SSE keep-alive comments; 15 s by default. */
  keepAliveIntervalMs?: number;
  /** The split routes' A/B results (the SplitJudge); without it `/splits` answers 503. */
  splits?: { stats(): SplitRouteStats[] };
}

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
 * `GET /stats`, `GET /splits` and `GET /events` (server-sent events). Wire types are in
 * `./protocol`.
 */
export function createControlRouter(options: ControlRouterOptions): express.Router {
  if (options.token === '') throw new Error('The control token must not be empty.');
  const router = express.Router();
  router.get('/health', (_request, response) => {
    response.json(options.health());
  });
  router.use(requireControlToken(options.token, options.tokenHint ?? defaultTokenHint));
  router.get('/requests', listRequests(options.store));
  router.get('/requests/:id', getRequest(options.store));
  router.get('/stats', aggregateRequests(options.store));
  router.get('/splits', splitResults(options.splits));
  router.get('/events', streamEvents(options));
  return router;
}

/**
 * Accepts `Authorization: Bearer <token>` or `x-switchyard-token: <token>`. Both sides are
 * hashed first so timingSafeEqual compares equal lengths and not even the token's length leaks.
 */
function requireControlToken(token: string, hint: string): RequestHandler {
  const expected = sha256(token);
  return (request: Request, response: Response, next: NextFunction) => {
    const given = controlCredential(request);
    if (given !== undefined && timingSafeEqual(sha256(given), expected)) {
      next();
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

function listRequests(store: RequestStore | undefined): RequestHandler {
  return (request, response) => {
    if (store === undefined) return sendStoreUnavailable(response);
    const filter = decodeQueryOrReject(response, () => decodeRecordFilterQuery(request.query));
    if (filter === undefined) return;
    const records = store.recent(filter);
    const body: RecentResponse = { records };
    const limit = filter.limit ?? defaultRecordLimit;
    if (records.length === limit) body.nextBefore = records[records.length - 1].time;
    response.json(body);
  };
}

function getRequest(store: RequestStore | undefined): RequestHandler<{ id: string }> {
  return (request, response) => {
    if (store === undefined) return sendStoreUnavailable(response);
    const record = store.get(request.params.id);
    if (record === undefined) {
      sendError(response, 404, 'not_found_error', `No request ${request.params.id} in the log; it may be older than the retention period.`);
      return;
    }
    response.json(record);
  };
}

function aggregateRequests(store: RequestStore | undefined): RequestHandler {
  return (request, response) => {
    if (store === undefined) return sendStoreUnavailable(response);
    const stats = decodeQueryOrReject(response, () => decodeStatsQuery(request.query));
    if (stats === undefined) return;
    const body: AggregateResponse = { by: stats.by, ...stats.range, rows: store.aggregate(stats.by, stats.range) };
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

/**
 * Server-sent events: `hello` with the health info, then one `request` per finished call
 * and one `judgement` per verdict of a split route's judge.
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
    const unsubscribeRequests = options.events.on('request', (record) => send(requestFrame(record)));
    const unsubscribeJudgements = options.events.on('judgement', (judgement) => send(judgementFrame(judgement)));
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), keepAliveIntervalMs).unref();
    response.on('close', () => {
      unsubscribeRequests();
      unsubscribeJudgements();
      clearInterval(keepAlive);
    });
  };
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
