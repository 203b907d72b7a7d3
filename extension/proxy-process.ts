import type { ChildProcess } from 'node:child_process';
import type { ControlEvent, HealthInfo } from '../proxy/control/protocol';
import type { ProxyStatus } from '../webview/protocol';
import { ControlClient, ControlError, probeHealth, type EventSubscription } from './control-client';
import { teamProxyLabel, type TeamAddress, type TeamProxy } from './team-proxy';
import { crashStatusDetail, describeCrash } from './crash-reason';
import { foreignProxyDetail, openConnection, openEventStream, shutDown, startWatchdog, tellKeepRunning } from './proxy/connection';
import { lastLines, tail } from './proxy/log-files';
import { spawnUnderLock, type SpawnResult } from './proxy/spawn';
import { clearStopMarker, stoppedSince, writeStopMarker } from './proxy/stop-marker';
import { delay } from './proxy/wait';
import type { ProxyManagerOptions } from './proxy/proxy-manager-options';
import { RestartBackoff } from './restart-backoff';
import { Signal } from './signal';

/** A crash the manager saw: what the user is told, and whether it restarts by itself. */
export interface ProxyCrash {
  /** How it ended (exit code, signal, no answer) and the error it printed, if any: see `describeCrash`. */
  reason: string;
  /** The proxy's last lines of output before it ended, if this window started it; the log shows them. */
  lastOutput: string[];
  restarting: boolean;
}

/**
 * One proxy for all VS Code windows. `start` attaches to a proxy already answering on the port
 * (started by another window, or surviving an earlier session) and otherwise spawns the bundled
 * one, detached, with VS Code's runtime; a window that loses a race for the port attaches to the
 * winner. The proxy's output goes to a file in `<dataDir>/logs`, never to a pipe: a detached
 * proxy that outlives this window would die of EPIPE writing to a pipe nobody reads. Its live log,
 * finished requests and config reloads arrive over the control API's event stream, which also
 * marks this window as attached (a proxy started with `--stop-when-detached` stops 10 s after
 * the last window detaches). A crash — the child exits, or the stream is lost and health fails —
 * restarts it with backoff and reports the reason.
 *
 * This class is the state machine (stopped → starting → running | unreachable | crashed); the
 * files under `extension/proxy/` do the rest: spawning, the spawn lock, the control token file,
 * the log files, the stop marker and the connection (event stream, watchdog).
 */
export class ProxyManager {
  /** Every state change, for the status bar, the sidebar and the panel. */
  readonly onDidChangeStatus = new Signal<ProxyStatus>();
  /** Every event of the proxy's event stream, while connected. */
  readonly onEvent = new Signal<ControlEvent>();
  /** A connection was made (first start, attach, restart): views reload what they show. */
  readonly onDidConnect = new Signal<ControlClient>();
  readonly onCrash = new Signal<ProxyCrash>();
  /** The team proxy refused the access key (401: revoked, or not its key); carries its URL. */
  readonly onKeyRejected = new Signal<string>();

