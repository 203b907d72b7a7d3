/**
 * The control API's wire types, shared with the VS Code extension and scripts, which import
 * them with `import type`. The API is mounted under `/_switchyard`; every route but `/health`
 * needs the control token as `Authorization: Bearer <token>` or `x-switchyard-token: <token>`.
 */
import type { RequestRecord } from '../store/request-record';
import type { CallContent } from '../audit/audit-observer';
import type { ConfigProblem } from '../config/config-problem';
import type { BudgetBlocked, ConfigReloaded, LogLine } from '../events/proxy-events';
import type { DoorRefusalNotice } from '../security/door-refusals';
import type { AggregateBy, AggregateRow, AggregateThen } from '../store/aggregate';
import type { Judgement } from '../evaluation/split-judge';
import type { SplitRouteStats } from '../evaluation/split-tally';

export type { RequestRecord } from '../store/request-record';
export type { ConfigProblem } from '../config/config-problem';
export type { ProviderTestResult } from '../upstream/probe-provider';
export type { BudgetBlocked, ConfigReloaded, LogLine } from '../events/proxy-events';
export type { DoorRefusalNotice, DoorRefusalReason } from '../security/door-refusals';
export type { AggregateBy, AggregateRow, AggregateThen } from '../store/aggregate';
export type { RecordFilter } from '../store/record-filter';
export type { Judgement } from '../evaluation/split-judge';
export type { SplitArmStats, SplitRouteStats } from '../evaluation/split-tally';

