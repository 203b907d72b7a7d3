import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './config-problem';
import { patternProblem } from './check-pattern';
import {
  defaultAudit,
  defaultConfig,
  defaultRetry,
  defaultTimeouts,
  defaultCache,
  type CacheConfig,
  type CacheOverride,
  type AuditConfig,
  type TelemetryConfig,
  type BudgetConfig,
  type BudgetEstimateConfig,
  type ChatDialect,
  type CustomPatternConfig,
  type RedactionConfig,
  type RedactionDetector,
  type RedactionMode,
  type RedactionSetting,
  type ProviderConfig,
  type RetryConfig,
  type RouteConfig,
  type RouteStrategy,
  type RuleConfig,
  type RuleMatch,
  type StorageConfig,
  type SwitchyardConfig,
} from './config';
import { describeReadError, describeSyntaxError, didYouMean, locatePaths, locateProblem, syntaxErrorLocation } from './config-text';
import { providerPresets } from './presets';
import { budgetPeriods } from '../core/principal';
import { redactionDetectors, redactionModes } from '../core/redaction-names';

const providerKinds = ['openai', 'openai-compatible', 'anthropic', 'gemini'];
const providerFields = ['type', 'baseUrl', 'apiKeyEnv', 'headers', 'models', 'chatDialect'];
const chatDialectFields: Array<keyof ChatDialect> = ['maxCompletionTokens', 'developerRole', 'nineCharacterToolCallIds', 'reasoningContent'];
const priceFields = ['input', 'output', 'cacheRead', 'cacheWrite'];
const strategies: RouteStrategy[] = ['fallback', 'cheapest', 'fastest', 'race', 'split'];
const routeFields = ['strategy', 'targets', 'hedgeMs', 'weights', 'judge', 'retry', 'timeouts', 'cache'];
const cacheFields = ['enabled', 'ttlSeconds', 'maxMegabytes', 'shared'];
const cacheOverrideFields = ['enabled', 'ttlSeconds', 'shared'];
const matchFields = ['model', 'endpoint', 'clientKey', 'headers', 'tools', 'images', 'minInputTokens', 'maxInputTokens'];
const topLevelFields = [
  'providers',
  'aliases',
  'routes',
  'rules',
  'prices',
  'accessKeys',
  'maxBodyBytes',
  'retentionDays',
  'dataDir',
  'allowedHosts',
  'allowedOrigins',
  'disabledModels',
  'defaultRoute',
  'cache',
  'promptCaching',
  'redaction',
  'audit',
  'telemetry',
  'retry',
  'shutdownGraceMs',
  'budgets',
  'budgetEstimate',
  'storage',
];
const storageFields = ['postgresUrl', 'redisUrl', 'onStorageError', 'configSource'];
const redactionFields = ['mode', 'detectors', 'custom', 'allow', 'restore'];
const auditFields = ['enabled', 'retentionDays', 'maxMegabytes'];
const telemetryFields = ['otlpEndpoint', 'serviceName', 'metricsTokenFile'];
const budgetFields = ['name', 'match', 'limitUsd', 'period', 'action'];
const budgetMatchFields = ['provider', 'model', 'key'];
const budgetEstimateFields = ['defaultMaxOutputTokens', 'unpricedCallUsd'];

/**
 * A config that cannot be used. The message names the file, the field and the fix; `path` is
 * the first problem's place (`rules[2].match.model`, empty for the whole file) and `problems`
 * holds every problem found, for editors that show each next to its field.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly path: string;
  readonly problems: ConfigProblem[];

  constructor(message: string, path = '', problems: ConfigProblem[] = [{ path, message }]) {
    super(message);
    this.path = path;
    this.problems = problems;
  }
}

/** Reads and validates a config file; throws ConfigError with a message meant for the user. */
export function loadConfigFile(path: string): SwitchyardConfig {
  return parseConfigText(readConfigText(path), path);
}

/** A config file's text; throws ConfigError when it cannot be read. */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(describeReadError(path, error as NodeJS.ErrnoException));
  }
}

/** The JSON of a config file's text; throws ConfigError naming the line and column of a syntax error. */
export function parseConfigJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = `The config file ${path} is not valid JSON: ${describeSyntaxError(text, error as Error)}.`;
    const where = syntaxErrorLocation(text, (error as Error).message);
    throw new ConfigError(message, '', [{ path: '', message, ...where }]);
  }
}

/**
 * Adds to each problem the line and column of its field in the file's text (or of the nearest
 * enclosing field that is written there).
 */
export function locateProblems(text: string, problems: readonly ConfigProblem[]): ConfigProblem[] {
  const places = locatePaths(text);
  return problems.map((problem) => {
    const where = problem.path === '' ? undefined : locateProblem(places, text, problem.path);
    return where === undefined ? problem : { ...problem, ...where };
  });
}

