import type { ControlEvent, HealthInfo } from '../../proxy/control/protocol';
import { ControlClient, ControlError, probeHealth, type EventSubscription, type ProxyAddress } from '../control-client';
import { readControlToken } from './control-token-file';
import { killQuietly } from './spawn';
import { waitUntil } from './wait';

/**
 * While connected, the stop marker and health are checked this often: a proxy told to stop
 * by another window may keep our stream open while it drains, yet it is gone for us.
 */
const watchdogIntervalMs = 5_000;

/** A proxy this window controls: its control client and its attached event stream. */
export interface Connection {
  client: ControlClient;
  subscription: EventSubscription;
}

/**
 * Connects to the proxy answering on `port` with the data folder's control token. Undefined
 * when there is no token, or the proxy refuses it: a proxy started outside VS Code or with
 * another data folder, which this window cannot control.
 */
export async function openConnection(port: number, dataDir: string, onEvent: (event: ControlEvent) => void): Promise<Connection | undefined> {
  const token = readControlToken(dataDir);
  if (token === undefined) return undefined;
  const client = new ControlClient(port, token);
  const subscription = await openEventStream(client, onEvent);
  return subscription === undefined ? undefined : { client, subscription };
}

/**
 * Opens the proxy's event stream, by default as an attached window (a proxy started with
 * `--stop-when-detached` counts the windows by these streams; a team proxy is not this
 * window's to keep alive, so it is not attached to). Resolves with the subscription once open;
 * undefined, after closing it, when the proxy refused it or did not open it within 5 s — a proxy
 * that answers health but refuses our token.
 */
export async function openEventStream(client: ControlClient, onEvent: (event: ControlEvent) => void, attach = true): Promise<EventSubscription | undefined> {
  let opened = false;
  const subscription = client.subscribe({ attach, onOpen: () => (opened = true), onEvent });
  const openedOrClosed = await Promise.race([
    subscription.closed.then(() => 'closed' as const),
    waitUntil(async () => opened, 5_000).then(() => (opened ? ('opened' as const) : ('closed' as const))),
  ]);
  if (openedOrClosed === 'opened') return subscription;
  subscription.close();
  return undefined;
}

/** What the watchdog of one connection checks. */
export interface WatchdogOptions {
  address: ProxyAddress;
  subscription: EventSubscription;
  /** False once the connection is replaced or closed: the watchdog then stops. */
  isCurrent: () => boolean;
  /** True when a Stop was made in some window since the connection was made. */
  stopped: () => boolean;
  /** Each health answer: a proxy turning degraded (or well again) is shown within one check. */
  onHealth?: (health: HealthInfo) => void;
}

/**
 * A proxy shutting down stops accepting connections but may hold open streams while it
 * drains, so a lost stream alone would be noticed late: a Stop from another window, or two
 * failed health checks in a row, close the subscription, which leads to the same handling as a
 * lost stream. Returns the interval, unref'd, for the caller to clear.
 */
export function startWatchdog(options: WatchdogOptions): NodeJS.Timeout {
  let failures = 0;
  const watchdog = setInterval(() => {
    if (!options.isCurrent()) {
      clearInterval(watchdog);
      return;
    }
    if (options.stopped()) {
      options.subscription.close();
      return;
    }
    void probeHealth(options.address).then((health) => {
      failures = health === undefined ? failures + 1 : 0;
      if (health !== undefined && options.isCurrent()) options.onHealth?.(health);
      if (failures >= 2) options.subscription.close();
    });
  }, watchdogIntervalMs);
  watchdog.unref();
  return watchdog;
}

/** Why a port answering health is out of this window's reach, and what to do. */
export function foreignProxyDetail(port: number, health: HealthInfo, dataDir: string): string {
  return `Port ${port} is served by a Switchyard proxy (pid ${health.pid}) that this window cannot control: it was started outside VS Code or with another data folder than ${dataDir}. Stop it, or pick another port in the setting switchyard.port.`;
}

/**
 * Stops a proxy whoever started it: a clean shutdown over the control API, else a signal to its
 * pid; then waits (up to 5 s) until the port no longer answers health.
 */
export async function shutDown(client: ControlClient | undefined, pid: number | undefined, port: number): Promise<void> {
  if (client !== undefined) {
    try {
      await client.shutdown();
    } catch {
      if (pid !== undefined) killQuietly(pid);
    }
  } else if (pid !== undefined) {
    killQuietly(pid);
  }
  await waitUntil(async () => (await probeHealth(port, 300)) === undefined, 5_000);
}

/**
 * Tells a proxy this window attached to (not started) whether to stop once no window is
 * attached, as the settings say. A proxy without the lifecycle route keeps what its command
 * line said.
 */
export async function tellKeepRunning(client: ControlClient, keepRunning: boolean, log: (line: string) => void): Promise<void> {
  try {
    await client.setLifecycle(!keepRunning);
  } catch (error) {
    if (!(error instanceof ControlError && error.status === 404)) {
      log(`could not tell the proxy whether to keep running: ${(error as Error).message}`);
    }
  }
}
