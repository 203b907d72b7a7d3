import type { SwitchyardConfig } from '../config/config';
import { resolveProviders } from '../config/resolve-providers';
import { createPricer } from '../cost/pricer';
import { compileRules } from '../routing/rule-matcher';
import { CircuitBreakers } from '../routing/circuit-breaker';
import { LatencyTracker } from '../routing/latency-tracker';
import type { ProxyRuntime, Reliability, RoutingState } from './runtime';
import type { ProxyEvents } from '../control/events';
import { SplitJudge } from '../routing/split-judge';
import { completeCanonical } from './complete';

/** Everything one config version implies, built once per load so requests only look things up. */
export function createRoutingState(config: SwitchyardConfig, env: NodeJS.ProcessEnv): RoutingState {
  return { config, providers: resolveProviders(config, env), pricer: createPricer(config.prices), rules: compileRules(config.rules) };
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
