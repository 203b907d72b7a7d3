import type { BudgetPeriod } from '../core/principal';
import type { RedactionDetector, RedactionMode } from '../core/redaction-names';

export type { RedactionDetector, RedactionMode };

export type { BudgetPeriod };
export type ProviderKind = 'openai' | 'openai-compatible' | 'anthropic' | 'gemini';

/** One provider entry in the config. Presets need no entry; an entry overrides preset fields. */
export interface ProviderConfig {
  /**
   * The provider's kind: `openai` speaks Chat Completions and Responses, `openai-compatible`
   * Chat Completions only; `anthropic` and `gemini` their own APIs. Required for a provider
   * that is not a preset.
   */
  type?: ProviderKind;
  baseUrl?: string;
  /** Name of the environment variable that holds the key. */
  apiKeyEnv?: string;
  /** Extra headers sent on every call (OpenRouter's `HTTP-Referer`, …). */
  headers?: Record<string, string>;
  /** Model ids this provider serves, listed by `GET /v1/models`. */
  models?: string[];
  /** Where this provider's Chat Completions API departs from the common subset; merged over the preset's. */
  chatDialect?: ChatDialect;
}

/**
 * How a provider's Chat Completions API departs from what every compatible server accepts.
 * The presets set these (OpenAI, Mistral); a custom provider in front of such a server (a
 * gateway to OpenAI, a self-hosted Mistral) can set them in its config entry.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export interface ChatDialect {
  /**
   * Sends the output limit as `max_completion_tokens`, which OpenAI's reasoning models require,
   * instead of the deprecated `max_tokens` that compatible servers mostly know alone.
   */
  maxCompletionTokens?: boolean;
  /** Keeps a system message's `developer` role; elsewhere it is sent as `system`. */
  developerRole?: boolean;
  /**
   * Sends tool call ids as exactly nine letters or digits (other ids hashed to such an id),
   * as Mistral requires.
   */
  nineCharacterToolCallIds?: boolean;
  /**
   * Sends an assistant turn's reasoning back as `reasoning_content`. DeepSeek's thinking mode
   * answers 400 when a turn that called tools comes back without it (Moonshot's Kimi thinking
   * models keep it too); OpenAI and the strict compatible servers refuse the unknown field.
   */
  reasoningContent?: boolean;
}

