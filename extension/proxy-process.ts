import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ControlEvent, HealthInfo } from '../proxy/control/protocol';
import type { ProxyStatus } from '../webview/protocol';
import { ControlClient, ControlError, probeHealth, type EventSubscription } from './control-client';
import { crashStatusDetail, describeCrash } from './crash-reason';
import { RestartBackoff, type RestartBackoffOptions } from './restart-backoff';
import { Signal } from './signal';

/** What the proxy is started with; read again at every (re)start so setting changes apply. */
export interface ProxySettings {
  port: number;
  configFile: string;
  /** Keep the proxy running after the last VS Code window closes (for terminals outside VS Code). */
  keepRunning: boolean;
}

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
}

/** A crash the manager saw: what the user is told, and whether it restarts by itself. */
export interface ProxyCrash {
  /** How it ended (exit code, signal, no answer) and the error it printed, if any: see `describeCrash`. */
  reason: string;
  /** The proxy's last lines of output before it ended, if this window started it; the log shows them. */
  lastOutput: string[];
  restarting: boolean;
}

const listeningLine = 'Switchyard listening on';
/** A user's Stop from any window: other windows see the proxy go and must not restart it. */
const stopMarkerName = 'stopped';
/** Each spawned proxy writes its output to its own file here; the newest few are kept. */
const logFolderName = 'logs';
const keptLogFiles = 5;
/** Held by the window that is spawning a proxy for this data folder. */
const spawnLockName = 'spawn.lock';
/** A lock older than this was left by a window that died while spawning. */
const staleLockMs = 30_000;
/**
 * While connected, the stop marker and health are checked this often: a proxy told to stop
 * by another window may keep our stream open while it drains, yet it is gone for us.
 */
const watchdogIntervalMs = 5_000;

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
 */
export class ProxyManager {
  /** Every state change, for the status bar, the sidebar and the panel. */
  readonly onDidChangeStatus = new Signal<ProxyStatus>();
  /** Every event of the proxy's event stream, while connected. */
  readonly onEvent = new Signal<ControlEvent>();
  /** A connection was made (first start, attach, restart): views reload what they show. */
  readonly onDidConnect = new Signal<ControlClient>();
  readonly onCrash = new Signal<ProxyCrash>();

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
    rmSync(this.stopMarker, { force: true });
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
    const generation = ++this.generation;
    clearTimeout(this.restartTimer);
    const client = this.currentClient;
    const pid = this.currentPid;
    const port = this.currentStatus.port;
    mkdirSync(this.options.dataDir, { recursive: true });
    writeFileSync(this.stopMarker, String(Date.now()));
    this.closeSubscription();
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
    if (this.currentStatus.owned) {
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

  private get stopMarker(): string {
    return path.join(this.options.dataDir, stopMarkerName);
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

  /**
   * Spawns under a lock file, so that windows starting together do not race two proxies for
   * the port: a losing proxy would still have opened the request log first and locked the
   * winner out of it. A window that finds the lock taken waits for the other's proxy instead.
   */
  private async spawnProxy(generation: number): Promise<void> {
    const { port } = this.options.settings();
    mkdirSync(this.options.dataDir, { recursive: true });
    const lock = path.join(this.options.dataDir, spawnLockName);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 20_000) + 5_000;
    while (!tryLock(lock)) {
      const health = await probeHealth(port, 300);
      if (generation !== this.generation) return;
      if (health !== undefined) {
        await this.attach(generation, port, health, false);
        return;
      }
      if (Date.now() > deadline) rmSync(lock, { force: true });
      await delay(100);
    }
    try {
      await this.spawnUnlocked(generation);
    } finally {
      rmSync(lock, { force: true });
    }
  }

  private async spawnUnlocked(generation: number): Promise<void> {
    const settings = this.options.settings();
    const { port } = settings;
    const logFile = newLogFile(path.join(this.options.dataDir, logFolderName));
    const output = openSync(logFile, 'w', 0o600);
    // --serve-on-bad-config: a broken config file must not stop the proxy; the panel shows its
    // problems and saves a fixed one.
    const argumentsList = [
      this.options.proxyScript,
      'serve',
      '--port',
      String(port),
      '--data-dir',
      this.options.dataDir,
      '--config',
      settings.configFile,
      '--serve-on-bad-config',
    ];
    if (!settings.keepRunning) argumentsList.push('--stop-when-detached');
    let child: ChildProcess;
    try {
      child = spawn(this.options.runtime, argumentsList, {
        detached: true,
        stdio: ['ignore', output, output],
        windowsHide: true,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SWITCHYARD_CONTROL_TOKEN: sharedControlToken(this.options.dataDir) },
      });
    } finally {
      closeSync(output);
    }
    child.unref();
    this.options.log(`starting the proxy (pid ${child.pid ?? 'unknown'}): ${argumentsList.join(' ')}`);
    const outcome = await waitForListening(child, port, logFile, this.options.startTimeoutMs ?? 20_000);
    const startupOutput = readText(logFile);
    for (const line of startupOutput.split('\n')) if (line.trim() !== '') this.options.log(line);
    if (generation !== this.generation) {
      if (outcome.kind === 'listening') killQuietly(child.pid);
      return;
    }
    if (outcome.kind === 'listening') {
      this.child = child;
      this.childLogFile = logFile;
      child.once('exit', (code, signal) => this.onChildExit(generation, child, code, signal));
      await this.attach(generation, port, outcome.health, true);
      return;
    }
    if (outcome.kind === 'exited' && /EADDRINUSE|is taken/.test(startupOutput)) {
      // Another window won the race for the port, or something else holds it.
      rmSync(logFile, { force: true });
      const winner = await probeHealth(port);
      if (generation !== this.generation) return;
      if (winner !== undefined) {
        await this.attach(generation, port, winner, false);
        return;
      }
      this.setStatus({
        state: 'unreachable',
        port,
        detail: `Port ${port} is taken by another program. Pick a free one in the setting switchyard.port.`,
      });
      return;
    }
    if (outcome.kind === 'timeout') killQuietly(child.pid);
    const ending = outcome.kind === 'timeout' ? { kind: 'start-timeout' as const, seconds: (this.options.startTimeoutMs ?? 20_000) / 1000 } : outcome;
    this.crashed(generation, describeCrash(ending, startupOutput), lastLines(startupOutput));
  }