/** Parses and validates a config file's text; `path` names the file in messages, with line and column. */
export function parseConfigText(text: string, path: string): SwitchyardConfig {
  const json = parseConfigJson(text, path);
  const { config, problems } = validateConfig(json);
  if (config !== undefined) return config;
  const located = locateProblems(text, problems);
  const listed = located.map((problem) => (problem.line === undefined ? problem.message : `${problem.message} (line ${problem.line}, column ${problem.column})`)).join(' ');
  throw new ConfigError(`The config file ${path} is invalid: ${listed}`, located[0]!.path, located);
}

/**
 * Validates a parsed config against the rules of `schema/switchyard.schema.json` and fills
 * defaults; throws a ConfigError listing every problem found.
 */
export function parseConfig(json: unknown): SwitchyardConfig {
  const { config, problems } = validateConfig(json);
  if (config === undefined) {
    throw new ConfigError(problems.map((problem) => problem.message).join(' '), problems[0]!.path, problems);
  }
  return config;
}

/**
 * Checks a parsed config and fills defaults, collecting problems rather than stopping at the
 * first: each top-level field, provider, route, rule and reference is checked on its own, so
 * an editor can mark them all at once (within one entry, the first problem is reported).
 * Unknown fields are problems: a misspelt key silently ignored is worse than a refusal that
 * names it. `config` is present exactly when there are no problems.
 */
export function validateConfig(json: unknown): { config?: SwitchyardConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const config = defaultConfig();
  let root: Record<string, unknown>;
  try {
    root = expectObject(json, 'the top level', '');
  } catch (error) {
    collect(problems, error);
    return { problems };
  }
  // References are checked against providers, aliases and routes; when one of those is broken,
  // what it would have held is unknown and every reference into it would be reported wrongly.
  let referencesCheckable = true;
  // The top-level retry first: routes take their defaults from it.
  const entries = Object.entries(root).sort(([a], [b]) => Number(b === 'retry') - Number(a === 'retry'));
  for (const [key, value] of entries) {
    const before = problems.length;
    tryParse(problems, () => parseTopLevelField(config, key, value, problems));
    if (problems.length > before && (key === 'providers' || key === 'aliases' || key === 'routes')) referencesCheckable = false;
  }
  if (referencesCheckable) checkReferences(config, problems);
  return problems.length === 0 ? { config, problems } : { problems };
}

function parseTopLevelField(config: SwitchyardConfig, key: string, value: unknown, problems: ConfigProblem[]): void {
  switch (key) {
    case '$schema':
      expectString(value, '$schema');
      break;
    case 'providers':
      config.providers = parseProviders(value, problems);
      break;
    case 'aliases':
      config.aliases = expectStringRecord(value, 'aliases');
      break;
    case 'routes':
      for (const [name, route] of Object.entries(expectObject(value, 'routes'))) {
        tryParse(problems, () => (config.routes[name] = parseRoute(route, `routes.${name}`, config.retry)));
      }
      break;
    case 'rules':
      if (!Array.isArray(value)) fail('rules', 'rules must be an array of { "match": {…}, "route": "…" }.');
      // By index: a broken rule leaves a hole (forEach skips it), so later rules keep their paths.
      value.forEach((rule, index) => tryParse(problems, () => (config.rules[index] = parseRule(rule, `rules[${index}]`))));
      break;
    case 'prices':
      for (const [model, price] of Object.entries(expectObject(value, 'prices'))) {
        tryParse(problems, () => (config.prices[model] = parsePrice(price, `prices.${model}`)));
      }
      break;
    case 'accessKeys':
      config.accessKeys = expectStringArray(value, 'accessKeys');
      break;
    case 'maxBodyBytes':
      config.maxBodyBytes = expectPositiveInteger(value, 'maxBodyBytes');
      break;
    case 'retentionDays':
      config.retentionDays = expectPositiveInteger(value, 'retentionDays');
      break;
    case 'dataDir':
      config.dataDir = expectString(value, 'dataDir');
      break;
    case 'allowedHosts':
      config.allowedHosts = expectStringArray(value, 'allowedHosts');
      break;
    case 'allowedOrigins':
      config.allowedOrigins = expectStringArray(value, 'allowedOrigins');
      break;
    case 'disabledModels':
      config.disabledModels = parseDisabledModels(value, problems);
      break;
    case 'defaultRoute':
      config.defaultRoute = expectString(value, 'defaultRoute');
      break;
    case 'cache':
      config.cache = parseCache(value);
      break;
    case 'promptCaching':
      if (value !== 'auto' && value !== 'off') fail('promptCaching', "promptCaching must be \"auto\" (Switchyard marks cache breakpoints on translated calls) or \"off\".");
      config.promptCaching = value;
      break;
    case 'redaction':
      config.redaction = { ...config.redaction, ...parseRedaction(value, 'redaction', true) };
      break;
    case 'audit':
      config.audit = parseAudit(value);
      break;
    case 'telemetry':
      config.telemetry = parseTelemetry(value);
      break;
    case 'retry':
      config.retry = parseRetry(value, 'retry', defaultRetry());
      break;
    case 'shutdownGraceMs':
      config.shutdownGraceMs = expectNonNegativeInteger(value, 'shutdownGraceMs');
      break;
    case 'budgets':
      if (!Array.isArray(value)) fail('budgets', 'budgets must be an array of { "name", "limitUsd", "period", "match"?, "action"? }.');
      value.forEach((budget, index) => tryParse(problems, () => config.budgets.push(parseBudget(budget, `budgets[${index}]`))));
      break;
    case 'budgetEstimate':
      config.budgetEstimate = parseBudgetEstimate(value);
      break;
    case 'storage':
      config.storage = parseStorage(value);
      break;
    default:
      unknownField(key, topLevelFields);
  }
}

