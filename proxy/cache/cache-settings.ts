import type { CacheOverride, SwitchyardConfig } from '../config/config';
import type { DecisionRecord } from '../routing/decision';

/** How the response cache treats one call. */
export interface CallCacheSettings {
  ttlSeconds: number;
  /** Entries shared between access keys rather than kept per key. */
  shared: boolean;
}

/**
 * The response cache as one config version sets it: the top-level settings with each route's
 * and rule's overrides. Undefined when nothing turns the cache on, so a config without it
 * pays nothing per call.
 */
export interface CompiledCacheSettings {
  /** The size bound, in bytes. */
  maximumBytes: number;
  /** The settings for a call that went where `decision` says, or undefined when the cache is off for it. */
  forCall(decision: DecisionRecord): CallCacheSettings | undefined;
}

export function compileCacheSettings(config: SwitchyardConfig): CompiledCacheSettings | undefined {
  const global = config.cache;
  const routeOverrides = Object.values(config.routes).map((route) => route.cache);
  const ruleOverrides = config.rules.map((rule) => rule.cache);
  const anyOn = global.enabled || [...routeOverrides, ...ruleOverrides].some((override) => override?.enabled === true);
  if (!anyOn) return undefined;
  // The rule that matched wins over its route, which wins over the top level.
  const settingsOf = (route: CacheOverride | undefined, rule: CacheOverride | undefined): CallCacheSettings | undefined => {
    const enabled = rule?.enabled ?? route?.enabled ?? global.enabled;
    if (!enabled) return undefined;
    return {
      ttlSeconds: rule?.ttlSeconds ?? route?.ttlSeconds ?? global.ttlSeconds,
      shared: rule?.shared ?? route?.shared ?? global.shared,
    };
  };
  // A call without a rule gets its route's settings, made once per config (every call asks; a
  // fresh object and a look-up in the routes by name each time was work a miss paid for nothing).
  const unruled = settingsOf(undefined, undefined);
  const byRoute = new Map<string, CallCacheSettings | undefined>();
  for (const [name, route] of Object.entries(config.routes)) byRoute.set(name, settingsOf(route.cache, undefined));
  return {
    maximumBytes: global.maxMegabytes * 1024 * 1024,
    forCall(decision) {
      if (decision.rule === undefined) return decision.route === undefined ? unruled : byRoute.has(decision.route) ? byRoute.get(decision.route) : unruled;
      const route: CacheOverride | undefined = decision.route === undefined ? undefined : config.routes[decision.route]?.cache;
      return settingsOf(route, config.rules[decision.rule.index]?.cache);
    },
  };
}
