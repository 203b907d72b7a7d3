import type { SwitchyardConfig } from '../config/config';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { Pricer } from '../cost/pricer';
import type { RequestStore } from '../store/request-store';
import type { ProxyEvents } from '../control/events';

/** Everything derived from one version of the config; swapped whole when the config reloads. */
export interface RoutingState {
  config: SwitchyardConfig;
  providers: ReadonlyMap<string, ResolvedProvider>;
  pricer: Pricer;
}

/** The proxy's long-lived state, shared by every request handler. */
export interface ProxyRuntime {
  routing: RoutingState;
  store: RequestStore | undefined;
  events: ProxyEvents;
  /** Writes a line to the proxy log (stderr). Never pass it a key. */
  log: (message: string) => void;
}