/** The config's `cache`: each field checked, the rest from the defaults. */
function parseCache(value: unknown): CacheConfig {
  const cache = defaultCache();
  const fields = expectObject(value, 'cache');
  for (const [field, setting] of Object.entries(fields)) {
    const path = `cache.${field}`;
    switch (field) {
      case 'enabled':
      case 'shared':
        cache[field] = expectBoolean(setting, path);
        break;
      case 'ttlSeconds':
      case 'maxMegabytes':
        cache[field] = expectPositiveInteger(setting, path);
        break;
      default:
        unknownField(path, cacheFields);
    }
  }
  return cache;
}

/** A route's or rule's `cache`: only what it sets (the size bound is the config's alone). */
function parseCacheOverride(value: unknown, path: string): CacheOverride {
  const override: CacheOverride = {};
  for (const [field, setting] of Object.entries(expectObject(value, path))) {
    const fieldPath = `${path}.${field}`;
    switch (field) {
      case 'enabled':
      case 'shared':
        override[field] = expectBoolean(setting, fieldPath);
        break;
      case 'ttlSeconds':
        override.ttlSeconds = expectPositiveInteger(setting, fieldPath);
        break;
      case 'maxMegabytes':
        fail(fieldPath, `${fieldPath}: the cache's size is set once for all routes, as cache.maxMegabytes at the top level.`);
        break;
      default:
        unknownField(fieldPath, cacheOverrideFields);
    }
  }
  return override;
}

function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, `${path} must be true or false.`);
  return value;
}

function parsePrice(value: unknown, path: string): Record<string, number> {
  const fields = expectObject(value, path);
  for (const [field, amount] of Object.entries(fields)) {
    if (!priceFields.includes(field)) unknownField(`${path}.${field}`, priceFields);
    if (typeof amount !== 'number' || amount < 0) fail(`${path}.${field}`, `${path}.${field} must be a non-negative number (USD per million tokens).`);
  }
  return fields as Record<string, number>;
}

/** Globs over `provider/model`; one without a `/` could never match and is surely a mistake. */
function parseDisabledModels(value: unknown, problems: ConfigProblem[]): string[] {
  if (!Array.isArray(value)) fail('disabledModels', 'disabledModels must be an array of strings.');
  const patterns: string[] = [];
  value.forEach((item, index) =>
    tryParse(problems, () => {
      const path = `disabledModels[${index}]`;
      const pattern = expectString(item, path);
      if (!pattern.includes('/') && !/^\*+$/.test(pattern)) {
        fail(path, `${path}: '${pattern}' must be a glob over provider/model, such as openai/${pattern} or */${pattern}.`);
      }
      patterns.push(pattern);
    }),
  );
  return patterns;
}

/** `retry` fields over `defaults`; every field is optional. */
function parseRetry(value: unknown, path: string, defaults: RetryConfig): RetryConfig {
  const retry = { ...defaults };
  for (const [field, amount] of Object.entries(expectObject(value, path))) {
    if (!Object.hasOwn(retry, field)) unknownField(`${path}.${field}`, Object.keys(retry));
    retry[field as keyof RetryConfig] = field === 'attempts' ? expectPositiveInteger(amount, `${path}.${field}`) : expectNonNegativeInteger(amount, `${path}.${field}`);
  }
  return retry;
}

