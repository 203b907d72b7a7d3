import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig, type SwitchyardConfig } from '../../proxy/config/config';
import type { ControlPlane } from '../../proxy/control/control-plane';
import { createProxy, type RunningProxy } from '../../proxy/create-proxy';
import type { RequestLog } from '../../proxy/store/request-log';
import type { OpenStorage } from '../../proxy/store/storage';
import type { ConfigVersion, SharedConfigSource } from '../../proxy/store/config-source';
import type { RequestRecord } from '../../proxy/store/request-record';
import type { ProxyRuntime } from '../../proxy/pipeline/runtime';
import type { RunningServer } from '../../proxy/server';

/** Dummy provider keys: tests assert they reach the fake upstream and nowhere else. */
export const testKeys = {
  OPENAI_API_KEY: 'sk-test-openai-0000000000000001',
  ANTHROPIC_API_KEY: 'sk-ant-test-0000000000000002',
  GEMINI_API_KEY: 'gemini-test-key-0000000000000003',
  GROQ_API_KEY: 'gsk-test-groq-0000000000000004',
} as const;

export const controlToken = 'control-token-for-tests';

/** The management surface of a TestProxy: by default no config file and a shutdown that does nothing. */
export interface ManagementOptions {
  /** The config file PUT /config writes; the caller writes the config it starts with there too. */
  configFile?: string;
  /** Called by POST /shutdown and by the lifecycle when it decides to stop. */
  shutdown?: () => void;
  stopWhenDetached?: boolean;
  /** Both lifecycle waits, so tests need not wait 10 s. */
  graceMs?: number;
  probeTimeoutMs?: number;
  /** A data folder to use (and keep); a fresh temporary one, removed on close, by default. */
  dataDir?: string;
  /** The stores to open instead of SQLite in the data folder: team mode's. */
  openStorage?: OpenStorage;
  /** A token that reads `GET /metrics` only. */
  metricsToken?: string;
  /** Where OpenTelemetry traces go (OTLP/HTTP). */
  otlpEndpoint?: string;
  /** The team's config in PostgreSQL, and the version the proxy starts with (`configure` sets that config). */
  sharedConfig?: SharedConfigSource;
  sharedVersion?: ConfigVersion;
  auditPurge?: { firstDelayMs?: number; intervalMs?: number };
}

/** A Switchyard running in this process on 127.0.0.1:0, built by `createProxy` as the CLI builds it, with its records captured. */
export class TestProxy {
  readonly records: RequestRecord[] = [];
  readonly runtime: ProxyRuntime;
  readonly server: RunningServer;
  readonly control: ControlPlane;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly proxy: RunningProxy,
    private readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {
    this.runtime = proxy.runtime;
    this.server = proxy.server;
    this.control = proxy.control;
    this.runtime.events.on('request', (record) => {
      this.records.push(record);
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  /**
   * @param clocks The router's clock and random draw (circuit breakers, retry budget, backoff
   *   jitter, split arms, exploration), for tests that script them; real ones by default.
   */
  static async start(
    configure: (config: SwitchyardConfig) => void = () => {},
    env: NodeJS.ProcessEnv = { ...testKeys },
    clocks: { now?: () => number; random?: () => number } = {},
    management: ManagementOptions = {},
  ): Promise<TestProxy> {
    const config = defaultConfig();
    configure(config);
    const dataDir = management.dataDir ?? mkdtempSync(path.join(tmpdir(), 'switchyard-test-'));
    const proxy = await createProxy({
      config,
      env,
      host: '127.0.0.1',
      port: 0,
      controlToken,
      // No writeLog: the log goes only to /events subscribers, as it does besides stderr in service.
      storage: { dataDir, retentionDays: 30, flushIntervalMs: 50 },
      configFile: management.configFile,
      stopWhenDetached: management.stopWhenDetached,
      graceMs: management.graceMs,
      shutdown: management.shutdown ?? (() => {}),
      clocks,
      probeTimeoutMs: management.probeTimeoutMs,
      openStorage: management.openStorage,
      storageRequired: management.openStorage !== undefined,
      metricsToken: management.metricsToken,
      otlpEndpoint: management.otlpEndpoint,
      sharedConfig: management.sharedConfig,
      sharedVersion: management.sharedVersion,
      auditPurge: management.auditPurge,
    });
    return new TestProxy(proxy, dataDir, management.dataDir === undefined);
  }

  get url(): string {
    return this.proxy.url;
  }

  /** The data folder the proxy keeps its stores in (removed on close). */
  get dataDirectory(): string {
    return this.dataDir;
  }

  /** The running proxy as `createProxy` returned it. */
  get running(): RunningProxy {
    return this.proxy;
  }

  /** The request log; a test proxy always has one. */
  get store(): RequestLog {
    if (this.proxy.store === undefined) throw new Error('The test proxy has no request log.');
    return this.proxy.store;
  }

  /** Resolves with the record of the nth request (1-based) once it has been written. */
  async record(count = this.records.length + 1): Promise<RequestRecord> {
    while (this.records.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.records[count - 1]!;
  }

  async close(): Promise<void> {
    await this.proxy.close({ graceMs: 0 });
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Every secret the proxy holds; a test fails if any shows up where a client or log could see it. */
export function assertNoKeys(text: string): void {
  for (const key of Object.values(testKeys)) {
    if (text.includes(key)) throw new Error(`a provider key leaked: ${key}`);
  }
}
