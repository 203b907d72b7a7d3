import { readFileSync } from 'node:fs';
import {
  defaultConfig,
  defaultRetry,
  defaultTimeouts,
  type ProviderConfig,
  type RouteConfig,
  type RouteStrategy,
  type RuleConfig,
  type RuleMatch,
  type SwitchyardConfig,
} from './config';
import { providerPresets } from './presets';

const providerKinds = ['openai', 'openai-compatible', 'anthropic', 'gemini'];
const providerFields = ['type', 'baseUrl', 'apiKeyEnv', 'headers', 'models'];
const priceFields = ['input', 'output', 'cacheRead', 'cacheWrite'];
const strategies: RouteStrategy[] = ['fallback', 'cheapest', 'fastest', 'race', 'split'];
const routeFields = ['strategy', 'targets', 'hedgeMs', 'weights', 'judge', 'retry', 'timeouts'];
const matchFields = ['model', 'endpoint', 'clientKey', 'headers', 'tools', 'images', 'minInputTokens', 'maxInputTokens'];

/** A config file that cannot be used; the message names the file, the field and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates a config file; throws ConfigError with a message meant for the user. */
export function loadConfigFile(path: string): SwitchyardConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The config file ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  try {
    return parseConfig(json);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`The config file ${path} is invalid: ${error.message}`);
    throw error;
  }
}

/**
 * Validates a parsed config against the rules of `schema/switchyard.schema.json` and fills
 * defaults. Unknown fields are errors: a misspelt key silently ignored is worse than a
 * refusal that names it.
 */