/** @param retryDefaults The top-level `retry`, which a route's own `retry` fields override. */
function parseRoute(value: unknown, path: string, retryDefaults: RetryConfig): RouteConfig {
  const entry = expectObject(value, path);
  for (const field of Object.keys(entry)) if (!routeFields.includes(field)) unknownField(`${path}.${field}`, routeFields);
  const strategy = expectString(entry.strategy, `${path}.strategy`) as RouteStrategy;
  if (!strategies.includes(strategy)) fail(`${path}.strategy`, `${path}.strategy must be one of ${strategies.join(', ')}.${didYouMean(strategy, strategies)}`);
  const targets = expectStringArray(entry.targets, `${path}.targets`);
  if (targets.length === 0) fail(`${path}.targets`, `${path}.targets must name at least one provider/model.`);
  const route: RouteConfig = { strategy, targets, retry: { ...retryDefaults }, timeouts: defaultTimeouts() };
  if (entry.hedgeMs !== undefined) route.hedgeMs = expectNonNegativeInteger(entry.hedgeMs, `${path}.hedgeMs`);
  if (entry.weights !== undefined) {
    if (!Array.isArray(entry.weights) || entry.weights.length !== targets.length) {
      fail(`${path}.weights`, `${path}.weights must be an array with one number per target (${targets.length}).`);
    }
    route.weights = entry.weights.map((weight, index) => {
      if (typeof weight !== 'number' || !(weight >= 0)) fail(`${path}.weights[${index}]`, `${path}.weights[${index}] must be a non-negative number.`);
      return weight;
    });
    if (route.weights.every((weight) => weight === 0)) fail(`${path}.weights`, `${path}.weights must not all be 0.`);
  }
  if (entry.judge !== undefined) {
    const judge = expectObject(entry.judge, `${path}.judge`);
    for (const field of Object.keys(judge)) if (field !== 'model' && field !== 'sample') unknownField(`${path}.judge.${field}`, ['model', 'sample']);
    const sample = judge.sample === undefined ? 1 : judge.sample;
    if (typeof sample !== 'number' || sample < 0 || sample > 1) fail(`${path}.judge.sample`, `${path}.judge.sample must be a number from 0 to 1.`);
    if (strategy !== 'split') fail(`${path}.judge`, `${path}.judge only applies to the split strategy.`);
    route.judge = { model: expectString(judge.model, `${path}.judge.model`), sample };
  }
  if (entry.retry !== undefined) route.retry = parseRetry(entry.retry, `${path}.retry`, retryDefaults);
  if (entry.cache !== undefined) route.cache = parseCacheOverride(entry.cache, `${path}.cache`);
  if (entry.timeouts !== undefined) {
    const timeouts = expectObject(entry.timeouts, `${path}.timeouts`);
    for (const [field, amount] of Object.entries(timeouts)) {
      if (field !== 'connectMs' && field !== 'firstTokenMs' && field !== 'idleMs') unknownField(`${path}.timeouts.${field}`, ['connectMs', 'firstTokenMs', 'idleMs']);
      route.timeouts[field] = expectPositiveInteger(amount, `${path}.timeouts.${field}`);
    }
  }
  return route;
}

/**
 * One rule. Each field is checked on its own and every problem reported together, so the rules
 * form can mark two bad fields of one rule at once (issue 14) rather than one per save.
 */
function parseRule(value: unknown, path: string): RuleConfig {
  const entry = expectObject(value, path);
  const problems: ConfigProblem[] = [];
  const check = (parse: () => void): void => tryParse(problems, parse);
  for (const field of Object.keys(entry)) {
    if (!['name', 'match', 'route', 'cache', 'redaction'].includes(field)) check(() => unknownField(`${path}.${field}`, ['name', 'match', 'route', 'cache', 'redaction']));
  }
  const match: RuleMatch = {};
  let conditions: Record<string, unknown> = {};
  check(() => (conditions = expectObject(entry.match === undefined ? {} : entry.match, `${path}.match`)));
  for (const [field, condition] of Object.entries(conditions)) check(() => {
    const fieldPath = `${path}.match.${field}`;
    switch (field) {
      case 'model':
      case 'endpoint':
      case 'clientKey':
        match[field] = expectString(condition, fieldPath);
        break;
      case 'headers':
        match.headers = {};
        for (const [name, header] of Object.entries(expectStringRecord(condition, fieldPath))) match.headers[name.toLowerCase()] = header;
        break;
      case 'tools':
      case 'images':
        if (typeof condition !== 'boolean') fail(fieldPath, `${fieldPath} must be true or false.`);
        match[field] = condition;
        break;
      case 'minInputTokens':
      case 'maxInputTokens':
        match[field] = expectNonNegativeInteger(condition, fieldPath);
        break;
      default:
        unknownField(fieldPath, matchFields);
    }
  });
  const rule: RuleConfig = { match, route: '' };
  check(() => (rule.route = expectString(entry.route, `${path}.route`)));
  if (entry.name !== undefined) check(() => (rule.name = expectString(entry.name, `${path}.name`)));
  if (entry.cache !== undefined) check(() => (rule.cache = parseCacheOverride(entry.cache, `${path}.cache`)));
  if (entry.redaction !== undefined) check(() => (rule.redaction = parseRedaction(entry.redaction, `${path}.redaction`)));
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => problem.message).join(' '), problems[0]!.path, problems);
  return rule;
}

