import type { SwitchyardConfig } from '../config/config';
import { resolveProviders } from '../config/resolve-providers';
import { createPricer } from '../cost/pricer';
import { compileRules } from '../routing/rule-matcher';
import { CircuitBreakers } from '../routing/circuit-breaker';
import { LatencyTracker } from '../routing/latency-tracker';
import type { Reliability, RoutingState } from './runtime';

/** Everything one config version implies, built once per load so requests only look things up. */
export function createRoutingState(config: SwitchyardConfig, env: NodeJS.ProcessEnv): RoutingState {
  return { config, providers: resolveProviders(config, env), pricer: createPricer(config.prices), rules: compileRules(config.rules) };
}

export function createReliability(now: () => number = Date.now, random: () => number = Math.random): Reliability {
  return { breakers: new CircuitBreakers({ now }), latency: new LatencyTracker(), now, random };
}
