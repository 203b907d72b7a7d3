import type { SwitchyardConfig } from '../config/config';
import { resolveProviders } from '../config/resolve-providers';
import { createPricer } from '../cost/pricer';
import { compileRules } from '../routing/rule-matcher';
import { compileDisabledModels } from '../routing/disabled-models';
import { CircuitBreakers } from '../routing/circuit-breaker';
import { LatencyTracker } from '../routing/latency-tracker';
import type { ProxyRuntime, Reliability, RoutingState } from './runtime';
import type { ProxyEvents } from '../control/events';
import { SplitJudge } from '../routing/split-judge';
import { completeCanonical } from './complete';

/** What the running proxy adds to a config without writing it to the file; it survives reloads. */
export interface RoutingOverrides {
  /** Provider keys set over the control API, by provider id; they win over the environment. */
  providerKeys?: ReadonlyMap<string, string>;
  /** Access keys besides the config's: `--require-key`'s and the VS Code extension's client key. */
  accessKeys?: readonly string[];
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
      : { ...config, accessKeys: [...config.accessKeys, ...extraKeys], allowedHosts: [...config.allowedHosts, ...extraHosts] };
  return {
    config: effective,
    providers: resolveProviders(config, env, overrides.providerKeys),
    pricer: createPricer(config.prices),
    rules: compileRules(config.rules),
    isDisabled: compileDisabledModels(config.disabledModels),
  };
}

export function createReliability(now: () => number = Date.now, random: () => number = Math.random): Reliability {
  return { breakers: new CircuitBreakers({ now }), latency: new LatencyTracker(), now, random };
}

/**
 * The split judge of a runtime: its shadow and judge calls go out with the runtime's keys,
 * read through `runtime()` at call time so a reloaded config is the one used.
 */
export function createSplitJudge(runtime: () => ProxyRuntime, reliability: Reliability, events: ProxyEvents, log: (message: string) => void): SplitJudge {
  return new SplitJudge({ complete: (label, request) => completeCanonical(runtime(), label, request), random: reliability.random, log, events });
}