/**
 * The fields of a `redaction` object that are present; the caller lays them over its defaults.
 * Only the config's own `redaction` (`topLevel`) has `keys`: per access key settings.
 */
function parseRedaction(value: unknown, path: string, topLevel = false): Partial<RedactionConfig> {
  const entry = expectObject(value, path);
  const redaction: Partial<RedactionConfig> = {};
  for (const [field, item] of Object.entries(entry)) {
    const fieldPath = `${path}.${field}`;
    switch (field) {
      case 'keys': {
        if (!topLevel) unknownField(fieldPath, redactionFields);
        const keys = expectObject(item, fieldPath);
        redaction.keys = {};
        for (const [key, setting] of Object.entries(keys)) {
          if (key.trim() === '') fail(fieldPath, `${fieldPath} names each access key by its name, label or id (key_…); an empty name matches none.`);
          redaction.keys[key] = parseRedaction(setting, `${fieldPath}.${key}`) as Partial<RedactionSetting>;
        }
        break;
      }
      case 'mode':
        if (typeof item !== 'string' || !(redactionModes as readonly string[]).includes(item)) fail(fieldPath, `${fieldPath} must be one of ${redactionModes.join(', ')}.`);
        redaction.mode = item as RedactionMode;
        break;
      case 'detectors':
        if (!Array.isArray(item)) fail(fieldPath, `${fieldPath} must be an array of detector names (${redactionDetectors.join(', ')}).`);
        redaction.detectors = item.map((name, index) => {
          if (typeof name !== 'string' || !(redactionDetectors as readonly string[]).includes(name)) fail(`${fieldPath}[${index}]`, `${fieldPath}[${index}] must be one of ${redactionDetectors.join(', ')}.`);
          return name as RedactionDetector;
        });
        break;
      case 'custom':
        if (!Array.isArray(item)) fail(fieldPath, `${fieldPath} must be an array of { "name": "…", "pattern": "…" }.`);
        redaction.custom = item.map((custom, index) => parseCustomPattern(custom, `${fieldPath}[${index}]`));
        break;
      case 'allow':
        redaction.allow = expectStringArray(item, fieldPath);
        break;
      case 'restore':
        if (typeof item !== 'boolean') fail(fieldPath, `${fieldPath} must be true or false.`);
        redaction.restore = item;
        break;
      default:
        unknownField(fieldPath, topLevel ? [...redactionFields, 'keys'] : redactionFields);
    }
  }
  return redaction;
}

function parseCustomPattern(value: unknown, path: string): CustomPatternConfig {
  const entry = expectObject(value, path);
  for (const field of Object.keys(entry)) if (field !== 'name' && field !== 'pattern') unknownField(`${path}.${field}`, ['name', 'pattern']);
  const name = expectString(entry.name, `${path}.name`);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(name)) fail(`${path}.name`, `${path}.name must start with a letter and hold only letters, digits, - and _ (at most 40): it names the placeholder, e.g. "ticket" → <TICKET_1>.`);
  const pattern = expectString(entry.pattern, `${path}.pattern`);
  const problem = patternProblem(pattern);
  if (problem !== undefined) fail(`${path}.pattern`, `${path}.pattern ${JSON.stringify(pattern)} ${problem}`);
  return { name, pattern };
}

function parseAudit(value: unknown): AuditConfig {
  const entry = expectObject(value, 'audit');
  const audit = defaultAudit();
  for (const [field, item] of Object.entries(entry)) {
    const fieldPath = `audit.${field}`;
    switch (field) {
      case 'enabled':
        if (typeof item !== 'boolean') fail(fieldPath, `${fieldPath} must be true or false.`);
        audit.enabled = item;
        break;
      case 'retentionDays':
        audit.retentionDays = expectPositiveInteger(item, fieldPath);
        break;
      case 'maxMegabytes':
        audit.maxMegabytes = expectPositiveInteger(item, fieldPath);
        break;
      default:
        unknownField(fieldPath, auditFields);
    }
  }
  return audit;
}

