import type { SwitchyardConfig } from '../config/config';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { Pricer } from '../cost/pricer';
import type { RequestLog } from '../store/request-log';
import type { AuditSink } from '../store/audit-sink';
import type { ProxyEvents } from '../events/proxy-events';
import type { RuleSet } from '../routing/rule-matcher';
import type { CircuitBreakers } from '../routing/circuit-breaker';
import type { LatencyTracker } from '../routing/latency-tracker';
import type { SplitJudge } from '../evaluation/split-judge';
import type { CallPolicy } from '../call/call-policy';
import type { PrincipalDirectory } from '../core/principal';
import type { CompiledCacheSettings } from '../cache/cache-settings';
import type { ResponseCache } from '../store/response-cache';
import { PlaceholderVault } from '../privacy/placeholders';
import type { RedactionSettings } from '../privacy/redaction-settings';
import { CallsInFlight } from './calls-in-flight';

/** Everything derived from one version of the config; swapped whole when the config reloads. */
export interface RoutingState {
  config: SwitchyardConfig;
  providers: ReadonlyMap<string, ResolvedProvider>;
  pricer: Pricer;
  /** The config's rules, compiled once per load. */
  rules: RuleSet;
  /**
   * Whether a `provider/model` matches the config's `disabledModels` (for listing models);
   * undefined when the list is empty.
   */
  isDisabled: ((target: string) => boolean) | undefined;
  /** The call policies in force, in the order the admit stage asks them; empty when none is configured. */
  policies: readonly CallPolicy[];
  /** The policies that hold something per upstream attempt (budgets); empty when none do. */
  attemptPolicies: readonly CallPolicy[];
  /** The accepted local access keys; empty when none is required. */
  principals: PrincipalDirectory;
  /** The response cache's settings; undefined when the config turns it on nowhere. */
  cache?: CompiledCacheSettings;
  /** Redaction, compiled; undefined when it is off everywhere (the stage is skipped). */
  redaction: RedactionSettings | undefined;
}

/** What the router learns as calls go: it outlives config reloads. */
export interface Reliability {
  breakers: CircuitBreakers;
  latency: LatencyTracker;
  now: () => number;
  random: () => number;
}

export interface ProxyRuntimeParts {
  routing: RoutingState;
  /** The request log; undefined when it could not be opened (the proxy serves without one). */
  store: RequestLog | undefined;
  /** The response cache's store; undefined when the stores could not be opened. */
  responseCache?: ResponseCache;
  /** The content audit log; undefined when the stores could not be opened. */
  audit?: AuditSink;
  events: ProxyEvents;
  reliability: Reliability;
  splits: SplitJudge;
  log: (message: string) => void;
}

/**
 * The proxy's long-lived state, shared by every request handler. Everything is fixed at
 * creation except the routing state, which a config reload replaces whole through
 * `replaceRouting` — one explicit swap, so a call reads one consistent version.
 */
export class ProxyRuntime {
  readonly store: RequestLog | undefined;
  readonly responseCache: ResponseCache | undefined;
  readonly audit: AuditSink | undefined;
  readonly events: ProxyEvents;
  readonly reliability: Reliability;
  /** A/B results of split routes, and their judge. */
  readonly splits: SplitJudge;
  /** Writes a line to the proxy log (stderr). Never pass it a key. */
  readonly log: (message: string) => void;
  /** Redaction's placeholders and the values they stand for: memory only, kept across config reloads. */
  readonly placeholders = new PlaceholderVault();
  /** The calls being served, which a stop waits for (or ends) before the stores close. */
  readonly inFlight = new CallsInFlight();
  private current: RoutingState;

  constructor(parts: ProxyRuntimeParts) {
    this.current = parts.routing;
    this.store = parts.store;
    this.responseCache = parts.responseCache;
    this.audit = parts.audit;
    this.events = parts.events;
    this.reliability = parts.reliability;
    this.splits = parts.splits;
    this.log = parts.log;
    this.boundCache(parts.routing);
  }

  /** The routing state in force, read by each stage as it needs it; a reload takes effect for the lookups after it. */
  get routing(): RoutingState {
    return this.current;
  }

  /** Puts a new config version in force for the calls that start from now on. */
  replaceRouting(next: RoutingState): void {
    this.current = next;
    this.boundCache(next);
    this.events.emit('principals', undefined);
  }

  /** The cache's size follows the config in force. */
  private boundCache(routing: RoutingState): void {
    if (routing.cache === undefined || this.responseCache === undefined) return;
    try {
      this.responseCache.setMaximumBytes(routing.cache.maximumBytes);
    } catch (error) {
      this.log(`response cache: applying maxMegabytes failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}