  private async attach(generation: number, port: number, health: HealthInfo, owned: boolean): Promise<void> {
    const token = readToken(this.options.dataDir);
    if (token === undefined) {
      this.setStatus({ state: 'unreachable', port, detail: foreignProxyDetail(port, health, this.options.dataDir) });
      return;
    }
    const client = new ControlClient(port, token);
    let opened = false;
    const subscription = client.subscribe({
      attach: true,
      onOpen: () => (opened = true),
      onEvent: (event) => {
        if (generation === this.generation) this.onEvent.fire(event);
      },
    });
    const openedOrClosed = await Promise.race([
      subscription.closed.then(() => 'closed' as const),
      waitUntil(async () => opened, 5_000).then(() => (opened ? ('opened' as const) : ('closed' as const))),
    ]);
    if (generation !== this.generation) {
      subscription.close();
      return;
    }
    if (openedOrClosed !== 'opened') {
      subscription.close();
      // The port answers health but refuses our token: a proxy started outside VS Code or with
      // another data folder, which this window cannot control.
      this.setStatus({ state: 'unreachable', port, detail: foreignProxyDetail(port, health, this.options.dataDir) });
      return;
    }
    this.subscription = subscription;
    this.currentClient = client;
    this.currentPid = health.pid;
    this.connectedAt = Date.now();
    if (!owned) {
      this.options.log(`attached to the proxy already running on port ${port} (pid ${health.pid}, version ${health.version})`);
      await this.applyKeepRunningTo(client);
    }
    try {
      await this.options.onConnected?.(client);
    } catch (error) {
      this.options.log(`could not hand the keys to the proxy: ${(error as Error).message}`);
    }
    if (generation !== this.generation) return;
    this.setStatus({ state: 'running', port, owned });
    this.onDidConnect.fire(client);
    void subscription.closed.then(() => this.onStreamLost(generation, subscription));
    this.startWatchdog(generation, subscription, port);
  }

  /**
   * A proxy shutting down stops accepting connections but may hold open streams while it
   * drains, so a lost stream alone would be noticed late: a Stop from another window, or two
   * failed health checks in a row, close ours, which leads to the same handling as a lost stream.
   */
  private startWatchdog(generation: number, subscription: EventSubscription, port: number): void {
    clearInterval(this.watchdog);
    let failures = 0;
    this.watchdog = setInterval(() => {
      if (generation !== this.generation || this.subscription !== subscription) {
        clearInterval(this.watchdog);
        return;
      }
      if (stoppedSince(this.stopMarker, this.connectedAt)) {
        subscription.close();
        return;
      }
      void probeHealth(port).then((health) => {
        failures = health === undefined ? failures + 1 : 0;
        if (failures >= 2) subscription.close();
      });
    }, watchdogIntervalMs);
    this.watchdog.unref();
  }

