import { createHash, randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { SwitchyardConfig } from '../config/config';
import { describeNotInForce } from '../config/config-text';
import { parseSharedConfigText, sharedConfigProblems } from '../config/shared-config';
import { ConfigVersionMoved, describeConfigVersion, type ConfigVersion, type SharedConfigSource } from '../store/config-source';
import { ConfigError, locateProblems, parseConfigJson, parseConfigText, readConfigText, validateConfig } from '../config/load-config';
import type { ResolvedProvider } from '../config/resolve-providers';
import type { Usage } from '../core/usage';
import { ProxyError } from '../core/errors';
import { priceTableModels } from '../cost/price-table-models';
import { createRoutingState } from '../pipeline/create-runtime';
import type { ProxyRuntime } from '../pipeline/runtime';
import { resolveModel } from '../routing/resolve-model';
import { lastFour } from '../core/last-four';
import { probeProvider } from '../upstream/probe-provider';
import type { Lifecycle } from './lifecycle';
import type { CallPolicy } from '../call/call-policy';
import type { BudgetAccounts, BudgetRefusal, LedgerBudget } from '../policy/budget-accounts';
import type { BudgetBlocked } from '../events/proxy-events';
import { keyBudget } from '../policy/budgets';
import type { Principal } from '../core/principal';
import { checkKeyChanges, checkKeyName, createNamedKey, KeyRequestError, listedKey, type ListedKey, type NamedKeyRegistry } from '../policy/named-keys';
import { rateLimitsPolicy } from '../policy/rate-limits';
import { mayCall } from '../policy/model-allow-list';
import { RateAccounts } from '../policy/rate-accounts';
import { MemoryRateCounters } from '../store/memory-rate-counters';
import { changedRedaction } from '../store/access-keys';
import type {
  ConfigProblem,
  ConfigResponse,
  ConfigUpdateResponse,
  KnownModel,
  ModelsResponse,
  ProviderInfo,
  ProviderTestResult,
  BudgetInfo,
  SharedConfigInfo,
} from './protocol';

/** A management request the control API refuses; routes turn it into a ControlErrorResponse. */
export class ControlRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 412 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'ControlRequestError';
  }
}

export interface ControlPlaneOptions {
  runtime: ProxyRuntime;
  /** Where provider keys are read from when none was set over the control API. */
  env: NodeJS.ProcessEnv;
  /** The config as loaded from the file (or the defaults), before any run-time additions. */
  config: SwitchyardConfig;
  /** The config file; absent when the proxy runs without one (config edits are then refused). */
  configFile?: string;
  /**
   * The team's shared config (PostgreSQL), instead of a file: edits store a new version there,
   * and `reloadConfig` puts in force what another proxy or the CLI pushed.
   */
  sharedConfig?: SharedConfigSource;
  /** The shared version `config` came from; none while nothing was pushed (the defaults are in force). */
  sharedVersion?: ConfigVersion;
  /** Access keys from outside the config file that always apply: `--require-key`'s. */
  fixedAccessKeys?: readonly string[];
  /** Host names accepted besides the config's: the `--host` the proxy listens on. */
  allowedHosts?: readonly string[];
  lifecycle: Lifecycle;
  /** Stops the proxy cleanly, as SIGTERM does. */
  shutdown: () => void;
  /** Timeout of a provider key test (default 10 s). */
  probeTimeoutMs?: number;
  /**
   * The config file failed to load at start and the proxy serves with presets only
   * (`--serve-on-bad-config`): until it is fixed, `GET /config` says what of it is not in force.
   */
  startedOnBadConfig?: boolean;
  /** Why the broken file's access keys cannot be read; in force until the file loads. */
  unreadableAccessKeys?: string;
  /** Why the broken file's budgets or disabled models cannot be read; every call is refused until it loads. */
  unreadablePolicy?: string;
  /** The named keys of the key store; without it key management answers 503. */
  keys?: NamedKeyRegistry;
  /** Where budgets reserve and settle; budgets are not enforced without it. */
  budgetAccounts?: BudgetAccounts;
  /** Where rate limits take their leases; in memory (this process only) when not given. */
  rateAccounts?: RateAccounts;
}


/**
 * What the control API changes in a running proxy: provider keys and the client key (in
 * memory only), the config file (validated, written atomically, in force at once), and the
 * lifecycle. Every change rebuilds the routing state from the last good config plus these
 * run-time additions, so a key set here survives config reloads and a reload never loses one.
 */