  private currentStatus: ProxyStatus;
  private currentClient: ControlClient | undefined;
  private currentPid: number | undefined;
  private child: ChildProcess | undefined;
  private subscription: EventSubscription | undefined;
  private pending: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private childLogFile: string | undefined;
  /** Bumped by stop, restart and dispose so callbacks of an older connection do nothing. */
  private generation = 0;
  private connectedAt = 0;
  private disposed = false;
  private readonly backoff: RestartBackoff;
  /** Failed connections to the team proxy in a row: the next retry waits 2^n times longer. */
  private teamFailures = 0;
  /** While connected to a team proxy: reads with the key now and then, so a revoked key shows. */
  private accessCheck: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProxyManagerOptions) {
    this.backoff = new RestartBackoff(options.backoff);
    this.currentStatus = { state: 'stopped', port: options.settings().port };
  }

  get status(): ProxyStatus {
    return this.currentStatus;
  }

  /** The control client of the proxy this window is connected to; undefined unless running. */
  get client(): ControlClient | undefined {
    return this.currentStatus.state === 'running' ? this.currentClient : undefined;
  }

  /** The proxy's process id while connected (this window's child or another window's proxy). */
  get pid(): number | undefined {
    return this.currentStatus.state === 'running' ? this.currentPid : undefined;
  }

  /** The output file of the proxy this window started last, if any. */
  get logFile(): string | undefined {
    return this.childLogFile;
  }

  /**
   * Starts or attaches; resolves when running or when starting failed (the status says why).
   * A start the user asks for clears a Stop made in any window and the restart budget.
   */
  start(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.currentStatus.state === 'running') return Promise.resolve();
    if (this.pending !== undefined) return this.pending;
    clearTimeout(this.restartTimer);
    this.backoff.reset();
    this.teamFailures = 0;
    clearStopMarker(this.options.dataDir);
    return this.connect();
  }

  /** Waits until the proxy is running, starting it if needed; the client, or a clear error. */
  async ready(): Promise<ControlClient> {
    if (this.currentStatus.state !== 'running') await this.start();
    const client = this.client;
    if (client === undefined) {
      throw new ControlError(`The Switchyard proxy is not running${this.currentStatus.detail ? `: ${this.currentStatus.detail}` : '.'}`);
    }
    return client;
  }

  /**
   * Stops the proxy for every window (whoever started it): a clean shutdown over the control
   * API, else a signal to its pid. Other windows see the stop marker and do not restart it.
   */
  async stop(): Promise<void> {
    if (this.pending !== undefined) await this.pending.catch(() => undefined);
    if (this.currentStatus.team !== undefined) {
      this.disconnectTeam();
      return;
    }
    const generation = ++this.generation;
    clearTimeout(this.restartTimer);
    const client = this.currentClient;
    const pid = this.currentPid;
    const port = this.currentStatus.port;
    writeStopMarker(this.options.dataDir);
    this.closeSubscription();
    await shutDown(client, pid, port);
    if (generation !== this.generation) return;
    this.child = undefined;
    this.currentClient = undefined;
    this.currentPid = undefined;
    this.setStatus({ state: 'stopped', port, detail: 'Stopped. Run "Switchyard: Start Proxy" to start it again.' });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Moves to the proxy the settings now name (another port or config file): one this window
   * started is stopped first; one it only attached to is left to the windows still using it.
   */
  async reconnect(): Promise<void> {
    // Moving to a team proxy leaves a proxy this window started to the windows still using it.
    if (this.currentStatus.owned && (await this.options.teamProxy?.()) === undefined) {
      await this.restart();
      return;
    }
    if (this.pending !== undefined) await this.pending.catch(() => undefined);
    this.generation++;
    clearTimeout(this.restartTimer);
    this.closeSubscription();
    this.currentClient = undefined;
    this.currentPid = undefined;
    this.setStatus({ state: 'stopped', port: this.options.settings().port });
    await this.start();
  }

  /**
   * Tells the running proxy whether to stop once no window is attached. Older proxies without
   * the lifecycle route keep what their command line said.
   */
  async applyKeepRunning(keepRunning: boolean): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    try {
      await client.setLifecycle(!keepRunning);
    } catch (error) {
      this.options.log(`could not change whether the proxy keeps running: ${(error as Error).message}`);
    }
  }

  /** Detaches this window (the proxy keeps serving other windows or stops by itself). */
  dispose(): void {
    this.disposed = true;
    this.generation++;
    clearTimeout(this.restartTimer);
    this.closeSubscription();
    this.child?.removeAllListeners('exit');
  }

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 20_000;
  }

  /** True when a Stop was made in any window since this window last connected. */
  private stoppedSinceConnected(): boolean {
    return stoppedSince(this.options.dataDir, this.connectedAt);
  }

  private connect(): Promise<void> {
    const generation = this.generation;
    const attempt = this.connectOnce(generation).finally(() => {
      if (this.pending === attempt) this.pending = undefined;
    });
    this.pending = attempt;
    return attempt;
  }

  private async connectOnce(generation: number): Promise<void> {
    const team = await this.options.teamProxy?.();
    if (generation !== this.generation) return;
    if (team !== undefined) {
      await this.connectTeam(generation, team);
      return;
    }
    const { port } = this.options.settings();
    this.setStatus({ state: 'starting', port });
    const running = await probeHealth(port);
    if (generation !== this.generation) return;
    if (running !== undefined) {
      await this.attach(generation, port, running, false);
      return;
    }
    await this.spawnProxy(generation);
  }

  private async spawnProxy(generation: number): Promise<void> {
    await spawnUnderLock({
      dataDir: this.options.dataDir,
      port: this.options.settings().port,
      startTimeoutMs: this.startTimeoutMs,
      launchSettings: () => {
        const { proxyScript, runtime, dataDir, log } = this.options;
        return { proxyScript, runtime, dataDir, log, ...this.options.settings(), startTimeoutMs: this.startTimeoutMs };
      },
      isCurrent: () => generation === this.generation,
      settle: (result) => this.settleSpawn(generation, result),
    });
  }

  private async settleSpawn(generation: number, result: SpawnResult): Promise<void> {
    switch (result.kind) {
      case 'answering':
        await this.attach(generation, result.port, result.health, false);
        return;
      case 'spawned': {
        const child = result.child;
        this.child = child;
        this.childLogFile = result.logFile;
        child.once('exit', (code, signal) => this.onChildExit(generation, child, code, signal));
        await this.attach(generation, result.port, result.health, true);
        return;
      }
      case 'port-taken':
        this.setStatus({
          state: 'unreachable',
          port: result.port,
          detail: `Port ${result.port} is taken by another program. Pick a free one in the setting switchyard.port.`,
        });
        return;
      case 'failed':
        this.crashed(generation, result.reason, result.lastOutput);
    }
  }

  private async attach(generation: number, port: number, health: HealthInfo, owned: boolean): Promise<void> {
    const connection = await openConnection(port, this.options.dataDir, (event) => {
      if (generation === this.generation) this.onEvent.fire(event);
    });
    if (generation !== this.generation) {
      connection?.subscription.close();
      return;
    }
    if (connection === undefined) {
      this.setStatus({ state: 'unreachable', port, detail: foreignProxyDetail(port, health, this.options.dataDir) });
      return;
    }
    const { client, subscription } = connection;
    this.subscription = subscription;
    this.currentClient = client;
    this.currentPid = health.pid;
    this.connectedAt = Date.now();
    if (!owned) {
      this.options.log(`attached to the proxy already running on port ${port} (pid ${health.pid}, version ${health.version})`);
      await tellKeepRunning(client, this.options.settings().keepRunning, this.options.log);
    }
    try {
      await this.options.onConnected?.(client);
    } catch (error) {
      this.options.log(`could not hand the keys to the proxy: ${(error as Error).message}`);
    }
    if (generation !== this.generation) return;
    this.setStatus({ state: 'running', port, owned, ...problemsOf(health) });
    this.onDidConnect.fire(client);
    void subscription.closed.then(() => this.onStreamLost(generation, subscription));
    this.startWatchdog(generation, subscription, port);
  }

  private startWatchdog(generation: number, subscription: EventSubscription, port: number): void {
    clearInterval(this.watchdog);
    this.watchdog = startWatchdog({
      address: port,
      subscription,
      isCurrent: () => generation === this.generation && this.subscription === subscription,
      stopped: () => this.stoppedSinceConnected(),
      onHealth: (health) => {
        const status = this.currentStatus;
        if (status.state !== 'running' || sameProblems(status.problems, health.problems)) return;
        const { problems: _old, ...rest } = status;
        this.setStatus({ ...rest, ...problemsOf(health) });
      },
    });
  }

  private onChildExit(generation: number, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (generation !== this.generation || this.child !== child) return;
    this.child = undefined;
    const output = this.childLogFile === undefined ? '' : tail(this.childLogFile, 8192);
    this.lost(generation, describeCrash({ kind: 'exited', code, signal }, output), lastLines(output));
  }

  private async onStreamLost(generation: number, subscription: EventSubscription): Promise<void> {
    if (generation !== this.generation || this.subscription !== subscription) return;
    // Our own child's exit says more than a lost stream; give its exit event a moment to come.
    await delay(300);
    if (generation !== this.generation || this.subscription !== subscription) return;
    const health = await probeHealth(this.currentStatus.port);
    if (generation !== this.generation || this.subscription !== subscription) return;
    if (health !== undefined && (this.child === undefined || health.pid === this.child.pid)) {
      // Still there (or restarted by another window): the stream alone dropped; reconnect.
      this.closeSubscription();
      this.options.log('the event stream closed; reconnecting');
      await this.attach(generation, this.currentStatus.port, health, this.child !== undefined && health.pid === this.child.pid);
      return;
    }
    this.lost(generation, describeCrash({ kind: 'unresponsive', pid: this.currentPid, port: this.currentStatus.port }));
  }

  /** The proxy went away without this window's Stop: a Stop from another window, or a crash. */
  private lost(generation: number, reason: string, lastOutput: string[] = []): void {
    this.closeSubscription();
    this.currentClient = undefined;
    this.currentPid = undefined;
    if (this.stoppedSinceConnected()) {
      this.setStatus({ state: 'stopped', port: this.currentStatus.port, detail: 'Stopped from another window. Run "Switchyard: Start Proxy" to start it again.' });
      return;
    }
    this.crashed(generation, reason, lastOutput);
  }

  private crashed(generation: number, reason: string, lastOutput: string[]): void {
    const port = this.currentStatus.port;
    const wait = this.backoff.next(Date.now());
    this.options.log(`proxy crashed: ${reason}${lastOutput.length > 0 ? ` Its last output:\n${lastOutput.join('\n')}` : ''}`);
    if (wait === undefined) {
      this.setStatus({ state: 'crashed', port, detail: crashStatusDetail(reason, undefined) });
      this.onCrash.fire({ reason, lastOutput, restarting: false });
      return;
    }
    this.setStatus({ state: 'crashed', port, detail: crashStatusDetail(reason, wait) });
    this.onCrash.fire({ reason, lastOutput, restarting: true });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (generation === this.generation && !this.disposed) void this.connect();
    }, wait);
  }

  /**
   * Connects to a team proxy instead of spawning one: its health first (a wrong URL or a proxy
   * that is down is retried with backoff, never replaced by a local one), then one read with the
   * access key (401: the key was revoked or is not this proxy's — said, not retried), then its
   * event stream, which carries this key's own requests only.
   */
  private async connectTeam(generation: number, setting: TeamProxy): Promise<void> {
    if ('problem' in setting) {
      this.setStatus({ state: 'unreachable', port: 0, team: { url: setting.text }, detail: `The setting switchyard.teamProxyUrl is no team proxy address: ${setting.problem}` });
      return;
    }
    const team = setting;
    const info = { url: teamProxyLabel(team.url) };
    const port = teamPort(team.url);
    this.setStatus({ state: 'starting', port, team: info });
    if (team.key === undefined) {
      this.setStatus({ state: 'unreachable', port, team: { ...info, keyRejected: true }, detail: `No access key for the team proxy ${info.url} in the keychain: run "Switchyard: Connect to Team Proxy" to enter it.` });
      return;
    }
    const health = await probeHealth(team.url, 5_000);
    if (generation !== this.generation) return;
    if (health === undefined) {
      this.retryTeam(generation, team, `Nothing answers like a Switchyard proxy at ${info.url}`);
      return;
    }
    const client = new ControlClient(team.url, team.key);
    client.onUnauthorized = () => this.keyRejected(generation, team);
    try {
      await client.requests(1);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ControlError && error.status === 401) return; // keyRejected said so
      if (error instanceof ControlError && error.status === 403) {
        this.setStatus({ state: 'unreachable', port, team: info, detail: `The team proxy at ${info.url} does not let an access key read its requests (it runs an older Switchyard): ask its admin to update it.` });
        return;
      }
      this.retryTeam(generation, team, (error as Error).message);
      return;
    }
    if (generation !== this.generation) return;
    const subscription = await openEventStream(client, (event) => {
      if (generation === this.generation) this.onEvent.fire(event);
    }, false);
    if (generation !== this.generation) {
      subscription?.close();
      return;
    }
    if (subscription === undefined) {
      this.retryTeam(generation, team, `The team proxy at ${info.url} did not open its event stream`);
      return;
    }
    this.subscription = subscription;
    this.currentClient = client;
    this.currentPid = undefined;
    this.connectedAt = Date.now();
    this.teamFailures = 0;
    this.options.log(`connected to the team proxy ${info.url} (version ${health.version}) with an access key`);
    this.setStatus({ state: 'running', port, owned: false, team: info, ...problemsOf(health) });
    this.onDidConnect.fire(client);
    void subscription.closed.then(async () => {
      if (generation !== this.generation || this.subscription !== subscription) return;
      this.closeSubscription();
      this.currentClient = undefined;
      // The proxy ends a key's stream when the key is revoked: one read tells that (401, said by
      // keyRejected) from a lost connection, so the window says the true reason at once.
      const refused = await client.requests(1).then(
        () => false,
        (error: unknown) => error instanceof ControlError && error.status === 401,
      );
      if (refused || generation !== this.generation) return;
      this.retryTeam(generation, team, `Lost the connection to the team proxy at ${info.url}`);
    });
    this.startTeamWatchdog(generation, subscription, team, client);
  }

  private startTeamWatchdog(generation: number, subscription: EventSubscription, team: TeamAddress, client: ControlClient): void {
    clearInterval(this.watchdog);
    const isCurrent = (): boolean => generation === this.generation && this.subscription === subscription;
    this.watchdog = startWatchdog({
      address: team.url,
      subscription,
      isCurrent,
      stopped: () => false,
      onHealth: (health) => {
        const status = this.currentStatus;
        if (status.state !== 'running' || sameProblems(status.problems, health.problems)) return;
        const { problems: _old, ...rest } = status;
        this.setStatus({ ...rest, ...problemsOf(health) });
      },
    });
    // A team proxy ends a revoked key's stream (see connectTeam); one older than that keeps it
    // open, so one cheap read now and then notices (401).
    clearInterval(this.accessCheck);
    this.accessCheck = setInterval(() => {
      if (isCurrent()) void client.requests(1).catch(() => undefined);
    }, teamAccessCheckMs);
    this.accessCheck.unref();
  }

  /** The team proxy did not answer: shown with the reason, and tried again after a doubling delay. */
  private retryTeam(generation: number, team: TeamAddress, reason: string): void {
    const retry = this.options.teamRetry ?? defaultTeamRetry;
    const wait = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** this.teamFailures);
    this.teamFailures += 1;
    const url = teamProxyLabel(team.url);
    this.options.log(`team proxy ${url}: ${reason}; retrying in ${formatSeconds(wait)}`);
    this.setStatus({
      state: 'unreachable',
      port: teamPort(team.url),
      team: { url },
      detail: `${reason}. Retrying in ${formatSeconds(wait)}. Check the address (setting switchyard.teamProxyUrl) and your network, or run "Switchyard: Disconnect from Team Proxy" to use a local proxy.`,
    });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (generation === this.generation && !this.disposed) void this.connect();
    }, wait);
  }

  /** 401 from the team proxy: the key was revoked or is not its key. Said once; not retried. */
  private keyRejected(generation: number, team: TeamAddress): void {
    if (generation !== this.generation || this.currentStatus.team?.keyRejected === true) return;
    this.generation++;
    clearTimeout(this.restartTimer);
    this.closeSubscription();
    this.currentClient = undefined;
    const url = teamProxyLabel(team.url);
    this.options.log(`the team proxy ${url} refused the access key (401)`);
    this.setStatus({
      state: 'unreachable',
      port: teamPort(team.url),
      team: { url, keyRejected: true },
      detail: `The team proxy at ${url} refused your access key: it was revoked, or it is not a key of this proxy. Run "Switchyard: Connect to Team Proxy" to enter another.`,
    });
    this.onKeyRejected.fire(url);
  }

  /** Stop while on a team proxy: this window lets go of it; the proxy keeps serving the team. */
  private disconnectTeam(): void {
    this.generation++;
    clearTimeout(this.restartTimer);
    this.closeSubscription();
    this.currentClient = undefined;
    const { team, port } = this.currentStatus;
    this.setStatus({
      state: 'stopped',
      port,
      team: team === undefined ? undefined : { url: team.url },
      detail: 'Disconnected from the team proxy, which keeps serving the team. Run "Switchyard: Start Proxy" to connect again.',
    });
  }

  private closeSubscription(): void {
    clearInterval(this.watchdog);
    clearInterval(this.accessCheck);
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.close();
  }

  private setStatus(status: ProxyStatus): void {
    this.currentStatus = status;
    this.onDidChangeStatus.fire(status);
  }
}

/** How often a team connection reads once with its key, so a key revoked meanwhile is noticed. */
const teamAccessCheckMs = 30_000;

const defaultTeamRetry = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/** The port a team proxy's URL names, or its scheme's default. */
function teamPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** A degraded proxy's problems as a status field; nothing for a healthy one. */
function problemsOf(health: HealthInfo): Pick<ProxyStatus, 'problems'> {
  return health.status === 'degraded' && health.problems !== undefined && health.problems.length > 0 ? { problems: health.problems } : {};
}

function sameProblems(shown: readonly string[] | undefined, reported: readonly string[] | undefined): boolean {
  const a = shown ?? [];
  const b = reported ?? [];
  return a.length === b.length && a.every((problem, index) => problem === b[index]);
}