  private async applyKeepRunningTo(client: ControlClient): Promise<void> {
    try {
      await client.setLifecycle(!this.options.settings().keepRunning);
    } catch (error) {
      // A proxy without the lifecycle route keeps what its command line said.
      if (!(error instanceof ControlError && error.status === 404)) {
        this.options.log(`could not tell the proxy whether to keep running: ${(error as Error).message}`);
      }
    }
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
    if (stoppedSince(this.stopMarker, this.connectedAt)) {
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

  private closeSubscription(): void {
    clearInterval(this.watchdog);
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.close();
  }

  private setStatus(status: ProxyStatus): void {
    this.currentStatus = status;
    this.onDidChangeStatus.fire(status);
  }
}

type ListenOutcome =
  | { kind: 'listening'; health: HealthInfo }
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout' };

/**
 * Waits for the child's "Switchyard listening on" line, confirmed by a health answer carrying
 * the child's own pid (with two windows racing, the line in a shared log may be the other's).
 */
async function waitForListening(child: ChildProcess, port: number, logFile: string, timeoutMs: number): Promise<ListenOutcome> {
  let exited: ListenOutcome | undefined;
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => void (exited = { kind: 'exited', code, signal });
  child.once('exit', onExit);
  child.once('error', (error) => {
    exited = { kind: 'exited', code: null, signal: null };
    appendQuietly(logFile, `switchyard: could not run the proxy: ${error.message}\n`);
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (exited !== undefined) return exited;
      if (readText(logFile).includes(listeningLine)) {
        const health = await probeHealth(port, 500);
        if (health !== undefined && health.pid === child.pid) return { kind: 'listening', health };
      }
      await delay(50);
    }
    return exited ?? { kind: 'timeout' };
  } finally {
    child.off('exit', onExit);
  }
}

/**
 * The control token, shared by every proxy this data folder starts: created once (exclusively,
 * so two racing windows agree on it) and passed to the proxy, which writes the same token back.
 * A proxy that loses the race for the port therefore cannot leave a token file that the
 * winner does not accept.
 */
function sharedControlToken(dataDir: string): string {
  const file = path.join(dataDir, 'control-token');
  try {
    writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/** Takes the spawn lock if it is free (or stale); false when another window holds it. */
function tryLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  try {
    // The holder's extension host may have died mid-spawn (a window closed or crashed).
    const holder = Number(readFileSync(lock, 'utf8'));
    if (Date.now() - statSync(lock).mtimeMs > staleLockMs || (Number.isInteger(holder) && holder > 0 && !processAlive(holder))) {
      rmSync(lock, { force: true });
    }
  } catch {
    // Released meanwhile: the next try takes it.
  }
  return false;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(path.join(dataDir, 'control-token'), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

function foreignProxyDetail(port: number, health: HealthInfo, dataDir: string): string {
  return `Port ${port} is served by a Switchyard proxy (pid ${health.pid}) that this window cannot control: it was started outside VS Code or with another data folder than ${dataDir}. Stop it, or pick another port in the setting switchyard.port.`;
}

function stoppedSince(marker: string, since: number): boolean {
  try {
    return statSync(marker).mtimeMs >= since - 1_000;
  } catch {
    return false;
  }
}

function lastLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-5);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The file's last `characters`, from the first whole line in them. */
function tail(file: string, characters: number): string {
  const text = readText(file);
  if (text.length <= characters) return text;
  const cut = text.slice(-characters);
  return cut.slice(cut.indexOf('\n') + 1);
}

/**
 * A fresh output file for a proxy about to start, named so they sort by time; older ones
 * beyond the newest few are removed (a running proxy keeps its handle on POSIX; on Windows
 * the removal fails quietly and is retried at the next start).
 */
function newLogFile(folder: string): string {
  mkdirSync(folder, { recursive: true });
  const existing = readdirSync(folder)
    .filter((name) => /^proxy-\d+-[0-9a-f]+\.log$/.test(name))
    .sort();
  for (const name of existing.slice(0, Math.max(0, existing.length - keptLogFiles + 1))) {
    rmSync(path.join(folder, name), { force: true });
  }
  return path.join(folder, `proxy-${String(Date.now()).padStart(15, '0')}-${randomBytes(3).toString('hex')}.log`);
}

function appendQuietly(file: string, text: string): void {
  try {
    writeFileSync(file, text, { flag: 'a' });
  } catch {
    // The reason is also in the status.
  }
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await delay(50);
  }
}
