import type { ControlClient } from '../control-client';
import type { RestartBackoffOptions } from '../restart-backoff';
import type { TeamProxy } from '../team-proxy';

/** What the proxy is started with; read again at every (re)start so setting changes apply. */
export interface ProxySettings {
  port: number;
  configFile: string;
  /** Keep the proxy running after the last VS Code window closes (for terminals outside VS Code). */
  keepRunning: boolean;
  /** One line per call in the proxy's log; false starts it with `--quiet`. True when absent. */
  logEachCall?: boolean;
}

/** How `ProxyManager` runs the proxy, and whom it tells. */
export interface ProxyManagerOptions {
  /** The bundled proxy, `dist/proxy.js`. */
  proxyScript: string;
  /** The runtime that runs it: VS Code's own (`process.execPath` with ELECTRON_RUN_AS_NODE). */
  runtime: string;
  /** Where the proxy keeps its request log, control token and log file. */
  dataDir: string;
  settings: () => ProxySettings;
  /** Called after every (re)connection, before the state turns `running`: push the keys here. */
  onConnected?: (client: ControlClient) => Promise<void>;
  /** Lines for the user's log (the output channel). Never given a key. */
  log: (line: string) => void;
  backoff?: RestartBackoffOptions;
  /** How long a spawned proxy may take to listen (default 20 s). */
  startTimeoutMs?: number;
  /**
   * The team proxy to use instead of spawning one (setting `switchyard.teamProxyUrl`, key from
   * the keychain), read at every (re)connection; undefined: the local proxy.
   */
  teamProxy?: () => Promise<TeamProxy | undefined>;
  /** A team proxy's retries after it did not answer: 1 s doubling to 30 s by default. */
  teamRetry?: { initialDelayMs: number; maxDelayMs: number };
}