/** The config's `storage`: URLs checked for their scheme and refused when they hold a password. */
function parseStorage(value: unknown): StorageConfig {
  const storage: StorageConfig = { onStorageError: 'closed', configSource: 'file' };
  for (const [field, item] of Object.entries(expectObject(value, 'storage'))) {
    const fieldPath = `storage.${field}`;
    switch (field) {
      case 'postgresUrl':
        storage.postgresUrl = expectStorageUrl(item, fieldPath, ['postgres:', 'postgresql:'], 'SWITCHYARD_POSTGRES_URL', ' (or only the password in PGPASSWORD)');
        break;
      case 'redisUrl':
        storage.redisUrl = expectStorageUrl(item, fieldPath, ['redis:', 'rediss:'], 'SWITCHYARD_REDIS_URL', '');
        break;
      case 'onStorageError':
        if (item !== 'closed' && item !== 'open') fail(fieldPath, `${fieldPath} must be "closed" (budgets and rate limits refuse calls while their store is unreachable) or "open" (they let calls through uncounted).`);
        storage.onStorageError = item;
        break;
      case 'configSource':
        if (item !== 'file' && item !== 'postgres') fail(fieldPath, `${fieldPath} must be "file" (the config is this file) or "postgres" (the versions pushed with switchyard config push to the team's PostgreSQL).`);
        storage.configSource = item;
        break;
      default:
        unknownField(fieldPath, storageFields);
    }
  }
  return storage;
}

/**
 * A server URL of one of the schemes, without a password: the config file is shared, synced and
 * shown in editors, so a secret in it leaks. The error names the variable to use instead.
 */
export function expectStorageUrl(value: unknown, path: string, schemes: readonly string[], variable: string, alternative: string): string {
  const url = expectString(value, path);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(path, `${path} must be a URL such as ${schemes[0]}//host:port/…, not '${url}'.`);
  }
  if (!schemes.includes(parsed.protocol)) fail(path, `${path} must start with ${schemes.map((scheme) => `${scheme}//`).join(' or ')}, not '${parsed.protocol}//'.`);
  if (parsed.password !== '') {
    fail(path, `${path} holds a password, and the config file is no place for secrets. Leave it out of the file and set ${variable} to the whole URL instead${alternative}.`);
  }
  return url;
}

function parseTelemetry(value: unknown): TelemetryConfig {
  const entry = expectObject(value, 'telemetry');
  const telemetry: TelemetryConfig = { serviceName: 'switchyard' };
  for (const [field, item] of Object.entries(entry)) {
    const fieldPath = `telemetry.${field}`;
    switch (field) {
      case 'otlpEndpoint': {
        const problem = otlpEndpointProblem(expectString(item, fieldPath));
        if (problem !== undefined) fail(fieldPath, `${fieldPath} ${problem}`);
        telemetry.otlpEndpoint = item as string;
        break;
      }
      case 'serviceName':
        telemetry.serviceName = expectString(item, fieldPath);
        break;
      case 'metricsTokenFile':
        telemetry.metricsTokenFile = expectString(item, fieldPath);
        break;
      default:
        unknownField(fieldPath, telemetryFields);
    }
  }
  return telemetry;
}

/** Why an OTLP endpoint cannot be used, or undefined: an http(s) URL without credentials in it. */
export function otlpEndpointProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be an http:// or https:// URL such as "http://127.0.0.1:4318", not ${JSON.stringify(url)}.`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `must be an http:// or https:// URL (OTLP over HTTP), not ${JSON.stringify(url)}.`;
  if (parsed.username !== '' || parsed.password !== '') return 'must not hold credentials: put the collector\'s headers in OTEL_EXPORTER_OTLP_HEADERS instead.';
  return undefined;
}

function parseBudget(value: unknown, path: string): BudgetConfig {
  const entry = expectObject(value, path);
  for (const field of Object.keys(entry)) if (!budgetFields.includes(field)) unknownField(`${path}.${field}`, budgetFields);
  const name = expectString(entry.name, `${path}.name`);
  if (name.trim() === '' || name.startsWith('key:')) fail(`${path}.name`, `${path}.name must be a non-empty name that does not start with 'key:' (those are keys' own budgets).`);
  if (typeof entry.limitUsd !== 'number' || !Number.isFinite(entry.limitUsd) || entry.limitUsd < 0) fail(`${path}.limitUsd`, `${path}.limitUsd must be a non-negative number of US dollars.`);
  const period = expectString(entry.period, `${path}.period`);
  if (!(budgetPeriods as readonly string[]).includes(period)) fail(`${path}.period`, `${path}.period must be one of ${budgetPeriods.join(', ')}, not '${period}'.`);
  const action = entry.action === undefined ? 'block' : expectString(entry.action, `${path}.action`);
  if (action !== 'block' && action !== 'warn') fail(`${path}.action`, `${path}.action must be 'block' (refuse calls that could cross the limit) or 'warn' (serve them and mark the record).`);
  const match: BudgetConfig['match'] = {};
  if (entry.match !== undefined) {
    for (const [field, condition] of Object.entries(expectObject(entry.match, `${path}.match`))) {
      if (!budgetMatchFields.includes(field)) unknownField(`${path}.match.${field}`, budgetMatchFields);
      match[field as keyof BudgetConfig['match']] = expectString(condition, `${path}.match.${field}`);
    }
  }
  return { name, match, limitUsd: entry.limitUsd, period: period as BudgetConfig['period'], action };
}

