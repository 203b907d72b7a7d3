import type http from 'node:http';
import type { SwitchyardConfig } from './config/config';
import { ControlPlane } from './control/control-plane';
import { ProxyEvents } from './events/proxy-events';
import { followCalls } from './events/call-log';
import { DoorRefusals } from './security/door-refusals';
import { Lifecycle } from './control/lifecycle';
import { createReliability, createRoutingState, createRuntime } from './pipeline/create-runtime';
import type { ProxyRuntime } from './pipeline/runtime';
import { createRequestListener, listen, type RunningServer } from './server';
import type { ConfigSource, ConfigVersion, SharedConfigSource } from './store/config-source';
import { ProxyError } from './core/errors';
import { sendProxyError } from './security/middleware';
import type { RequestLog } from './store/request-log';
import { scheduleAuditPurge } from './audit/audit-retention';
import { openSqliteStorage } from './store/sqlite/sqlite-storage';
import { besideUpstreamCalls } from './upstream/upstream-calls';
import type { OpenStorage, Storage, StorageSettings, StoreName } from './store/storage';
import { MemorySpendLedger } from './store/memory-spend-ledger';
import { BudgetAccounts } from './policy/budget-accounts';
import { RateAccounts } from './policy/rate-accounts';
import { MemoryRateCounters } from './store/memory-rate-counters';
import { NamedKeyRegistry } from './policy/named-keys';
import { CallMetrics } from './telemetry/call-metrics';
import { createMetricsEndpoint } from './telemetry/metrics-endpoint';
import { startTracing } from './telemetry/tracing';
import type { CallTracer } from './telemetry/call-tracer';
import type { CircuitState } from './routing/circuit-breaker';
import { IsoTimestamps } from './core/iso-timestamp';

/** Everything one proxy is built from; the CLI and the integration tests fill it in alike. */
export interface CreateProxyOptions {
  /** The config in force at start (from the file, or the defaults). */
  config: SwitchyardConfig;
  /** Where provider keys are read from. */
  env: NodeJS.ProcessEnv;
  host: string;
  /** 0 picks a free port. */
  port: number;
  controlToken: string;
  /** Where a control API caller finds the token, for the 401 message. */
  controlTokenHint?: string;
  /** The stores' settings: data folder, retention, write interval. */
  storage: StorageSettings;
  /**
   * Opens the stores, once the port is ours. The SQLite ones in `storage.dataDir` by default;
   * a team backend (Postgres, Redis) plugs in here. When it throws, the proxy serves without a
   * request log and says so in its log.
   */
  openStorage?: OpenStorage;
  /**
   * Fail to start when the stores cannot be opened, instead of serving without them: team mode,
   * where serving without the shared keys and budgets would serve calls they should refuse.
   */
  storageRequired?: boolean;
  /** The config file `PUT /config` writes and reloads read; none means config edits are refused. */
  configFile?: string;
  /** Watched once serving: each change reloads the config file. */
  configSource?: ConfigSource;
  /**
   * The team's config in PostgreSQL instead of a file (`storage.configSource: "postgres"`):
   * watched once serving, written by `PUT /config`, closed with the proxy.
   */
  sharedConfig?: SharedConfigSource;
  /** The shared version `config` is, when one was pushed. */
  sharedVersion?: ConfigVersion;
  /** Access keys from outside the config file that always apply: `--require-key`'s. */
  fixedAccessKeys?: readonly string[];
  /** Host names accepted besides the config's: the `--host` the proxy listens on. */
  allowedHosts?: readonly string[];
  /** Stop once no VS Code window is attached; changeable at run time. */
  stopWhenDetached?: boolean;
  /** Both lifecycle waits; the lifecycle's defaults when absent. */
  graceMs?: number;
  /** Stops the proxy: called by `POST /shutdown` and by the lifecycle. Owned by the caller. */
  shutdown: () => void;
  /** Where log lines are written besides `/events` (the CLI: stderr); nowhere by default. */
  writeLog?: (line: string) => void;
  /**
   * One line per finished call in the log (tool, model asked → served, status, tokens, cost,
   * latency, error); off by default, on in `switchyard serve` unless `--quiet`. The totals
   * line at shutdown is written either way.
   */
  callLines?: boolean;
  /** The router's clock and random draw, for tests that script them. */
  clocks?: { now?: () => number; random?: () => number };
  /** Timeout of a provider key test (default 10 s). */
  probeTimeoutMs?: number;
  /** The config file was broken at start and the proxy serves with presets only. */
  startedOnBadConfig?: boolean;
  /**
   * The broken file names access keys that cannot be read (see `salvageAccessKeys`): until it is
   * fixed, callers without another accepted key are refused with this reason.
   */
  unreadableAccessKeys?: string;
  /**
   * The broken file sets budgets or disabled models that cannot be read (see `salvagePolicy`):
   * until it is fixed, every model call is refused with this reason.
   */
  unreadablePolicy?: string;
  /** A token that reads `GET /metrics` and nothing else (the control token reads it too). */
  metricsToken?: string;
  /**
   * Send OpenTelemetry traces over OTLP/HTTP here (a collector's base URL or its traces URL);
   * the OpenTelemetry SDK is loaded only when this is set.
   */
  otlpEndpoint?: string;
  /** The audit retention's timer: first purge after 5 s, then every ten minutes unless set (tests shorten it). */
  auditPurge?: { firstDelayMs?: number; intervalMs?: number };
}