export function parseConfig(json: unknown): SwitchyardConfig {
  const config = defaultConfig();
  const root = expectObject(json, 'the top level');
  for (const [key, value] of Object.entries(root)) {
    switch (key) {
      case '$schema':
        expectString(value, '$schema');
        break;
      case 'providers':
        config.providers = parseProviders(value);
        break;
      case 'aliases':
        config.aliases = expectStringRecord(value, 'aliases');
        break;
      case 'routes':
        for (const [name, route] of Object.entries(expectObject(value, 'routes'))) config.routes[name] = parseRoute(route, `routes.${name}`);
        break;
      case 'rules':
        if (!Array.isArray(value)) fail('rules must be an array of { "match": {…}, "route": "…" }.');
        config.rules = value.map((rule, index) => parseRule(rule, `rules[${index}]`));
        break;
      case 'prices':
        for (const [model, price] of Object.entries(expectObject(value, 'prices'))) {
          const fields = expectObject(price, `prices.${model}`);
          for (const [field, amount] of Object.entries(fields)) {
            if (!priceFields.includes(field)) unknownField(`prices.${model}.${field}`, priceFields);
            if (typeof amount !== 'number' || amount < 0) fail(`prices.${model}.${field} must be a non-negative number (USD per million tokens).`);
          }
          config.prices[model] = fields;
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
      default:
        unknownField(key, ['providers', 'aliases', 'routes', 'rules', 'prices', 'accessKeys', 'maxBodyBytes', 'retentionDays', 'dataDir', 'allowedHosts', 'allowedOrigins']);
    }
  }
  checkReferences(config);
  return config;
}

function parseRoute(value: unknown, path: string): RouteConfig {
  const entry = expectObject(value, path);
  for (const field of Object.keys(entry)) if (!routeFields.includes(field)) unknownField(`${path}.${field}`, routeFields);
  const strategy = expectString(entry.strategy, `${path}.strategy`) as RouteStrategy;
  if (!strategies.includes(strategy)) fail(`${path}.strategy must be one of ${strategies.join(', ')}.`);
  const targets = expectStringArray(entry.targets, `${path}.targets`);
  if (targets.length === 0) fail(`${path}.targets must name at least one provider/model.`);
  const route: RouteConfig = { strategy, targets, retry: defaultRetry(), timeouts: defaultTimeouts() };
  if (entry.hedgeMs !== undefined) route.hedgeMs = expectNonNegativeInteger(entry.hedgeMs, `${path}.hedgeMs`);
  if (entry.weights !== undefined) {
    if (!Array.isArray(entry.weights) || entry.weights.length !== targets.length) fail(`${path}.weights must be an array with one number per target (${targets.length}).`);
    route.weights = entry.weights.map((weight, index) => {
      if (typeof weight !== 'number' || !(weight >= 0)) fail(`${path}.weights[${index}] must be a non-negative number.`);
      return weight;
    });
    if (route.weights.every((weight) => weight === 0)) fail(`${path}.weights must not all be 0.`);
  }
  if (entry.judge !== undefined) {
    const judge = expectObject(entry.judge, `${path}.judge`);
    for (const field of Object.keys(judge)) if (field !== 'model' && field !== 'sample') unknownField(`${path}.judge.${field}`, ['model', 'sample']);
    const sample = judge.sample ?? 1;
    if (typeof sample !== 'number' || sample < 0 || sample > 1) fail(`${path}.judge.sample must be a number from 0 to 1.`);
    if (strategy !== 'split') fail(`${path}.judge only applies to the split strategy.`);
    route.judge = { model: expectString(judge.model, `${path}.judge.model`), sample };
  }
  if (entry.retry !== undefined) {
    const retry = expectObject(entry.retry, `${path}.retry`);
    for (const [field, amount] of Object.entries(retry)) {
      if (!(field in route.retry)) unknownField(`${path}.retry.${field}`, Object.keys(route.retry));
      route.retry[field as keyof RouteConfig['retry']] = field === 'attempts' ? expectPositiveInteger(amount, `${path}.retry.${field}`) : expectNonNegativeInteger(amount, `${path}.retry.${field}`);
    }
  }
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
  for (const field of Object.keys(entry)) if (!['name', 'match', 'route'].includes(field)) unknownField(`${path}.${field}`, ['name', 'match', 'route']);
  const match: RuleMatch = {};
  for (const [field, condition] of Object.entries(expectObject(entry.match ?? {}, `${path}.match`))) {
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
        if (typeof condition !== 'boolean') fail(`${fieldPath} must be true or false.`);
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
  return rule;
}

/** Routes must lead somewhere: every target and rule names a known route, alias or provider. */
function checkReferences(config: SwitchyardConfig): void {
  const providers = new Set([...Object.keys(providerPresets), ...Object.keys(config.providers)]);
  const addressable = (name: string): boolean => {
    const slash = name.indexOf('/');
    return Object.hasOwn(config.aliases, name) || (slash > 0 && providers.has(name.slice(0, slash)));
  };
  for (const [name, route] of Object.entries(config.routes)) {
    for (const target of route.targets) {
      if (!addressable(target)) fail(`routes.${name}.targets: '${target}' is neither provider/model with a known provider nor an alias. Known providers: ${[...providers].join(', ')}.`);
    }
    if (route.judge && !addressable(route.judge.model)) fail(`routes.${name}.judge.model: '${route.judge.model}' is neither provider/model with a known provider nor an alias.`);
  }
  config.rules.forEach((rule, index) => {
    if (!Object.hasOwn(config.routes, rule.route) && !addressable(rule.route)) {
      fail(`rules[${index}].route: '${rule.route}' is not a route under "routes", an alias, or provider/model with a known provider.`);
    }
  });
}

function parseProviders(value: unknown): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = {};
  for (const [id, entryValue] of Object.entries(expectObject(value, 'providers'))) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) {
      fail(`provider id '${id}' must be lower-case letters, digits, '.', '_' or '-' (it is the prefix in provider/model).`);
    }
    const entry = expectObject(entryValue, `providers.${id}`);
    const provider: ProviderConfig = {};
    for (const [field, fieldValue] of Object.entries(entry)) {
      const path = `providers.${id}.${field}`;
      switch (field) {
        case 'type': {
          const kind = expectString(fieldValue, path);
          if (!providerKinds.includes(kind)) fail(`${path} must be one of ${providerKinds.join(', ')}.`);
          provider.type = kind as ProviderConfig['type'];
          break;
        }
        case 'baseUrl': {
          const url = expectString(fieldValue, path);
          if (!/^https?:\/\//.test(url)) fail(`${path} must be an http:// or https:// URL.`);
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
        default:
          unknownField(path, providerFields);
      }
    }
    providers[id] = provider;
  }
  return providers;
}

function fail(message: string): never {
  throw new ConfigError(message);
}

function unknownField(path: string, known: string[]): never {
  fail(`unknown field '${path}'. Known fields here: ${known.join(', ')}.`);
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${path} must be a JSON object.`);
  return value as Record<string, unknown>;
}

function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(`${path} must be a non-empty string.`);
  return value;
}

function expectStringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(`${path} must be an array of strings.`);
  return value.map((item, index) => expectString(item, `${path}[${index}]`));
}

function expectStringRecord(value: unknown, path: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, item] of Object.entries(expectObject(value, path))) record[key] = expectString(item, `${path}.${key}`);
  return record;
}

function expectNonNegativeInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(`${path} must be a whole number, 0 or more.`);
  return value;
}

function expectPositiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(`${path} must be a positive integer.`);
  return value;
}