function parseBudgetEstimate(value: unknown): BudgetEstimateConfig {
  const entry = expectObject(value, 'budgetEstimate');
  const estimate = defaultConfig().budgetEstimate;
  for (const [field, amount] of Object.entries(entry)) {
    if (field === 'defaultMaxOutputTokens') estimate.defaultMaxOutputTokens = expectPositiveInteger(amount, 'budgetEstimate.defaultMaxOutputTokens');
    else if (field === 'unpricedCallUsd') {
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) fail('budgetEstimate.unpricedCallUsd', 'budgetEstimate.unpricedCallUsd must be a non-negative number of US dollars.');
      estimate.unpricedCallUsd = amount;
    } else unknownField(`budgetEstimate.${field}`, budgetEstimateFields);
  }
  return estimate;
}

/** A budget that names a provider no one configured, or a model glob no provider can match, would never count anything. */
function checkBudgetReferences(config: SwitchyardConfig, providers: ReadonlySet<string>, report: (path: string, message: string) => void): void {
  const names = new Set<string>();
  config.budgets.forEach((budget, index) => {
    const path = `budgets[${index}]`;
    if (names.has(budget.name)) report(`${path}.name`, `${path}.name: '${budget.name}' names two budgets; each needs its own name (its spend is kept under it).`);
    names.add(budget.name);
    const { provider, model } = budget.match;
    if (provider !== undefined && !providers.has(provider)) {
      report(`${path}.match.provider`, `${path}.match.provider: '${provider}' is not a known provider, so this budget would never count a call. Known providers: ${[...providers].join(', ')}.`);
    }
    if (model !== undefined) {
      const slash = model.indexOf('/');
      const providerPart = slash === -1 ? undefined : model.slice(0, slash);
      const matchesProvider = providerPart === undefined ? undefined : globTest(providerPart);
      if (matchesProvider === undefined || ![...providers].some((id) => matchesProvider(id))) {
        report(`${path}.match.model`, `${path}.match.model: '${model}' can never match a call: it must be a glob over provider/model whose provider part matches a known provider, such as anthropic/claude-opus-* or */${slash === -1 ? model : model.slice(slash + 1)}.`);
      }
    }
  });
}

/** A glob's test (`*`, `?`), for config checks only: the router compiles its globs its own faster way. */
function globTest(pattern: string): (value: string) => boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const expression = new RegExp(`^${source}$`, 'su');
  return (value) => expression.test(value);
}

/** Routes must lead somewhere: every target and rule names a known route, alias or provider. */
/**
 * Routes must lead somewhere: every alias, route target, judge, rule and the default route
 * names a known route, alias or provider/model with a known provider. A name that is close to a
 * known one gets a "did you mean".
 */
function checkReferences(config: SwitchyardConfig, problems: ConfigProblem[]): void {
  const providers = new Set([...Object.keys(providerPresets), ...Object.keys(config.providers)]);
  const aliases = Object.keys(config.aliases);
  const routes = Object.keys(config.routes);
  const addressable = (name: string): boolean => {
    const slash = name.indexOf('/');
    return Object.hasOwn(config.aliases, name) || (slash > 0 && providers.has(name.slice(0, slash)));
  };
  /** A suggestion for a name that leads nowhere: a route or alias, or a known provider prefix. */
  const hint = (name: string, withRoutes: boolean): string => {
    const slash = name.indexOf('/');
    if (slash > 0) {
      const provider = name.slice(0, slash);
      const suggestion = didYouMean(provider, providers);
      return suggestion === '' ? ` '${provider}' is not a known provider (known: ${[...providers].join(', ')}).` : ` '${provider}' is not a known provider.${suggestion.replace(/'([^']+)'\?$/, `'$1${name.slice(slash)}'?`)}`;
    }
    return didYouMean(name, withRoutes ? [...routes, ...aliases] : aliases);
  };
  const report = (path: string, message: string): void => void problems.push({ path, message });
  for (const [name, target] of Object.entries(config.aliases)) {
    if (!addressable(target) || target === name) {
      report(`aliases.${name}`, `aliases.${name}: '${target}' is neither provider/model with a known provider nor another alias.${hint(target, false)}`);
    }
  }
  for (const [name, route] of Object.entries(config.routes)) {
    route.targets.forEach((target, index) => {
      if (!addressable(target)) {
        report(`routes.${name}.targets[${index}]`, `routes.${name}.targets: '${target}' is neither provider/model with a known provider nor an alias.${hint(target, false)}${target.includes('/') ? '' : ` Known providers: ${[...providers].join(', ')}.`}`);
      }
    });
    if (route.judge && !addressable(route.judge.model)) {
      report(`routes.${name}.judge.model`, `routes.${name}.judge.model: '${route.judge.model}' is neither provider/model with a known provider nor an alias.${hint(route.judge.model, false)}`);
    }
  }
  config.rules.forEach((rule, index) => {
    if (!Object.hasOwn(config.routes, rule.route) && !addressable(rule.route)) {
      report(`rules[${index}].route`, `rules[${index}].route: '${rule.route}' is not a route under "routes", an alias, or provider/model with a known provider.${hint(rule.route, true)}`);
    }
  });
  checkBudgetReferences(config, providers, report);
  const defaultRoute = config.defaultRoute;
  if (defaultRoute !== undefined && !Object.hasOwn(config.routes, defaultRoute) && !addressable(defaultRoute)) {
    report('defaultRoute', `defaultRoute: '${defaultRoute}' is not a route under "routes", an alias, or provider/model with a known provider.${hint(defaultRoute, true)}`);
  }
}