/** A proxy listening and serving. */
export interface RunningProxy {
  url: string;
  port: number;
  server: RunningServer;
  runtime: ProxyRuntime;
  control: ControlPlane;
  /** The request log, or undefined when it could not be opened. */
  store: RequestLog | undefined;
  /** Every store, or undefined when they could not be opened. */
  storage: Storage | undefined;
  /**
   * Stops serving, losing no record: refuses new connections (and new requests on open ones,
   * with a 503 in the client's format), ends event streams, lets calls in flight finish for
   * `graceMs` (the config's `shutdownGraceMs`, 10 s by default), then ends those still going
   * with the client format's error event; waits until every call's record is in the log, then
   * writes what the stores queued and closes them. Idempotent. Upstream connections and the
   * process are the caller's.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** How long the calls that ended after a stop's grace period get to write their error and record. */
const stoppedCallsMs = 2_000;

/**
 * The composition root: builds the events, log, reliability, runtime, control plane and the
 * stores, listens, and returns the running proxy. Listening comes first, and the stores are
 * opened only once the port is ours: a second proxy that fails to listen must not lock the
 * first one's database. Requests that arrive while the stores open wait for them. The lifecycle
 * (and so `--stop-when-detached`'s startup grace) starts once the stores are open.
 *
 * @throws the listen error (EADDRINUSE…) when the port cannot be had; nothing is left running.
 */
export async function createProxy(options: CreateProxyOptions): Promise<RunningProxy> {
  const events = new ProxyEvents();
  const timestamps = new IsoTimestamps();
  const log = (message: string): void => {
    const time = Date.now();
    options.writeLog?.(`${timestamps.format(time)} ${message}\n`);
    events.emit('log', { time, message });
  };
  const fixedAccessKeys = options.fixedAccessKeys ?? [];
  const allowedHosts = options.allowedHosts ?? [];
  // Compiled before listening: a config that cannot be compiled fails before the port is taken.
  const overrides = { accessKeys: fixedAccessKeys.map((key) => ({ key, label: '--require-key' })), allowedHosts, unreadableAccessKeys: options.unreadableAccessKeys, unreadablePolicy: options.unreadablePolicy };
  const routing = createRoutingState(options.config, options.env, overrides);

  let listener: http.RequestListener | undefined;
  let becomeReady: (ready: http.RequestListener) => void = () => {};
  const ready = new Promise<http.RequestListener>((resolve) => {
    becomeReady = resolve;
  });
  let stopping = false;
  // Nothing to undo when this throws: no timer, store or watcher exists yet.
  const server = await listen((request, response) => {
    if (stopping) refuseWhileStopping(request, response);
    else if (listener !== undefined) listener(request, response);
    else void ready.then((handle) => handle(request, response));
  }, options.host, options.port);

  let storage: Storage | undefined;
  try {
    storage = await openOrReport(options, log);
  } catch (error) {
    await server.close();
    throw error;
  }
  let control: ControlPlane | undefined;
  // Named keys live in the database: without one, only unnamed keys work.
  const keys = storage === undefined ? undefined : new NamedKeyRegistry({ store: storage.accessKeys, onChange: () => control?.keysChanged(), log });
  try {
    await keys?.start();
  } catch (error) {
    log(`named access keys could not be read: ${(error as Error).message}`);
  }
  // Budgets are enforced even without a database (in memory, spend then starts from nothing).
  const budgetAccounts = new BudgetAccounts({
    ledger: storage?.spendLedger ?? new MemorySpendLedger(),
    log,
    // Once per warn budget and period; its calls are served and their records marked.
    onWarned: ({ budget, spentUsd }) => log(`budget '${budget.ledgerName}' (warn) passed its $${budget.limitUsd} limit per ${budget.period}: $${spentUsd.toFixed(4)} spent or reserved; calls are still served and marked`),
  });
  // Rate limits are shared with every proxy on the data folder (in memory without a database).
  const rateAccounts = new RateAccounts({ counters: storage?.rateCounters ?? new MemoryRateCounters(), log });
  const runtime = createRuntime({
    config: options.config,
    env: options.env,
    overrides,
    routing,
    store: storage?.requestLog,
    responseCache: storage?.responseCache,
    audit: storage?.auditSink,
    events,
    reliability: createReliability(options.clocks?.now, options.clocks?.random),
    log,
  });
  // Built once serving is near: the lifecycle's startup grace counts from here, not from
  // before the database was opened (compiling SQLite's WASM takes a while on a busy machine).
  const lifecycle = new Lifecycle({
    stopWhenDetached: options.stopWhenDetached ?? false,
    stop: options.shutdown,
    log,
    detachedGraceMs: options.graceMs,
    startupGraceMs: options.graceMs,
  });
  control = new ControlPlane({
    runtime,
    env: options.env,
    config: options.config,
    configFile: options.configFile,
    sharedConfig: options.sharedConfig,
    sharedVersion: options.sharedVersion,
    fixedAccessKeys,
    allowedHosts,
    lifecycle,
    shutdown: options.shutdown,
    probeTimeoutMs: options.probeTimeoutMs,
    startedOnBadConfig: options.startedOnBadConfig,
    unreadableAccessKeys: options.unreadableAccessKeys,
    unreadablePolicy: options.unreadablePolicy,
    keys,
    budgetAccounts,
    rateAccounts,
  });

  const calls = followCalls(events, log, { lines: options.callLines === true });
  const doorRefusals = new DoorRefusals({ log, announce: (notice) => events.emit('refusals', notice) });
  // Counted as each record is emitted, after its response closed; written only when scraped.
  const metrics = new CallMetrics();
  const stopCounting = events.on('request', (record) => metrics.observe(record));
  const serveMetrics = createMetricsEndpoint({
    controlToken: options.controlToken,
    metricsToken: options.metricsToken,
    render: () => metrics.render({ callsInFlight: runtime.inFlight.count, circuits: circuitStates(runtime), refusedAtDoor: doorRefusals.total }),
  });
  const tracing = options.otlpEndpoint === undefined ? undefined : await startTracingOrReport(options.otlpEndpoint, runtime, log);
  const stopTracing = tracing === undefined ? () => {} : events.on('request', (record) => tracing.onRecord(record));
  const storageProblems = storage?.problems === undefined ? undefined : () => storage.problems?.() ?? [];
  listener = createRequestListener({ runtime, controlToken: options.controlToken, controlTokenHint: options.controlTokenHint, control, doorRefusals, storageProblems, metrics: serveMetrics });
  becomeReady(listener);
  const stopWatching = (options.sharedConfig ?? options.configSource)?.watch(() => void control.reloadConfig()) ?? (() => {});
  const stopPurging = storage === undefined ? () => {} : scheduleAuditPurge({ sink: storage.auditSink, settings: () => runtime.routing.config.audit, log, ...options.auditPurge });

  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    lifecycle.dispose();
    stopWatching();
    stopPurging();
    stopping = true;
    // No new connections from here; event streams never end by themselves.
    const serverClosed = server.close();
    events.emit('stopping', undefined);
    const inFlight = runtime.inFlight;
    if (!(await within(inFlight.settled(), graceMs))) {
      log(`stopping: ending ${inFlight.count} calls still in flight after the ${graceMs} ms grace period`);
      inFlight.stopAll();
      await within(inFlight.settled(), stoppedCallsMs);
    }
    // Every call has answered; what is left are idle connections clients keep open.
    server.server.closeAllConnections();
    await serverClosed;
    // Spend booked and leases given back before the database closes.
    await budgetAccounts.close().catch((error: unknown) => log(`budget spend not written at stop: ${String(error)}`));
    await rateAccounts.close().catch((error: unknown) => log(`rate limit leases not settled at stop: ${String(error)}`));
    await keys?.close();
    calls.stop();
    stopCounting();
    stopTracing();
    // The spans of the last calls go out before the process ends.
    await tracing?.shutdown().catch((error: unknown) => log(`traces not sent at stop: ${String(error)}`));
    doorRefusals.dispose();
    calls.totals.refusedAtDoor = doorRefusals.total;
    log(calls.totals.summary());
    await storage?.close();
    await options.sharedConfig?.close().catch((error: unknown) => log(`the shared config's connection did not close cleanly: ${String(error)}`));
  };
  return {
    url: server.url,
    port: server.port,
    server,
    runtime,
    control,
    store: storage?.requestLog,
    storage,
    close: (closeOptions = {}) => (closing ??= close(closeOptions.graceMs ?? runtime.routing.config.shutdownGraceMs)),
  };
}

