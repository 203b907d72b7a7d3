import type { SwitchyardConfig } from '../config/config';
import { resolveProviders } from '../config/resolve-providers';
import { createPricer } from '../cost/pricer';
import { compileRules } from '../routing/rule-matcher';
import { compileDisabledModels, disabledModelsPolicy } from '../policy/disabled-models';
import { CircuitBreakers } from '../routing/circuit-breaker';
import { LatencyTracker } from '../routing/latency-tracker';
import type { CallPolicy } from '../call/call-policy';
import type { ProxyEvents } from '../events/proxy-events';
import { SplitJudge } from '../evaluation/split-judge';
import { SplitTally } from '../evaluation/split-tally';
import { PrincipalDirectory, type AccessKeyEntry, type NamedKeyEntry } from '../core/principal';
import type { BudgetAccounts, BudgetRefusal } from '../policy/budget-accounts';
import { budgetsPolicy } from '../policy/budgets';
import { modelAllowListPolicy } from '../policy/model-allow-list';
import { rateLimitsPolicy } from '../policy/rate-limits';
import { RateAccounts } from '../policy/rate-accounts';
import { configLockPolicy } from '../policy/config-lock';
import { MemoryRateCounters } from '../store/memory-rate-counters';
import type { Pricer } from '../cost/pricer';
import type { RequestLog } from '../store/request-log';
import type { ResponseCache } from '../store/response-cache';
import { compileCacheSettings } from '../cache/cache-settings';
import type { AuditSink } from '../store/audit-sink';
import { RedactionSettings } from '../privacy/redaction-settings';
import { ProxyRuntime, type Reliability, type RoutingState } from './runtime';

/** What the running proxy adds to a config without writing it to the file; it survives reloads. */
export interface RoutingOverrides {
  /** Provider keys set over the control API, by provider id; they win over the environment. */
  providerKeys?: ReadonlyMap<string, string>;
  /** Access keys besides the config's: `--require-key`'s and the VS Code extension's client key. */
  accessKeys?: readonly AccessKeyEntry[];
  /** Host names accepted besides the config's (the `--host` the proxy was started with). */
  allowedHosts?: readonly string[];
  /**
   * Why access keys that should be in force could not be read (a config file broken at start
   * that names keys): callers without another accepted key are refused with it.
   */
  unreadableAccessKeys?: string;
  /**
   * Why the budgets or disabled models of a config file broken at start cannot be read: every
   * model call is refused with it (`configLockPolicy`) until the file loads.
   */
  unreadablePolicy?: string;
  /** The key store's named keys, in force and revoked. */
  namedKeys?: readonly NamedKeyEntry[];
  /** Told the hash of each named key used (`last used`, batched by the registry). */
  onKeyUse?: (hash: string) => void;
  /** Where budgets reserve and settle; budgets are not enforced without it. */
  budgetAccounts?: BudgetAccounts;
  /** Told when a budget refuses a call. */
  onBudgetBlocked?: (refusal: BudgetRefusal) => void;
  /** The rate-limit policy to keep across rebuilds (its sliding windows must survive a key change). */
  rateLimits?: CallPolicy;
}

/**
 * Everything one config version implies, built once per load so requests only look things up.
 * `state.config` is the config in force: the given one with the overrides' access keys and
 * hosts appended (the given object is not changed).
 */
export function createRoutingState(config: SwitchyardConfig, env: NodeJS.ProcessEnv, overrides: RoutingOverrides = {}): RoutingState {
  const extraKeys = overrides.accessKeys ?? [];
  const extraHosts = overrides.allowedHosts ?? [];
  const effective =
    extraKeys.length === 0 && extraHosts.length === 0
      ? config
      : { ...config, accessKeys: [...config.accessKeys, ...extraKeys.map((entry) => entry.key)], allowedHosts: [...config.allowedHosts, ...extraHosts] };
  const pricer = createPricer(config.prices);
  const namedKeys = overrides.namedKeys ?? [];
  const policies = createPolicies(config, pricer, namedKeys, overrides);
  const principals = new PrincipalDirectory(
    [...config.accessKeys.map((key, index) => ({ key, label: `config key ${index + 1}` })), ...extraKeys],
    namedKeys,
    overrides.onKeyUse,
    overrides.unreadableAccessKeys,
    // A config budget on a key restricts it, and so does a config redaction entry for a key
    // that redacts or blocks: leaving the key out must not escape either.
    config.budgets.some((budget) => budget.match.key !== undefined) || Object.values(config.redaction.keys).some((entry) => entry.mode === 'redact' || entry.mode === 'block'),
  );
  return {
    config: effective,
    providers: resolveProviders(config, env, overrides.providerKeys),
    pricer,
    rules: compileRules(config.rules),
    isDisabled: compileDisabledModels(config.disabledModels),
    policies,
    attemptPolicies: policies.filter((policy) => policy.reserveAttempt !== undefined),
    principals,
    redaction: RedactionSettings.compile(config, principals.principals()),
    cache: compileCacheSettings(config),
  };
}