/** `GET /_switchyard/health`: answered without the token, so it tells nothing private. */
export interface HealthInfo {
  /**
   * `degraded`: serving, but something the user relies on is not working (the request log
   * cannot be opened or written); `problems` says what, in sentences for the status bar.
   */
  status: 'ok' | 'degraded';
  problems?: string[];
  version: string;
  uptimeSeconds: number;
  /** The proxy's process id, so a VS Code window that attached can tell who runs it. */
  pid: number;
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

/**
 * `GET /_switchyard/requests/:id/content`: what the content audit log kept of the call (404
 * when auditing was off for it, or the entry is past retention).
 */
export type RequestContentResponse = CallContent;
export type { CallContent } from '../audit/audit-observer';

/**
 * `GET /_switchyard/stats?by=day|provider|model|clientKey&then=provider|model|clientKey&since&until`;
 * with `then`, each row is one subgroup of its group (`subKey`), e.g. a day's spend per provider.
 */
export interface AggregateResponse {
  by: AggregateBy;
  then?: AggregateThen;
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

/**
 * The body of every error answer: 400 (a malformed body or query), 401 (no or a wrong token),
 * 404 (an unknown provider or request id), 409 (`PUT /config` without a config file, typed
 * `invalid_request_error`), 503 (the request log or the management surface is unavailable).
 */
export interface ControlErrorResponse {
  error: {
    type: 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'unavailable_error' | 'permission_error' | 'precondition_failed_error';
    message: string;
  };
}

/**
 * What `GET /_switchyard/events` (server-sent events) delivers. On the wire the SSE event
 * name is the `type` and `data` is the JSON of its payload: `event: hello` with the
 * HealthInfo once on connect, then `event: request` with the RequestRecord for every
 * finished call and `event: judgement` with the Judgement for every verdict of a split
 * route's judge, `event: log` with each LogLine of the proxy log, and `event: config` with
 * ConfigReloaded whenever the config file is reloaded or rejected, and `event: budget` with
 * BudgetBlocked the first time a budget refuses a call in a period. A comment line (`: keep-alive`) arrives every 15 seconds.
 */
export type ControlEvent =
  | { type: 'hello'; health: HealthInfo }
  | { type: 'request'; record: RequestRecord }
  | { type: 'judgement'; judgement: Judgement }
  | { type: 'log'; log: LogLine }
  | { type: 'config'; config: ConfigReloaded }
  /** Calls refused at the front door, one kind per event, at most once a second per kind. */
  | { type: 'refusals'; refusals: DoorRefusalNotice }
  /** A budget refused a call (once per budget and period). */
  | { type: 'budget'; budget: BudgetBlocked };

/** `GET /refusals`: every kind of front-door refusal since the proxy started. */
export interface RefusalsResponse {
  refusals: DoorRefusalNotice[];
}


/** SSE event names of {@link ControlEvent}. */
export type ControlEventType = ControlEvent['type'];

// ---------------------------------------------------------------------------------------------
// Management routes, used by the VS Code extension (all need the control token).
// ---------------------------------------------------------------------------------------------

/** Where the key a provider uses came from. */
export type KeySource = 'control' | 'environment' | 'none';

/**
 * `GET /_switchyard/providers` lists every provider (presets and config entries);
 * `PUT /_switchyard/providers/:id/key` with {@link SetProviderKeyRequest} and
 * `DELETE /_switchyard/providers/:id/key` answer with the provider's new ProviderInfo.
 * A key set this way lives in the proxy's memory only, wins over the environment, survives
 * config reloads and is gone when the proxy stops. No answer ever holds more of a key than
 * its last four characters.
 */
export interface ProviderInfo {
  id: string;
  kind: 'openai' | 'openai-compatible' | 'anthropic' | 'gemini';
  baseUrl: string;
  /** True for the built-in presets (OpenAI, Anthropic, Groq, …), false for config entries only. */
  preset: boolean;
  keySource: KeySource;
  /** The key in force, as its last four characters (`…abcd`); absent without a key. */
  keyHint?: string;
  /** The environment variables the key is read from when none was set over the control API. */
  apiKeyEnv: string[];
  /** False for local servers (Ollama, LM Studio) that take no key. */
  keyRequired: boolean;
}

export interface ProvidersResponse {
  providers: ProviderInfo[];
}

export interface SetProviderKeyRequest {
  apiKey: string;
}

/**
 * `POST /_switchyard/providers/:id/test`: one cheap authenticated call to the provider (its
 * model list). The body may carry `apiKey` to test a key before it is stored; without it the
 * key in force is tested. Answered 200 whatever the provider said; `ok` tells.
 */
export interface ProviderTestRequest {
  apiKey?: string;
}


/**
 * `PUT /_switchyard/client-key` with {@link SetClientKeyRequest}: the local access key the
 * VS Code extension keeps in the keychain and gives its terminals. Clients must then send it
 * (or a key from the config's `accessKeys`) as their API key. `DELETE` removes it.
 * In memory only, like provider keys. Both answer 204 with no body.
 */
export interface SetClientKeyRequest {
  key: string;
}


/**
 * `GET /_switchyard/config`: the config file as written (no defaults filled in), its path,
 * and the problems of the file on disk if it failed to load (the last good config is then in
 * force). `file` is absent when the proxy runs without a config file.
 */
export interface ConfigResponse {
  file?: string;
  config: Record<string, unknown>;
  problems: ConfigProblem[];
  /**
   * Present when the config lives in the team's PostgreSQL (`storage.configSource: "postgres"`,
   * docs/team.md) instead of a file: `config` is then the version in force, and a `PUT` stores
   * the next version, which every proxy of the team reloads.
   */
  shared?: SharedConfigInfo;
}

/** Where a shared config lives and which version is in force (none while nothing was pushed). */
export interface SharedConfigInfo {
  /** `PostgreSQL host:port/database`, without credentials. */
  location: string;
  version?: number;
  author?: string;
  /** ISO time of the push. */
  created?: string;
}

/**
 * `POST /_switchyard/config/validate` checks a config without saving it;
 * `PUT /_switchyard/config` checks it, writes the file atomically and puts it in force at once
 * (400 with the problems, nothing written, when it is invalid; 409 when the proxy runs
 * without a config file). With a shared config it stores the next version in PostgreSQL instead.
 */
export interface ConfigUpdateRequest {
  config: Record<string, unknown>;
}

export interface ConfigUpdateResponse {
  ok: boolean;
  problems: ConfigProblem[];
}

/**
 * `GET /_switchyard/models`: models the user can toggle, as `provider/model`: each provider's
 * configured models and the price table's models of providers with a key (or none needed),
 * plus every route target. `disabled` follows the config's `disabledModels`.
 */
export interface KnownModel {
  id: string;
  provider: string;
  disabled: boolean;
  /**
   * False for a price-table model of a provider without a key (listed only with `?all=1`, shown
   * behind "Show all"); the config's own models and route targets are always true.
   */
  keyed?: boolean;
  /** USD per million input and output tokens, when the price table knows them. */
  inputPrice?: number;
  outputPrice?: number;
}

export interface ModelsResponse {
  models: KnownModel[];
  /** Route names and aliases, for "Choose Default Route". */
  routes: string[];
  defaultRoute?: string;
}

/**
 * `PUT /_switchyard/lifecycle`: whether the proxy stops by itself once no VS Code window is
 * attached (an `attach=1` subscriber of `/events`) for 10 seconds. Answers with the new state.
 * `POST /_switchyard/shutdown` stops the proxy cleanly (the request log is flushed) after
 * answering 202 with `{}`. A proxy that never saw a window attach waits 30 seconds before
 * stopping, to cover the gap between its start and the spawning window's first subscription.
 */
export interface LifecycleRequest {
  stopWhenDetached: boolean;
}

export interface LifecycleResponse {
  stopWhenDetached: boolean;
  attachedClients: number;
}

/** `POST /_switchyard/cache/clear`: every response-cache entry deleted. */
export interface CacheClearResponse {
  /** How many entries there were. */
  cleared: number;
}

// ---------------------------------------------------------------------------------------------
// Governance: named access keys and budgets (docs/governance.md).
// ---------------------------------------------------------------------------------------------

/** A named access key as `GET /keys` lists it: never the key, nor its hash. */
export interface AccessKeyInfo {
  name: string;
  /** `key_` and 16 hex digits of the key's SHA-256, as records name it. */
  keyId: string;
  /** Globs over provider/model the key may call; absent: every model. */
  models?: string[];
  budget?: { limitUsd: number; period: string };
  rpm?: number;
  tpm?: number;
  /** The key's own redaction, over the config's and a matched rule's; absent: the config's (docs/privacy.md). */
  redaction?: { mode?: 'off' | 'redact' | 'block'; detectors?: string[] };
  /** ms since the epoch. */
  created: number;
  lastUsed?: number;
  revoked?: number;
}

/** What a key may do, as `POST /keys` and `PATCH /keys/:name` take it; `null` clears a limit. */
export interface AccessKeyFields {
  models?: string[] | null;
  /** `"5/day"`, or `{ limitUsd, period }`. */
  budget?: string | { limitUsd: number; period: string } | null;
  rpm?: number | null;
  tpm?: number | null;
  /**
   * A mode alone (`"block"`), or `{ mode, detectors }` laid over the key's (a field set to null
   * goes back to the config's); null: the config's redaction for this key.
   */
  redaction?: 'off' | 'redact' | 'block' | { mode?: 'off' | 'redact' | 'block' | null; detectors?: string[] | null } | null;
}

/** A budget as `GET /_switchyard/budgets` lists it. */
export interface BudgetInfo {
  name: string;
  /** `config` for a config budget, `key` for a named key's own. */
  source: 'config' | 'key';
  match?: { provider?: string; model?: string; key?: string };
  period: string;
  action: 'block' | 'warn';
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  periodStart: string;
  /** ISO time the spend starts again; absent for period total. */
  resetsAt?: string;
}