function parseProviders(value: unknown, problems: ConfigProblem[]): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = {};
  for (const [id, entryValue] of Object.entries(expectObject(value, 'providers'))) {
    tryParse(problems, () => (providers[id] = parseProvider(id, entryValue)));
  }
  return providers;
}

function parseProvider(id: string, value: unknown): ProviderConfig {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) {
    fail(`providers.${id}`, `provider id '${id}' must be lower-case letters, digits, '.', '_' or '-' (it is the prefix in provider/model).`);
  }
  const entry = expectObject(value, `providers.${id}`);
  const provider: ProviderConfig = {};
  for (const [field, fieldValue] of Object.entries(entry)) {
    const path = `providers.${id}.${field}`;
    switch (field) {
      case 'type': {
        const kind = expectString(fieldValue, path);
        if (!providerKinds.includes(kind)) fail(path, `${path} must be one of ${providerKinds.join(', ')}.`);
        provider.type = kind as ProviderConfig['type'];
        break;
      }
      case 'baseUrl': {
        const url = expectString(fieldValue, path);
        if (!/^https?:\/\//.test(url)) fail(path, `${path} must be an http:// or https:// URL.`);
        provider.baseUrl = url;
        break;
      }
      case 'apiKeyEnv':
        provider.apiKeyEnv = expectString(fieldValue, path);
        break;
      case 'headers':
        provider.headers = expectStringRecord(fieldValue, path);
        break;
      case 'models':
        provider.models = expectStringArray(fieldValue, path);
        break;
      case 'chatDialect':
        provider.chatDialect = parseChatDialect(fieldValue, path);
        break;
      default:
        unknownField(path, providerFields);
    }
  }
  return provider;
}

function parseChatDialect(value: unknown, path: string): ChatDialect {
  const dialect: ChatDialect = {};
  for (const [field, flag] of Object.entries(expectObject(value, path))) {
    const flagPath = `${path}.${field}`;
    if (!(chatDialectFields as string[]).includes(field)) unknownField(flagPath, chatDialectFields);
    if (typeof flag !== 'boolean') fail(flagPath, `${flagPath} must be true or false.`);
    dialect[field as keyof ChatDialect] = flag;
  }
  return dialect;
}

/** Runs one entry's parse, recording its problem instead of stopping the whole validation. */
function tryParse(problems: ConfigProblem[], parse: () => void): void {
  try {
    parse();
  } catch (error) {
    collect(problems, error);
  }
}

function collect(problems: ConfigProblem[], error: unknown): void {
  if (!(error instanceof ConfigError)) throw error;
  problems.push(...error.problems);
}

function fail(path: string, message: string): never {
  throw new ConfigError(message, path);
}

function unknownField(path: string, known: string[]): never {
  const field = path.slice(path.lastIndexOf('.') + 1);
  fail(path, `unknown field '${path}'.${didYouMean(field, known)} Known fields here: ${known.join(', ')}.`);
}

/** `what` names the value in the message when its path would read badly (the top level). */
function expectObject(value: unknown, what: string, path = what): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, `${what} must be a JSON object.`);
  return value as Record<string, unknown>;
}

function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(path, `${path} must be a non-empty string.`);
  return value;
}

function expectStringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, `${path} must be an array of strings.`);
  return value.map((item, index) => expectString(item, `${path}[${index}]`));
}

function expectStringRecord(value: unknown, path: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, item] of Object.entries(expectObject(value, path))) record[key] = expectString(item, `${path}.${key}`);
  return record;
}

function expectNonNegativeInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(path, `${path} must be a whole number, 0 or more.`);
  return value;
}

function expectPositiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(path, `${path} must be a positive integer.`);
  return value;
}