/** Per-model price override in USD per million tokens. */
export interface PriceOverride {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** How a route chooses among its targets. */
export type RouteStrategy = 'fallback' | 'cheapest' | 'fastest' | 'race' | 'split';

/** Retries of one target before moving on. */
export interface RetryConfig {
  /** Tries per target, the first included (default 2). */
  attempts: number;
  /** First backoff, doubled each retry, with full jitter (default 250). */
  baseDelayMs: number;
  /** Longest single wait, `Retry-After` included (default 8000). */
  maxDelayMs: number;
  /** Total time the route may spend before the first byte reaches the client (default 60000). */
  budgetMs: number;
}

/** Timeouts of one upstream attempt. */
export interface TimeoutConfig {
  /** From sending the request to the response headers (default 60000). */
  connectMs: number;
  /** From sending the request to the first body chunk (default: none). */
  firstTokenMs?: number;
  /** Longest silence between two chunks of a stream (default 300000); a stream silent that long is cut within a quarter more. */
  idleMs: number;
}

export interface JudgeConfig {
  /** The judging model, as `provider/model` or an alias. */
  model: string;
  /** Fraction of served answers judged, 0 to 1. */
  sample: number;
}

/** A named way to answer: a strategy over `provider/model` targets. */
export interface RouteConfig {
  strategy: RouteStrategy;
  targets: string[];
  /** race: start the next target after this long without a first chunk (0 = all at once). */
  hedgeMs?: number;
  /** split: relative weights, one per target. */
  weights?: number[];
  /** split: a model that compares both arms' answers on a sample of requests. */
  judge?: JudgeConfig;
  retry: RetryConfig;
  timeouts: TimeoutConfig;
  /** The response cache for calls this route serves, over the config's `cache`. */
  cache?: CacheOverride;
}

/**
 * The exact response cache: a repeated request is answered from a stored answer, in any
 * client format, streamed or not. Off unless `enabled` here, on a route or on a rule.
 */
export interface CacheConfig {
  enabled: boolean;
  /** How long an answer is served, in seconds (default 3600). */
  ttlSeconds: number;
  /** The most the stored answers may take, in MiB; least recently used go first (default 256). */
  maxMegabytes: number;
  /** Share entries between access keys; each key has its own entries by default. */
  shared: boolean;
}

/** A route's or rule's cache settings; what it leaves out comes from the config's `cache`. */
export interface CacheOverride {
  enabled?: boolean;
  ttlSeconds?: number;
  shared?: boolean;
}

/**
 * Cache breakpoints Switchyard adds to a translated call to a provider with explicit prompt
 * caching (Anthropic) when the client marked none: `auto` (the default) or `off`.
 */
export type PromptCachingMode = 'auto' | 'off';

/** What a rule tests; every field given must hold. */
export interface RuleMatch {
  /** The model the client asked for: exact, or a glob with `*` and `?`. */
  model?: string;
  /** The inbound path, e.g. `/v1/messages` (glob allowed). */
  endpoint?: string;
  /** The client's local access key: its id as records show it (`key_…`), its label, or the whole key. */
  clientKey?: string;
  /** Request headers that must be present with these values (glob allowed). */
  headers?: Record<string, string>;
  tools?: boolean;
  images?: boolean;
  minInputTokens?: number;
  maxInputTokens?: number;
}

export interface RuleConfig {
  name?: string;
  match: RuleMatch;
  /** A route name, or a `provider/model`. */
  route: string;
  /** The response cache for calls this rule matches; wins over the route's and the config's. */
  cache?: CacheOverride;
  /** Redaction for the calls this rule routes, field by field over the global `redaction`. */
  redaction?: Partial<RedactionSetting>;
}

/** A user's own pattern: a regular expression checked at load (valid, non-empty, fast on long input). */
export interface CustomPatternConfig {
  name: string;
  pattern: string;
}

/** One redaction setting: the config's, or what a rule or an access key lays over it. */
export interface RedactionSetting {
  mode: RedactionMode;
  detectors: RedactionDetector[];
  custom: CustomPatternConfig[];
  /** Values never redacted (compared without regard to case). */
  allow: string[];
  /** Put the original values back where the model echoes a placeholder in its answer. */
  restore: boolean;
}

/** Redaction of everything a provider would see (docs/privacy.md). */
export interface RedactionConfig extends RedactionSetting {
  /**
   * Per access key, by a named key's name, a key's label (`VS Code`, `config key 1`) or its id
   * (`key_…`): laid field by field over the global setting and the matched rule's.
   */
  keys: Record<string, Partial<RedactionSetting>>;
}

/** Metrics and traces for a platform team's tools (docs/observability.md). Read at start: a change needs a restart. */
export interface TelemetryConfig {
  /**
   * Where OpenTelemetry traces go, over OTLP/HTTP (JSON): a collector's base URL
   * (`http://collector:4318`, `/v1/traces` is added) or the full traces URL. Off when absent;
   * `--otlp-endpoint` and `SWITCHYARD_OTLP_ENDPOINT` take precedence.
   */
  otlpEndpoint?: string;
  /** The traces' `service.name` (default `switchyard`). */
  serviceName: string;
  /**
   * A file holding a token that may read `GET /metrics` (and nothing else), for Prometheus's
   * `credentials_file`. The control token reads it too. `--metrics-token-file` and
   * `SWITCHYARD_METRICS_TOKEN` take precedence. The token itself never goes in this file.
   */
  metricsTokenFile?: string;
}

/** The opt-in content audit log (docs/privacy.md). */
export interface AuditConfig {
  enabled: boolean;
  /** Entries older than this many days are deleted. */
  retentionDays: number;
  /** The oldest entries are deleted while the log holds more than this. */
  maxMegabytes: number;
}

/**
 * Team mode (docs/team.md): shared PostgreSQL and Redis instead of the data folder's SQLite.
 * URLs here must not hold a password (the config file is shared and read by tools); a URL with
 * one comes from `SWITCHYARD_POSTGRES_URL` / `SWITCHYARD_REDIS_URL`, or the password from
 * `PGPASSWORD`.
 */
export interface StorageConfig {
  /** Request log, access keys, budgets' ledger and audit; switches team mode on. */
  postgresUrl?: string;
  /** Response cache and rate-limit counters, shared by every proxy. */
  redisUrl?: string;
  /**
   * What budgets and rate limits do while their shared store cannot be reached: `closed`
   * (default) refuses the calls they apply to with a 503; `open` lets them through uncounted.
   */
  onStorageError: 'closed' | 'open';
  /**
   * Where the rest of the config lives: `file` (default) this file; `postgres` the versions
   * pushed to the team's PostgreSQL (`switchyard config push`), reloaded by every proxy within
   * a second of a change. See docs/team.md.
   */
  configSource: 'file' | 'postgres';
}

/** Which calls a budget counts: every field given must match; none given means every call. */
export interface BudgetMatch {
  /** A provider id. */
  provider?: string;
  /** A glob over the resolved `provider/model`. */
  model?: string;
  /** An access key: a named key's name, a label, or a key id (`key_…`). */
  key?: string;
}

/** A spending cap in USD over a calendar-aligned period of the proxy's local time. */
export interface BudgetConfig {
  name: string;
  match: BudgetMatch;
  limitUsd: number;
  period: BudgetPeriod;
  /** `block` refuses a call that could cross the limit; `warn` serves it and marks the record. */
  action: 'block' | 'warn';
}

/** How a call's worst case is estimated before it goes out, for budgets and `tpm`. */
export interface BudgetEstimateConfig {
  /** Output tokens assumed when a request sets no maximum. */
  defaultMaxOutputTokens: number;
  /** USD assumed per call to a model with no known price (recorded as assumed). */
  unpricedCallUsd: number;
}

export interface SwitchyardConfig {
  providers: Record<string, ProviderConfig>;
  /** Alias → `provider/model`. */
  aliases: Record<string, string>;
  /** Named routes; a client's model name equal to a route's name takes that route. */
  routes: Record<string, RouteConfig>;
  /** Ordered rules: the first that matches picks the route. */
  rules: RuleConfig[];
  /** `provider/model` → price override. */
  prices: Record<string, PriceOverride>;
  /** Local access keys clients must present; empty means no key is required. */
  accessKeys: string[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** How many days of request records to keep. */
  retentionDays: number;
  /** Where the SQLite database lives; defaults to the user's data folder. */
  dataDir?: string;
  /** Extra Host names accepted besides loopback names (e.g. a name in /etc/hosts). */
  allowedHosts: string[];
  /** Browser origins allowed to call the proxy; none by default. */
  allowedOrigins: string[];
  /**
   * Globs over `provider/model` (`openai/gpt-4o*`) the user switched off: a request for one is
   * refused, and a route skips such targets. Set by "Switchyard: Toggle Models".
   */
  disabledModels: string[];
  /**
   * A route name, alias or `provider/model` that every request no rule matched takes, unless
   * the client named a route or an alias itself or sent `x-switchyard-route`.
   */
  defaultRoute?: string;
  /** The exact response cache (off by default). */
  cache: CacheConfig;
  /** Prompt-cache breakpoints on translated calls to Anthropic (`auto` by default). */
  promptCaching: PromptCachingMode;
  /** Redaction of outbound requests; off by default. */
  redaction: RedactionConfig;
  /** The content audit log; off by default. */
  audit: AuditConfig;
  /** Metrics token and OpenTelemetry traces; traces off by default. */
  telemetry: TelemetryConfig;
  /**
   * How every call retries a throttled or overloaded target: a model addressed directly, and
   * each route target unless the route sets its own `retry` fields. `attempts: 1` turns
   * retrying off.
   */
  retry: RetryConfig;
  /**
   * How long a stop (SIGTERM, SIGINT, `POST /_switchyard/shutdown`) lets calls in flight finish
   * before ending them with the client format's error event (default 10000).
   */
  shutdownGraceMs: number;
  /** Spending caps; every budget that matches a call applies. */
  budgets: BudgetConfig[];
  /** Shared team storage; absent URLs mean the solo SQLite store. */
  storage: StorageConfig;
  budgetEstimate: BudgetEstimateConfig;
}

export function defaultCache(): CacheConfig {
  return { enabled: false, ttlSeconds: 3600, maxMegabytes: 256, shared: false };
}

export function defaultRedaction(): RedactionConfig {
  return { mode: 'off', detectors: ['secrets', 'email', 'phone', 'credit-card', 'iban', 'ip-address'], custom: [], allow: [], restore: true, keys: {} };
}

export function defaultAudit(): AuditConfig {
  return { enabled: false, retentionDays: 14, maxMegabytes: 1024 };
}

export function defaultConfig(): SwitchyardConfig {
  return {
    providers: {},
    aliases: {},
    routes: {},
    rules: [],
    prices: {},
    accessKeys: [],
    maxBodyBytes: 32 * 1024 * 1024,
    retentionDays: 30,
    allowedHosts: [],
    allowedOrigins: [],
    disabledModels: [],
    cache: defaultCache(),
    promptCaching: 'auto',
    redaction: defaultRedaction(),
    audit: defaultAudit(),
    telemetry: { serviceName: 'switchyard' },
    retry: defaultRetry(),
    shutdownGraceMs: 10_000,
    budgets: [],
    storage: { onStorageError: 'closed', configSource: 'file' },
    budgetEstimate: { defaultMaxOutputTokens: 4096, unpricedCallUsd: 0.05 },
  };
}

export function defaultRetry(): RetryConfig {
  return { attempts: 2, baseDelayMs: 250, maxDelayMs: 8000, budgetMs: 60_000 };
}

export function defaultTimeouts(): TimeoutConfig {
  return { connectMs: 60_000, idleMs: 300_000 };
}
