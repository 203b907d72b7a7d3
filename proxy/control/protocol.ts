/**
 * The control API's wire types, shared with the VS Code extension and scripts, which import
 * them with `import type`. The API is mounted under `/_switchyard`; every route but `/health`
 * needs the control token as `Authorization: Bearer <token>` or `x-switchyard-token: <token>`.
 */
import type { RequestRecord } from '../store/request-record';
import type { AggregateBy, AggregateRow } from '../store/aggregate';
import type { Judgement, SplitRouteStats } from '../routing/split-judge';

export type { RequestRecord } from '../store/request-record';
export type { AggregateBy, AggregateRow } from '../store/aggregate';
export type { RecordFilter } from '../store/record-filter';
export type { Judgement, SplitArmStats, SplitRouteStats } from '../routing/split-judge';

/** `GET /_switchyard/health`: answered without the token, so it tells nothing private. */
export interface HealthInfo {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
}

/**
 * `GET /_switchyard/requests`: newest first. The query takes the RecordFilter fields
 * (`limit`, `before`, `since`, `until` as integers; `status` as `ok`, `error` or a status).
 */
export interface RecentResponse {
  records: RequestRecord[];
  /** Pass as `before` for the next page; absent when this page was the last. */
  nextBefore?: number;
}

/** `GET /_switchyard/requests/:id` answers with the RequestRecord itself. */
export type RequestResponse = RequestRecord;

/** `GET /_switchyard/stats?by=day|provider|model|clientKey&since&until`. */
export interface AggregateResponse {
  by: AggregateBy;
  since?: number;
  until?: number;
  rows: AggregateRow[];
}

/**
 * `GET /_switchyard/splits`: the A/B results of every `split` route seen since the proxy
 * started, per arm (requests, errors, cost, latency, the judge's wins, losses and ties).
 */
export interface SplitsResponse {
  routes: SplitRouteStats[];
}

/** The body of every error answer (400, 401, 404, 503). */
export interface ControlErrorResponse {
  error: {
    type: 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'unavailable_error';
    message: string;
  };
}

/**
 * What `GET /_switchyard/events` (server-sent events) delivers. On the wire the SSE event
 * name is the `type` and `data` is the JSON of its payload: `event: hello` with the
 * HealthInfo once on connect, then `event: request` with the RequestRecord for every
 * finished call and `event: judgement` with the Judgement for every verdict of a split
 * route's judge. A comment line (`: keep-alive`) arrives every 15 seconds.
 */
export type ControlEvent =
  | { type: 'hello'; health: HealthInfo }
  | { type: 'request'; record: RequestRecord }
  | { type: 'judgement'; judgement: Judgement };

/** SSE event names of {@link ControlEvent}. */
export type ControlEventType = ControlEvent['type'];