/** Every target with a circuit, and its state now, for the breaker gauge. */
function* circuitStates(runtime: ProxyRuntime): Generator<readonly [string, CircuitState]> {
  const { breakers } = runtime.reliability;
  for (const target of breakers.failingTargets()) yield [target, breakers.state(target)];
}

/** Starts tracing, or logs why it could not start: serving matters more than traces. */
async function startTracingOrReport(endpoint: string, runtime: ProxyRuntime, log: (message: string) => void): Promise<CallTracer | undefined> {
  try {
    const tracer = await startTracing({
      endpoint,
      serviceName: runtime.routing.config.telemetry.serviceName,
      serverAddress: (provider) => runtime.routing.providers.get(provider)?.baseUrl,
      log,
    });
    log(`tracing: OpenTelemetry spans go to ${tracer.url}`);
    return tracer;
  } catch (error) {
    log(`tracing could not start, calls are served without traces: ${(error as Error)?.stack ?? String(error)}`);
    return undefined;
  }
}

/** True when `promise` settled within `milliseconds`, false when the time ran out first. */
async function within(promise: Promise<unknown>, milliseconds: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, milliseconds));
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A request that arrives on an open keep-alive connection while the proxy stops: a 503 in the
 * client's format, and the connection closes after it.
 */
function refuseWhileStopping(request: http.IncomingMessage, response: http.ServerResponse): void {
  request.resume();
  response.shouldKeepAlive = false;
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  sendProxyError(queryStart === -1 ? url : url.slice(0, queryStart), request.headers, response, new ProxyError('overloaded', 'Switchyard is shutting down; send the request again in a moment.', { status: 503 }));
}

/** How the log words a store's failure (the request log's words are what docs/operations.md quotes). */
const storeFailure: Record<StoreName, string> = {
  'request log': 'request log write failed',
  'audit log': 'audit log write failed',
  'response cache': 'response cache failed',
};

/** The stores, or undefined with the reason logged: serving matters more than the log. */
async function openOrReport(options: CreateProxyOptions, log: (message: string) => void): Promise<Storage | undefined> {
  const open = options.openStorage ?? (async (settings: StorageSettings) => openSqliteStorage(settings));
  try {
    // Beside provider calls: a commit then delays no request that has only the loop to wait for (write-moments.ts).
    return await open({ ...options.storage, writeMoments: options.storage.writeMoments ?? besideUpstreamCalls, now: options.storage.now ?? options.clocks?.now, onError: options.storage.onError ?? ((error, store) => log(`${storeFailure[store]}: ${String(error)}`)), onNotice: options.storage.onNotice ?? log });
  } catch (error) {
    if (options.storageRequired) throw error;
    log(`the request log at ${options.storage.dataDir} could not be opened, requests will not be recorded: ${(error as Error).message}`);
    return undefined;
  }
}
