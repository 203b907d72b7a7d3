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
import { PrincipalDirectory, type AccessKeyEntry } from '../core/principal';
import type { RequestLog } from '../store/request-log';
import type { ResponseCache } from '../store/response-cache';
import { compileCacheSettings } from '../cache/cache-settings';
import { ProxyRuntime, type Reliability, type RoutingState } from './runtime';

/** What the running proxy adds to a config without writing it to the file; it survives reloads. */
export interface RoutingOverrides {
  /** Provider keys set over the control API, by provider id; they win over the environment. */
  providerKeys?: ReadonlyMap<string, string>;
  /** Access keys besides the config's: `--require-key`'s and the VS Code extension's client key. */
  accessKeys?: readonly AccessKeyEntry[];
  /** Host names accepted besides the config's (the `--host` the proxy was started with). */
  allowedHosts?: readonly string[];
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
  return {
    config: effective,
    providers: resolveProviders(config, env, overrides.providerKeys),
    pricer: createPricer(config.prices),
    rules: compileRules(config.rules),
    isDisabled: compileDisabledModels(config.disabledModels),
    policies: createPolicies(config),
    principals: new PrincipalDirectory([...config.accessKeys.map((key, index) => ({ key, label: `config key ${index + 1}` })), ...extraKeys]),
    cache: compileCacheSettings(config),
  };
}

/** The call policies a config turns on, in the order they are asked. */
function createPolicies(config: SwitchyardConfig): CallPolicy[] {
  const policies: CallPolicy[] = [];
  const disabled = disabledModelsPolicy(config.disabledModels);
  if (disabled !== undefined) policies.push(disabled);
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
    events,
    reliability,
    splits,
    log,
  });
}