export class ControlPlane {
  readonly lifecycle: Lifecycle;
  private readonly runtime: ProxyRuntime;
  private readonly env: NodeJS.ProcessEnv;
  private readonly configFile: string | undefined;
  private readonly fixedAccessKeys: readonly string[];
  private readonly allowedHosts: readonly string[];
  private readonly providerKeys = new Map<string, string>();
  private readonly shutdownProxy: () => void;
  private readonly probeTimeoutMs: number | undefined;
  private clientKey: string | undefined;
  private readonly keys: NamedKeyRegistry | undefined;
  private readonly budgetAccounts: BudgetAccounts | undefined;
  /** Kept across rebuilds: its sliding windows must survive a key change or a reload. */
  private readonly rateLimits: CallPolicy;
  /** Budgets that refused a call, by name and period start: each is announced once. */
  private readonly announcedBlocks = new Set<string>();
  private readonly sharedConfig: SharedConfigSource | undefined;
  /** The shared version in force; a reload applies only a newer one. */
  private sharedVersion: ConfigVersion | undefined;
  /** Shared reloads one at a time, so an older version read late never replaces a newer one. */
  private sharedReload: Promise<void> = Promise.resolve();
  /** The last good config: what the file held when it last loaded. */
  private config: SwitchyardConfig;
  /** The text `config` came from, so the watcher's echo of our own write is not applied twice. */
  private appliedText: string | undefined;
  /** Serving with presets only because the file was broken at start; cleared once it loads. */
  private presetsOnly: boolean;
  /** Why the broken file's access keys cannot be read: callers without a key are refused until it loads. */
  private readonly unreadableAccessKeys: string | undefined;
  /** Why the broken file's budgets or disabled models cannot be read: calls are refused until it loads. */
  private readonly unreadablePolicy: string | undefined;

  constructor(options: ControlPlaneOptions) {
    this.presetsOnly = options.startedOnBadConfig === true;
    this.unreadableAccessKeys = options.unreadableAccessKeys;
    this.unreadablePolicy = options.unreadablePolicy;
    this.runtime = options.runtime;
    this.env = options.env;
    this.config = options.config;
    // Absolute, so that `GET /config` tells the extension exactly which file it edits.
    this.configFile = options.configFile === undefined ? undefined : path.resolve(options.configFile);
    this.sharedConfig = options.sharedConfig;
    this.sharedVersion = options.sharedVersion;
    this.fixedAccessKeys = options.fixedAccessKeys ?? [];
    this.allowedHosts = options.allowedHosts ?? [];
    this.lifecycle = options.lifecycle;
    this.shutdownProxy = options.shutdown;
    this.probeTimeoutMs = options.probeTimeoutMs;
    this.keys = options.keys;
    this.budgetAccounts = options.budgetAccounts;
    this.rateLimits = rateLimitsPolicy(() => this.config.budgetEstimate.defaultMaxOutputTokens, options.rateAccounts ?? new RateAccounts({ counters: new MemoryRateCounters() }));
    this.apply();
  }

  /** The named keys changed (here, in the CLI or in another proxy): put them in force. */
  keysChanged(): void {
    this.apply();
  }

  /** Every named key, in force and revoked; never a key nor its hash. */
  async listKeys(): Promise<ListedKey[]> {
    return (await this.keyStore().store.list()).map(listedKey);
  }

  /** Creates a named key; the answer holds the key, the only time it is shown. */
  async createKey(body: Record<string, unknown>): Promise<{ key: string } & ListedKey> {
    const registry = this.keyStore();
    const { name, ...policy } = body;
    try {
      const changes = checkKeyChanges(policy);
      const created = await createNamedKey(registry.store, {
        name: checkKeyName(name),
        models: changes.models ?? undefined,
        budget: changes.budget ?? undefined,
        rpm: changes.rpm ?? undefined,
        tpm: changes.tpm ?? undefined,
        redaction: changedRedaction(undefined, changes.redaction),
      });
      await registry.refresh(true);
      this.runtime.log(`access key '${created.listed.name}' created over the control API (${created.listed.keyId})`);
      return { key: created.key, ...created.listed };
    } catch (error) {
      throw asControlError(error);
    }
  }

