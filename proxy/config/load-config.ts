import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './config-problem';
import {
  defaultConfig,
  defaultRetry,
  defaultTimeouts,
  defaultCache,
  type CacheConfig,
  type CacheOverride,
  type ChatDialect,
  type ProviderConfig,
  type RouteConfig,
  type RouteStrategy,
  type RuleConfig,
  type RuleMatch,
  type SwitchyardConfig,
} from './config';
import { providerPresets } from './presets';

const providerKinds = ['openai', 'openai-compatible', 'anthropic', 'gemini'];
const providerFields = ['type', 'baseUrl', 'apiKeyEnv', 'headers', 'models', 'chatDialect'];
const chatDialectFields: Array<keyof ChatDialect> = ['maxCompletionTokens', 'developerRole', 'nineCharacterToolCallIds'];
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
];

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
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
}

/** Parses and validates a config file's text; `path` names the file in messages. */
export function parseConfigText(text: string, path: string): SwitchyardConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The config file ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  try {
    return parseConfig(json);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`The config file ${path} is invalid: ${error.message}`, error.path, error.problems);
    throw error;
  }
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
  for (const [key, value] of Object.entries(root)) {
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
        tryParse(problems, () => (config.routes[name] = parseRoute(route, `routes.${name}`)));
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

function parseRoute(value: unknown, path: string): RouteConfig {
  const entry = expectObject(value, path);
  for (const field of Object.keys(entry)) if (!routeFields.includes(field)) unknownField(`${path}.${field}`, routeFields);
  const strategy = expectString(entry.strategy, `${path}.strategy`) as RouteStrategy;
  if (!strategies.includes(strategy)) fail(`${path}.strategy`, `${path}.strategy must be one of ${strategies.join(', ')}.`);
  const targets = expectStringArray(entry.targets, `${path}.targets`);
  if (targets.length === 0) fail(`${path}.targets`, `${path}.targets must name at least one provider/model.`);
  const route: RouteConfig = { strategy, targets, retry: defaultRetry(), timeouts: defaultTimeouts() };
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
  if (entry.retry !== undefined) {
    const retry = expectObject(entry.retry, `${path}.retry`);
    for (const [field, amount] of Object.entries(retry)) {
      if (!Object.hasOwn(route.retry, field)) unknownField(`${path}.retry.${field}`, Object.keys(route.retry));
      route.retry[field as keyof RouteConfig['retry']] = field === 'attempts' ? expectPositiveInteger(amount, `${path}.retry.${field}`) : expectNonNegativeInteger(amount, `${path}.retry.${field}`);
    }
  }
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

function parseRule(value: unknown, path: string): RuleConfig {
  const entry = expectObject(value, path);
  for (const field of Object.keys(entry)) if (!['name', 'match', 'route', 'cache'].includes(field)) unknownField(`${path}.${field}`, ['name', 'match', 'route', 'cache']);
  const match: RuleMatch = {};
  for (const [field, condition] of Object.entries(expectObject(entry.match === undefined ? {} : entry.match, `${path}.match`))) {
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
  }
  const rule: RuleConfig = { match, route: expectString(entry.route, `${path}.route`) };
  if (entry.name !== undefined) rule.name = expectString(entry.name, `${path}.name`);
  if (entry.cache !== undefined) rule.cache = parseCacheOverride(entry.cache, `${path}.cache`);
  return rule;
}

/** Routes must lead somewhere: every target and rule names a known route, alias or provider. */
function checkReferences(config: SwitchyardConfig, problems: ConfigProblem[]): void {
  const providers = new Set([...Object.keys(providerPresets), ...Object.keys(config.providers)]);
  const addressable = (name: string): boolean => {
    const slash = name.indexOf('/');
    return Object.hasOwn(config.aliases, name) || (slash > 0 && providers.has(name.slice(0, slash)));
  };
  const report = (path: string, message: string): void => void problems.push({ path, message });
  for (const [name, route] of Object.entries(config.routes)) {
    route.targets.forEach((target, index) => {
      if (!addressable(target)) {
        report(`routes.${name}.targets[${index}]`, `routes.${name}.targets: '${target}' is neither provider/model with a known provider nor an alias. Known providers: ${[...providers].join(', ')}.`);
      }
    });
    if (route.judge && !addressable(route.judge.model)) {
      report(`routes.${name}.judge.model`, `routes.${name}.judge.model: '${route.judge.model}' is neither provider/model with a known provider nor an alias.`);
    }
  }
  config.rules.forEach((rule, index) => {
    if (!Object.hasOwn(config.routes, rule.route) && !addressable(rule.route)) {
      report(`rules[${index}].route`, `rules[${index}].route: '${rule.route}' is not a route under "routes", an alias, or provider/model with a known provider.`);
    }
  });
  const defaultRoute = config.defaultRoute;
  if (defaultRoute !== undefined && !Object.hasOwn(config.routes, defaultRoute) && !addressable(defaultRoute)) {
    report('defaultRoute', `defaultRoute: '${defaultRoute}' is not a route under "routes", an alias, or provider/model with a known provider.`);
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
  fail(path, `unknown field '${path}'. Known fields here: ${known.join(', ')}.`);
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
