import type { SwitchyardConfig } from '../config/config';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { Pricer } from '../cost/pricer';
import type { RequestLog } from '../store/request-log';
import type { ProxyEvents } from '../control/events';
import type { RuleSet } from '../routing/rule-matcher';
import type { CircuitBreakers } from '../routing/circuit-breaker';
import type { LatencyTracker } from '../routing/latency-tracker';
import type { SplitJudge } from '../routing/split-judge';

/** Everything derived from one version of the config; swapped whole when the config reloads. */
export interface RoutingState {
  config: SwitchyardConfig;
  providers: ReadonlyMap<string, ResolvedProvider>;
  pricer: Pricer;
  /** The config's rules, compiled once per load. */
  rules: RuleSet;
  /**
   * Whether a `provider/model` matches the config's `disabledModels`; undefined when the list
   * is empty, so the request path pays one comparison for the feature it does not use.
   */
  isDisabled: ((target: string) => boolean) | undefined;
}

/** What the router learns as calls go: it outlives config reloads. */
export interface Reliability {
  breakers: CircuitBreakers;
  latency: LatencyTracker;
  now: () => number;
  random: () => number;
}

/** The proxy's long-lived state, shared by every request handler. */
export interface ProxyRuntime {
  routing: RoutingState;
  store: RequestLog | undefined;
  events: ProxyEvents;
  reliability: Reliability;
  /** A/B results of split routes, and their judge. */
  splits: SplitJudge;
  /** Writes a line to the proxy log (stderr). Never pass it a key. */
  log: (message: string) => void;
}
