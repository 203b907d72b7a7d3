import { readFileSync } from 'node:fs';
import { defaultConfig, type ProviderConfig, type SwitchyardConfig } from './config';

const providerKinds = ['openai', 'openai-compatible', 'anthropic', 'gemini'];
const providerFields = ['type', 'baseUrl', 'apiKeyEnv', 'headers', 'models'];
const priceFields = ['input', 'output', 'cacheRead', 'cacheWrite'];

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
        unknownField(key, ['providers', 'aliases', 'prices', 'accessKeys', 'maxBodyBytes', 'retentionDays', 'dataDir', 'allowedHosts', 'allowedOrigins']);
    }
  }
  return config;
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

function expectPositiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(`${path} must be a positive integer.`);
  return value;
}