  async updateKey(name: string, body: Record<string, unknown>): Promise<ListedKey> {
    const registry = this.keyStore();
    try {
      const updated = await registry.store.update(name, checkKeyChanges(body));
      if (updated === undefined) throw new KeyRequestError(404, `There is no access key named '${name}' in force.`);
      await registry.refresh(true);
      this.runtime.log(`access key '${name}' updated over the control API`);
      return listedKey(updated);
    } catch (error) {
      throw asControlError(error);
    }
  }

  async revokeKey(name: string): Promise<ListedKey> {
    const registry = this.keyStore();
    const revoked = await registry.store.revoke(name);
    if (revoked === undefined) throw new ControlRequestError(404, `There is no access key named '${name}' in force.`);
    await registry.refresh(true);
    this.runtime.log(`access key '${name}' revoked over the control API`);
    return listedKey(revoked);
  }

  /**
   * Every budget (the config's, then each named key's own) with its spend, reserved amount,
   * limit and reset. For an access key's holder (`viewer`), only the budgets that name that key:
   * a config budget whose `match.key` is its name, label or id, and its own — a budget over the
   * whole team would tell one member what the others spent.
   */
  async budgets(viewer?: Principal): Promise<BudgetInfo[]> {
    const accounts = this.budgetAccounts;
    if (accounts === undefined) return [];
    const entries: Array<{ budget: LedgerBudget; info: Omit<BudgetInfo, 'spentUsd' | 'reservedUsd' | 'periodStart' | 'resetsAt'> }> = [];
    const namesViewer = (key: string | undefined): boolean => viewer === undefined || (key !== undefined && (key === viewer.name || key === viewer.label || key === viewer.keyId));
    for (const budget of this.config.budgets) {
      if (!namesViewer(budget.match.key)) continue;
      entries.push({
        budget: { ledgerName: budget.name, limitUsd: budget.limitUsd, period: budget.period, action: budget.action },
        info: { name: budget.name, source: 'config', match: budget.match, period: budget.period, action: budget.action, limitUsd: budget.limitUsd },
      });
    }
    for (const principal of this.runtime.routing.principals.principals()) {
      if (viewer !== undefined && principal.keyId !== viewer.keyId) continue;
      const own = keyBudget(principal);
      if (own !== undefined) entries.push({ budget: own, info: { name: own.ledgerName, source: 'key', match: { key: principal.name }, period: own.period, action: 'block', limitUsd: own.limitUsd } });
    }
    const result: BudgetInfo[] = [];
    for (const { budget, info } of entries) {
      const standing = await accounts.standing(budget);
      const entry: BudgetInfo = { ...info, spentUsd: roundUsd(standing.spentUsd), reservedUsd: roundUsd(standing.reservedUsd), periodStart: new Date(standing.periodStart).toISOString() };
      if (standing.resetsAt !== Infinity) entry.resetsAt = new Date(standing.resetsAt).toISOString();
      result.push(entry);
    }
    return result;
  }

  /** Tells the extension (a notification) the first time a budget blocks in a period. */
  private announceBlock(refusal: BudgetRefusal): void {
    const { budget } = refusal;
    const periodKey = `${budget.ledgerName}\u0000${refusal.resetsAt}`;
    if (this.announcedBlocks.has(periodKey)) return;
    this.announcedBlocks.add(periodKey);
    this.runtime.log(`budget '${budget.ledgerName}' blocked a call: $${refusal.spentUsd.toFixed(4)} spent or reserved of $${budget.limitUsd} per ${budget.period}`);
    const blocked: BudgetBlocked = { budget: budget.ledgerName, limitUsd: budget.limitUsd, spentUsd: roundUsd(refusal.spentUsd), period: budget.period };
    if (refusal.resetsAt !== Infinity) blocked.resetsAt = new Date(refusal.resetsAt).toISOString();
    this.runtime.events.emit('budget', blocked);
  }

  private keyStore(): NamedKeyRegistry {
    if (this.keys === undefined) throw new ControlRequestError(503, 'Named access keys need the request log database, which this proxy could not open; see its log.');
    return this.keys;
  }

  /** Every provider, presets first, with where its key comes from. */
  providers(): ProviderInfo[] {
    return [...this.runtime.routing.providers.values()].map(providerInfo);
  }