/**
 * The call policies a config and the named keys turn on, in the agreed order: disabled
 * models, per-key allow-lists, rate limits (admission), then budgets (per attempt). A policy
 * nothing asks for is left out, so it costs nothing.
 */
function createPolicies(config: SwitchyardConfig, pricer: Pricer, namedKeys: readonly NamedKeyEntry[], overrides: RoutingOverrides): CallPolicy[] {
  const policies: CallPolicy[] = [];
  // Fail closed on money: budgets that cannot be read refuse everything before anything else.
  if (overrides.unreadablePolicy !== undefined) policies.push(configLockPolicy(overrides.unreadablePolicy));
  const disabled = disabledModelsPolicy(config.disabledModels);
  if (disabled !== undefined) policies.push(disabled);
  const active = namedKeys.filter((key) => key.revoked === undefined);
  if (active.some((key) => key.policy.models !== undefined)) policies.push(modelAllowListPolicy());
  if (active.some((key) => key.policy.rpm !== undefined || key.policy.tpm !== undefined)) {
    // Without the control plane's policy (tests, the bench): this process's own windows.
    policies.push(overrides.rateLimits ?? rateLimitsPolicy(() => config.budgetEstimate.defaultMaxOutputTokens, new RateAccounts({ counters: new MemoryRateCounters() })));
  }
  if (overrides.budgetAccounts !== undefined) {
    const budgets = budgetsPolicy({
      budgets: config.budgets,
      estimate: config.budgetEstimate,
      pricer,
      accounts: overrides.budgetAccounts,
      keyBudgets: active.some((key) => key.policy.budget !== undefined),
      onBlocked: overrides.onBudgetBlocked,
      onStorageError: config.storage.onStorageError,
    });
    if (budgets !== undefined) policies.push(budgets);
  }
  return policies;
}

export function createReliability(now: () => number = Date.now, random: () => number = Math.random): Reliability {
  return { breakers: new CircuitBreakers({ now }), latency: new LatencyTracker(), now, random };
}

export interface RuntimeOptions {
  config: SwitchyardConfig;
  env: NodeJS.ProcessEnv;
  overrides?: RoutingOverrides;
  /** The routing state, when already built (it loads the price table: build it before timers start). */
  routing?: RoutingState;
  store: RequestLog | undefined;
  responseCache?: ResponseCache;
  /** The content audit log's sink; calls are audited while the config's `audit.enabled` is on. */
  audit?: AuditSink;
  events: ProxyEvents;
  reliability?: Reliability;
  log: (message: string) => void;
}

/**
 * The runtime with its split tally and judge wired to the proxy's events: every finished call
 * is tallied from its `request` event, and each verdict is announced as a `judgement` event.
 */
export function createRuntime(options: RuntimeOptions): ProxyRuntime {
  const { events, log } = options;
  const reliability = options.reliability ?? createReliability();
  const tally = new SplitTally();
  events.on('request', (record) => tally.recordRequest(record));
  const splits = new SplitJudge({ tally, random: reliability.random, log, onJudgement: (judgement) => events.emit('judgement', judgement) });
  return new ProxyRuntime({
    routing: options.routing ?? createRoutingState(options.config, options.env, options.overrides),
    store: options.store,
    responseCache: options.responseCache,
    audit: options.audit,
    events,
    reliability,
    splits,
    log,
  });
}
