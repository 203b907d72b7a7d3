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
}

/** Per-model price override in USD per million tokens. */
export interface PriceOverride {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface SwitchyardConfig {
  providers: Record<string, ProviderConfig>;
  /** Alias → `provider/model`. */
  aliases: Record<string, string>;
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
}

export function defaultConfig(): SwitchyardConfig {
  return {
    providers: {},
    aliases: {},
    prices: {},
    accessKeys: [],
    maxBodyBytes: 32 * 1024 * 1024,
    retentionDays: 30,
    allowedHosts: [],
    allowedOrigins: [],
  };
}