  setProviderKey(id: string, apiKey: unknown): ProviderInfo {
    this.knownProvider(id);
    const key = checkSecret(apiKey, 'apiKey');
    this.providerKeys.set(id, key);
    this.apply();
    this.runtime.log(`provider key for ${id} set over the control API (${lastFour(key)})`);
    return providerInfo(this.knownProvider(id));
  }

  removeProviderKey(id: string): ProviderInfo {
    this.knownProvider(id);
    if (this.providerKeys.delete(id)) {
      this.apply();
      this.runtime.log(`provider key for ${id} removed over the control API`);
    }
    return providerInfo(this.knownProvider(id));
  }

  /** Tests the given key, else the key in force, with one model-list call. */
  async testProvider(id: string, apiKey: unknown): Promise<ProviderTestResult> {
    const provider = this.knownProvider(id);
    const key = apiKey === undefined ? provider.apiKey : checkSecret(apiKey, 'apiKey');
    return probeProvider(provider, key, { timeoutMs: this.probeTimeoutMs });
  }

  setClientKey(key: unknown): void {
    this.clientKey = checkSecret(key, 'key');
    this.apply();
    this.runtime.log(`client access key set over the control API (${lastFour(this.clientKey)})`);
  }

  removeClientKey(): void {
    if (this.clientKey === undefined) return;
    this.clientKey = undefined;
    this.apply();
    this.runtime.log('client access key removed over the control API');
  }

  /**
   * The config file as written and its problems, each with its line and column; `{}` when the
   * proxy runs without one. When the file was broken at start (presets only), the first problem
   * says which of its providers, routes, aliases and rules are not in force.
   */
  readConfig(): ConfigResponse {
    if (this.sharedConfig !== undefined) return this.readSharedConfig(this.sharedConfig);
    if (this.configFile === undefined) return { config: {}, problems: [] };
    let text: string;
    try {
      text = readConfigText(this.configFile);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { file: this.configFile, config: {}, problems: error.problems };
    }
    let json: unknown;
    try {
      json = parseConfigJson(text, this.configFile);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { file: this.configFile, config: {}, problems: [...this.notInForce(text), ...error.problems] };
    }
    const config = isRecord(json) ? json : {};
    const problems = locateProblems(text, validateConfig(json).problems);
    return { file: this.configFile, config, problems: problems.length === 0 ? [] : [...this.notInForce(text), ...problems] };
  }

  /** The loud line about a file broken since start: what of it the proxy does not use. */
  private notInForce(text: string): ConfigProblem[] {
    if (!this.presetsOnly) return [];
    const ignored = describeNotInForce(text);
    return [{ path: '', message: `Switchyard runs with presets only until this file is fixed${ignored === undefined ? '.' : `; not in force: ${ignored}.`}` }];
  }

  /** The shared version in force, as pushed; `{}` while none was (the defaults are in force). */
  private readSharedConfig(source: SharedConfigSource): ConfigResponse {
    const version = this.sharedVersion;
    const shared: SharedConfigInfo = { location: source.location };
    if (version === undefined) return { config: {}, problems: [], shared };
    const json = JSON.parse(version.text) as unknown;
    return { config: isRecord(json) ? json : {}, problems: [], shared: { ...shared, version: version.version, author: version.author, created: new Date(version.created).toISOString() } };
  }

  /**
   * The config's revision, for `ETag` and `If-Match` on `/config`: the shared version's number
   * (0 before the first push), or for a file a digest of its text (`none` without one), so a
   * save made from what was read is refused when someone changed it meanwhile.
   */
  configRevision(): string {
    if (this.sharedConfig !== undefined) return String(this.sharedVersion?.version ?? 0);
    if (this.configFile === undefined) return 'none';
    try {
      return `sha256-${createHash('sha256').update(readConfigText(this.configFile)).digest('hex').slice(0, 16)}`;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return 'none';
    }
  }

  validateConfig(config: Record<string, unknown>): ConfigProblem[] {
    const problems = validateConfig(config).problems;
    return this.sharedConfig === undefined ? problems : [...sharedConfigProblems(config), ...problems];
  }

  /**
   * Checks a config, writes it to the file atomically (a temporary file renamed over it, so a
   * reader never sees half a file) and puts it in force at once.
   */
  async saveConfig(raw: Record<string, unknown>, ifRevision?: string): Promise<ConfigUpdateResponse> {
    if (this.sharedConfig !== undefined) return this.pushSharedConfig(this.sharedConfig, raw, ifRevision);
    const file = this.configFile;
    if (file === undefined) {
      throw new ControlRequestError(409, 'This proxy runs without a config file, so there is nothing to save to. Start it with --config FILE (the VS Code extension always does).');
    }
    const { config, problems } = validateConfig(raw);
    if (config === undefined) return { ok: false, problems };
    if (ifRevision !== undefined) {
      const current = this.configRevision();
      if (current !== ifRevision) {
        throw new ControlRequestError(412, `Nothing saved: ${file} changed since it was read (its revision is "${current}", not "${ifRevision}" as If-Match says). Read it again (GET /config gives the ETag) and apply your change to it.`);
      }
    }
    const text = `${JSON.stringify(raw, null, 2)}\n`;
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      writeFileSync(temporary, text, { mode: existingMode(file) });
      renameSync(temporary, file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    this.config = config;
    this.appliedText = text;
    this.presetsOnly = false;
    this.apply();
    this.runtime.log(`config saved to ${file} over the control API and in force`);
    this.runtime.events.emit('config', { ok: true, file, problems: [] });
    return { ok: true, problems: [] };
  }

  /**
   * Stores a config as the next shared version (validated there too: per-proxy fields and
   * secrets are refused) and puts it in force here at once; the other proxies hear of it.
   */
  private async pushSharedConfig(source: SharedConfigSource, raw: Record<string, unknown>, ifRevision: string | undefined): Promise<ConfigUpdateResponse> {
    const problems = this.validateConfig(raw);
    if (problems.length > 0) return { ok: false, problems };
    const text = `${JSON.stringify(raw, null, 2)}\n`;
    // A revision that is no version number matches none: refused below, naming the newest.
    const ifVersion = ifRevision === undefined ? undefined : /^\d+$/.test(ifRevision) ? Number(ifRevision) : -1;
    let stored: ConfigVersion;
    try {
      stored = await this.pushInTurn(source, text, ifVersion);
    } catch (error) {
      if (error instanceof ConfigVersionMoved) {
        throw new ControlRequestError(412, `Nothing stored: ${error.message} as If-Match says. Read it again (GET /config gives the version as its ETag), apply your change to it and send If-Match: "${error.currentVersion}".`);
      }
      if (!(error instanceof ConfigError)) throw error;
      return { ok: false, problems: error.problems };
    }
    this.runtime.log(`config version ${stored.version} pushed to ${source.location} over the control API and in force`);
    return { ok: true, problems: [] };
  }

  /** A push queued behind reloads, so the version it applies is not overtaken by an older read. */
  private pushInTurn(source: SharedConfigSource, text: string, ifVersion: number | undefined): Promise<ConfigVersion> {
    const pushed = this.sharedReload.then(async () => {
      const stored = await source.push(text, `control API on ${hostname()}`, undefined, ifVersion);
      if (this.sharedVersion === undefined || stored.version > this.sharedVersion.version) this.applyShared(source, stored, parseSharedConfigText(stored.text, describeConfigVersion(source.location, stored)));
      return stored;
    });
    this.sharedReload = pushed.then(
      () => undefined,
      () => undefined,
    );
    return pushed;
  }

  /**
   * Puts the config in force again from where it lives: the file, or the newest shared version
   * (the source's watcher calls this). A config that fails validation is reported and the last
   * good one stays in force.
   */
  reloadConfig(): Promise<void> {
    const source = this.sharedConfig;
    if (source === undefined) {
      this.reloadFromFile();
      return Promise.resolve();
    }
    this.sharedReload = this.sharedReload.then(() => this.reloadShared(source)).catch((error: unknown) => this.runtime.log(`config not reloaded from ${source.location}: ${(error as Error).message}`));
    return this.sharedReload;
  }

  private async reloadShared(source: SharedConfigSource): Promise<void> {
    const latest = await source.latest();
    if (latest === undefined || (this.sharedVersion !== undefined && latest.version <= this.sharedVersion.version)) return;
    let config: SwitchyardConfig;
    try {
      config = parseSharedConfigText(latest.text, describeConfigVersion(source.location, latest));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.runtime.log(`config not reloaded, the last good one stays in force: ${error.message}`);
      this.runtime.events.emit('config', { ok: false, file: source.location, problems: error.problems });
      return;
    }
    this.applyShared(source, latest, config);
    this.runtime.log(`config version ${latest.version} (${latest.author}) reloaded from ${source.location}`);
  }

  private applyShared(source: SharedConfigSource, version: ConfigVersion, config: SwitchyardConfig): void {
    // Where this proxy's database and files are stays its own (a shared config may not set them).
    this.config = { ...config, storage: this.config.storage, dataDir: this.config.dataDir };
    this.sharedVersion = version;
    this.presetsOnly = false;
    this.apply();
    this.runtime.events.emit('config', { ok: true, file: source.location, problems: [] });
  }

  /**
   * Reloads the config file (the watcher calls this when it changes). A file that fails
   * validation is reported and the last good config stays in force; both outcomes are
   * announced as a `config` event.
   */
  reloadFromFile(): void {
    const file = this.configFile;
    if (file === undefined) return;
    let text: string;
    try {
      text = readConfigText(file);
      if (text === this.appliedText) return;
      this.config = parseConfigText(text, file);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.runtime.log(`config not reloaded, the last good one stays in force: ${error.message}`);
      this.runtime.events.emit('config', { ok: false, file, problems: error.problems });
      return;
    }
    this.appliedText = text;
    this.presetsOnly = false;
    this.apply();
    this.runtime.log(`config reloaded from ${file}`);
    this.runtime.events.emit('config', { ok: true, file, problems: [] });
  }

  /**
   * The models a user can toggle: each provider's configured models, the price table's models
   * of providers that have a key or need none, and the targets of routes and aliases.
   */
  /**
   * The models and routes a Replay or a model pick may name. For an access key (`viewer`), only
   * what it may call: models its allow-list and the disabled models let through, and routes and
   * aliases with at least one such target — so a member's pick never lists a model the team
   * proxy would refuse, and learns nothing of the rest. Prices are the price table's, not spend.
   */
  models(options: { all?: boolean } = {}, viewer?: Principal): ModelsResponse {
    const all = this.allModels(options);
    if (viewer === undefined) return all;
    const { config, providers } = this.runtime.routing;
    const callable = (target: string): boolean => {
      try {
        const address = resolveModel(target, config, providers);
        const id = `${address.provider.id}/${address.model}`;
        return mayCall(viewer, id) && !(this.runtime.routing.isDisabled?.(id) ?? false);
      } catch (error) {
        if (!(error instanceof ProxyError)) throw error;
        return false;
      }
    };
    const body: ModelsResponse = {
      models: all.models.filter((model) => !model.disabled && mayCall(viewer, model.id)),
      routes: all.routes.filter((name) => (Object.hasOwn(config.routes, name) ? config.routes[name]!.targets : [config.aliases[name]!]).some(callable)),
    };
    if (all.defaultRoute !== undefined && body.routes.includes(all.defaultRoute)) body.defaultRoute = all.defaultRoute;
    return body;
  }

  private allModels(options: { all?: boolean }): ModelsResponse {
    const { config, providers, pricer, isDisabled } = this.runtime.routing;
    const models = new Map<string, KnownModel>();
    /** List prices come with price-table models; others (and overridden ones) ask the pricer. */
    const keyed = (id: string): boolean => {
      const provider = providers.get(id);
      return provider !== undefined && (provider.apiKey !== undefined || !provider.keyRequired);
    };
    const add = (provider: string, model: string, listed?: { inputPrice?: number; outputPrice?: number }): void => {
      const id = `${provider}/${model}`;
      if (models.has(id)) return;
      // The config's own models and route targets count as chosen, key or not.
      const known: KnownModel = { id, provider, disabled: isDisabled?.(id) ?? false, keyed: listed === undefined || keyed(provider) };
      if (listed !== undefined && !Object.hasOwn(config.prices, id)) {
        if (listed.inputPrice !== undefined) known.inputPrice = listed.inputPrice;
        if (listed.outputPrice !== undefined) known.outputPrice = listed.outputPrice;
      } else {
        const inputPrice = pricer.price(provider, model, perMillion('input'));
        const outputPrice = pricer.price(provider, model, perMillion('output'));
        if (inputPrice !== null) known.inputPrice = roundPrice(inputPrice);
        if (outputPrice !== null) known.outputPrice = roundPrice(outputPrice);
      }
      models.set(id, known);
    };
    for (const provider of providers.values()) {
      for (const model of provider.models) add(provider.id, model);
      // `all`: the price table's models of providers without a key too ("Show all").
      if (options.all === true || provider.apiKey !== undefined || !provider.keyRequired) {
        for (const listed of priceTableModels(provider.id)) add(provider.id, listed.model, listed);
      }
    }
    const targets = [...Object.values(config.routes).flatMap((route) => route.targets), ...Object.values(config.aliases)];
    for (const target of targets) {
      try {
        const address = resolveModel(target, config, providers);
        add(address.provider.id, address.model);
      } catch (error) {
        // A target the config check let through but no provider serves: nothing to toggle.
        if (!(error instanceof ProxyError)) throw error;
      }
    }
    const routes = [...new Set([...Object.keys(config.routes), ...Object.keys(config.aliases)])];
    const body: ModelsResponse = { models: [...models.values()], routes };
    if (config.defaultRoute !== undefined) body.defaultRoute = config.defaultRoute;
    return body;
  }

  /** Stops the proxy cleanly, as SIGTERM does. */
  /** Deletes every response-cache entry ("Switchyard: Clear Response Cache"); 0 when there is no cache store. */
  async clearResponseCache(): Promise<number> {
    const cache = this.runtime.responseCache;
    if (cache === undefined) return 0;
    const cleared = await cache.clear();
    this.runtime.log(`response cache cleared over the control API (${cleared} entries)`);
    return cleared;
  }

  shutdown(): void {
    this.runtime.log('stopping: asked to over the control API');
    this.shutdownProxy();
  }

  private knownProvider(id: string): ResolvedProvider {
    const provider = this.runtime.routing.providers.get(id);
    if (provider === undefined) {
      throw new ControlRequestError(404, `There is no provider '${id}'. Known providers: ${[...this.runtime.routing.providers.keys()].join(', ')}. Add a custom one under "providers" in the config.`);
    }
    return provider;
  }

  private apply(): void {
    const fixed = this.fixedAccessKeys.map((key) => ({ key, label: '--require-key' }));
    const accessKeys = this.clientKey === undefined ? fixed : [...fixed, { key: this.clientKey, label: 'VS Code' }];
    this.runtime.replaceRouting(
      createRoutingState(this.config, this.env, {
        providerKeys: this.providerKeys,
        accessKeys,
        allowedHosts: this.allowedHosts,
        unreadableAccessKeys: this.presetsOnly ? this.unreadableAccessKeys : undefined,
        unreadablePolicy: this.presetsOnly ? this.unreadablePolicy : undefined,
        namedKeys: this.keys?.entries,
        onKeyUse: this.keys?.markUsed,
        budgetAccounts: this.budgetAccounts,
        rateLimits: this.rateLimits,
        onBudgetBlocked: (refusal) => this.announceBlock(refusal),
      }),
    );
  }
}

function asControlError(error: unknown): unknown {
  return error instanceof KeyRequestError ? new ControlRequestError(error.status, error.message) : error;
}

function roundUsd(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

function providerInfo(provider: ResolvedProvider): ProviderInfo {
  const info: ProviderInfo = {
    id: provider.id,
    kind: provider.kind,
    baseUrl: provider.baseUrl,
    preset: provider.preset,
    keySource: provider.keySource,
    apiKeyEnv: provider.apiKeyEnv,
    keyRequired: provider.keyRequired,
  };
  if (provider.apiKey !== undefined) info.keyHint = lastFour(provider.apiKey);
  return info;
}

/**
 * A key must be a non-empty string that fits in an HTTP header: a pasted key with a line
 * break would otherwise fail on every call with an error far from its cause.
 */
function checkSecret(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ControlRequestError(400, `${field} must be a non-empty string.`);
  const key = value.trim();
  if (!/^[\x21-\x7e]+$/.test(key)) throw new ControlRequestError(400, `${field} holds spaces or characters that cannot be sent in an HTTP header; paste the key alone.`);
  return key;
}

/** The file's permissions, kept across the rename; new files get the umask's default. */
function existingMode(file: string): number {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return 0o666;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function perMillion(direction: 'input' | 'output'): Usage {
  return {
    inputTokens: direction === 'input' ? 1_000_000 : 0,
    outputTokens: direction === 'output' ? 1_000_000 : 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
}

/** Float noise from the unit algebra (2.5000000000000004) does not belong in a picker. */
function roundPrice(price: number): number {
  return Math.round(price * 1e6) / 1e6;
}
