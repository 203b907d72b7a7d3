import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { validateConfig } from '../../../proxy/config/load-config';

/**
 * The published schema (what VS Code checks while the user types) and the proxy's own
 * validator (what decides at load time) must agree: a config one accepts and the other refuses
 * is a bug in one of them. Every config shown in the docs, and hand-written ones that touch
 * every field of the schema, go through both.
 */

const root = path.resolve(__dirname, '../../..');
const schema = JSON.parse(readFileSync(path.join(root, 'schema/switchyard.schema.json'), 'utf8')) as SchemaNode;
const schemaValidate = new Ajv({ allErrors: true }).compile(schema);

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  enum?: string[];
}

/** The schema's problems with `config`, as `path: message` lines; empty when it accepts it. */
function schemaProblems(config: unknown): string[] {
  if (schemaValidate(config)) return [];
  return (schemaValidate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? error.keyword}`);
}

/** The validator's problems with `config`; empty when it accepts it. */
function validatorProblems(config: unknown): string[] {
  return validateConfig(config).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

function assertBothAccept(config: unknown, where: string): void {
  assert.deepEqual(schemaProblems(config), [], `the schema refuses ${where}`);
  assert.deepEqual(validatorProblems(config), [], `the validator refuses ${where}`);
}

/** Config fields at the top level of the schema: a JSON block with one of them is a config example. */
const topLevelFields = Object.keys(schema.properties ?? {});

/** The ```json blocks of a Markdown file that are configs, with the line each starts on. */
function configBlocks(file: string): Array<{ where: string; config: unknown }> {
  const text = readFileSync(path.join(root, file), 'utf8');
  const blocks: Array<{ where: string; config: unknown }> = [];
  for (const match of text.matchAll(/```json\n([\s\S]*?)```/g)) {
    const where = `${file}:${text.slice(0, match.index).split('\n').length}`;
    let json: unknown;
    try {
      json = JSON.parse(match[1]!);
    } catch (error) {
      assert.fail(`${where} is not valid JSON: ${(error as Error).message}`);
    }
    const isConfig = typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).some((key) => topLevelFields.includes(key));
    if (isConfig) blocks.push({ where, config: json });
  }
  return blocks;
}

/** Every field the schema defines, used at least once, with every strategy. */
const everyField = {
  $schema: './schema/switchyard.schema.json',
  providers: {
    openai: { apiKeyEnv: 'OPENAI_API_KEY' },
    anthropic: { baseUrl: 'https://api.anthropic.com', headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
    'my-vllm.box_1': {
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:8000/v1',
      apiKeyEnv: 'VLLM_KEY',
      headers: { 'x-team': 'tools' },
      models: ['qwen2.5-coder:7b'],
      chatDialect: { maxCompletionTokens: true, developerRole: false, nineCharacterToolCallIds: false },
    },
    vertex: { type: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta' },
  },
  aliases: { fast: 'groq/llama-3.3-70b-versatile', quick: 'fast' },
  routes: {
    smart: {
      strategy: 'fallback',
      targets: ['anthropic/claude-sonnet-4-6', 'openai/gpt-5'],
      retry: { attempts: 3, baseDelayMs: 0, maxDelayMs: 8000, budgetMs: 60000 },
      timeouts: { connectMs: 30000, firstTokenMs: 10000, idleMs: 300000 },
      cache: { enabled: true, ttlSeconds: 86400, shared: true },
    },
    cheap: { strategy: 'cheapest', targets: ['groq/llama-3.3-70b-versatile', 'openai/gpt-5-mini'] },
    quickest: { strategy: 'fastest', targets: ['fast', 'cerebras/llama3.1-8b'] },
    hedged: { strategy: 'race', targets: ['groq/llama-3.3-70b-versatile', 'cerebras/llama3.1-8b'], hedgeMs: 0 },
    trial: {
      strategy: 'split',
      targets: ['openai/gpt-5-mini', 'my-vllm.box_1/qwen2.5-coder:7b'],
      weights: [90, 0.5],
      judge: { model: 'anthropic/claude-haiku-4-5', sample: 0.2 },
    },
  },
  rules: [
    {
      name: 'every match field',
      match: {
        model: 'claude-*',
        endpoint: '/v1/messages',
        clientKey: 'abcd',
        headers: { 'X-Team': 'web-*' },
        tools: true,
        images: false,
        minInputTokens: 0,
        maxInputTokens: 2000,
      },
      route: 'hedged',
      redaction: { mode: 'block', detectors: ['secrets'], restore: false },
    },
    { match: { model: 'gpt-?' }, route: 'openai/gpt-5', cache: { enabled: false } },
    { match: {}, route: 'quick' },
    { route: 'smart' },
  ],
  prices: { 'my-vllm.box_1/qwen2.5-coder:7b': { input: 0, output: 0, cacheRead: 0, cacheWrite: 0.1 } },
  accessKeys: ['sy-local-0123456789'],
  maxBodyBytes: 33554432,
  retentionDays: 30,
  dataDir: '/tmp/switchyard',
  allowedHosts: ['switchyard.internal'],
  allowedOrigins: ['http://localhost:5173'],
  disabledModels: ['openai/gpt-4o*', '*/llama-*', '*'],
  defaultRoute: 'smart',
  cache: { enabled: true, ttlSeconds: 3600, maxMegabytes: 256, shared: false },
  promptCaching: 'off',
  redaction: {
    mode: 'redact',
    detectors: ['secrets', 'email', 'phone', 'credit-card', 'iban', 'ip-address'],
    custom: [{ name: 'ticket', pattern: 'TCK-[0-9]{6}' }],
    allow: ['noreply@example.com'],
    restore: true,
    keys: { 'ci-bot': { mode: 'block', detectors: ['secrets'] }, 'VS Code': { mode: 'off' }, key_0123456789abcdef: { restore: false, allow: ['a@b.io'] } },
  },
  audit: { enabled: true, retentionDays: 14, maxMegabytes: 1024 },
  telemetry: { otlpEndpoint: 'http://127.0.0.1:4318', serviceName: 'switchyard-team', metricsTokenFile: '/etc/switchyard/metrics-token' },
  retry: { attempts: 4, baseDelayMs: 500, maxDelayMs: 10000, budgetMs: 90000 },
  shutdownGraceMs: 30000,
  budgets: [
    { name: 'team-daily', limitUsd: 20, period: 'day' },
    { name: 'openai-monthly', match: { provider: 'openai', model: 'openai/gpt-5*', key: 'ci-bot' }, limitUsd: 200, period: 'month', action: 'block' },
    { name: 'weekly', limitUsd: 0, period: 'week', action: 'warn' },
    { name: 'forever', limitUsd: 1000.5, period: 'total' },
  ],
  budgetEstimate: { defaultMaxOutputTokens: 8192, unpricedCallUsd: 0.1 },
  storage: { postgresUrl: 'postgres://switchyard@db.internal:5432/switchyard?sslmode=require', redisUrl: 'rediss://cache.internal:6380/0', onStorageError: 'open', configSource: 'postgres' },
};

/** Small configs the docs do not show: the empty file the extension creates, each kind of default. */
const smallConfigs: Record<string, unknown> = {
  'the empty config the extension creates': {},
  'retries turned off for every call': { retry: { attempts: 1 } },
  'a default route naming provider/model': { defaultRoute: 'openai/gpt-5-mini' },
  'a default route naming an alias': { aliases: { cheap: 'groq/llama-3.3-70b-versatile' }, defaultRoute: 'cheap' },
  'empty lists and maps': { providers: {}, aliases: {}, routes: {}, rules: [], prices: {}, accessKeys: [], allowedHosts: [], allowedOrigins: [], disabledModels: [] },
};

/** Configs both must refuse, each for the one mistake its name says. */
const refusedByBoth: Record<string, unknown> = {
  'a top level that is an array': [],
  'a top level that is a string': 'routes',
  'an unknown top-level field': { routez: {} },
  'an empty $schema': { $schema: '' },
  'a provider id with capitals': { providers: { OpenAI: { type: 'openai' } } },
  'an unknown provider type': { providers: { mine: { type: 'bedrock' } } },
  'a baseUrl that is not http(s)': { providers: { mine: { type: 'openai-compatible', baseUrl: 'ftp://example.com' } } },
  'an empty apiKeyEnv': { providers: { openai: { apiKeyEnv: '' } } },
  'an empty provider header value': { providers: { openai: { headers: { 'x-team': '' } } } },
  'an empty provider model': { providers: { openai: { models: [''] } } },
  'an unknown provider field': { providers: { openai: { apiKey: 'sk-123' } } },
  'an empty alias target': { aliases: { fast: '' } },
  'an unknown strategy': { routes: { smart: { strategy: 'slowest', targets: ['openai/gpt-5'] } } },
  'a route without targets': { routes: { smart: { strategy: 'fallback' } } },
  'an empty target list': { routes: { smart: { strategy: 'fallback', targets: [] } } },
  'an unknown route field': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], hedge: 1 } } },
  'a negative hedgeMs': { routes: { fast: { strategy: 'race', targets: ['openai/gpt-5'], hedgeMs: -1 } } },
  'a fractional hedgeMs': { routes: { fast: { strategy: 'race', targets: ['openai/gpt-5'], hedgeMs: 2.5 } } },
  'a negative weight': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], weights: [1, -1] } } },
  'a judge without a model': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], judge: { sample: 1 } } } },
  'a judge sample above 1': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], judge: { model: 'openai/gpt-5', sample: 1.5 } } } },
  'a null judge sample': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], judge: { model: 'openai/gpt-5', sample: null } } } },
  'an unknown judge field': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], judge: { model: 'openai/gpt-5', prompt: 'x' } } } },
  'a judge on a fallback route': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], judge: { model: 'openai/gpt-5' } } } },
  'zero top-level retry attempts': { retry: { attempts: 0 } },
  'a negative shutdownGraceMs': { shutdownGraceMs: -1 },
  'a Postgres URL with a password': { storage: { postgresUrl: 'postgres://switchyard:hunter2@db:5432/switchyard' } },
  'a Redis URL with a password': { storage: { redisUrl: 'redis://:hunter2@cache:6379' } },
  'a Postgres URL of another scheme': { storage: { postgresUrl: 'mysql://db/switchyard' } },
  'an unknown onStorageError': { storage: { onStorageError: 'retry' } },
  'an unknown configSource': { storage: { configSource: 'etcd' } },
  'an unknown storage field': { storage: { sqlitePath: '/tmp/x.db' } },
  'a fractional shutdownGraceMs': { shutdownGraceMs: 2.5 },
  'an unknown top-level retry field': { retry: { jitter: true } },
  'a negative top-level retry delay': { retry: { maxDelayMs: -1 } },
  'zero retry attempts': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], retry: { attempts: 0 } } } },
  'an unknown retry field': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], retry: { tries: 2 } } } },
  'a retry field named like an Object method': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], retry: { toString: 2 } } } },
  'a zero connect timeout': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], timeouts: { connectMs: 0 } } } },
  'an unknown timeout field': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], timeouts: { totalMs: 1000 } } } },
  'rules that are not an array': { rules: { match: {}, route: 'openai/gpt-5' } },
  'a rule without a route': { rules: [{ match: { model: 'gpt-*' } }] },
  'an unknown rule field': { rules: [{ match: {}, route: 'openai/gpt-5', when: 'always' }] },
  'an empty rule name': { rules: [{ name: '', match: {}, route: 'openai/gpt-5' }] },
  'a null match': { rules: [{ match: null, route: 'openai/gpt-5' }] },
  'an unknown match field': { rules: [{ match: { provider: 'openai' }, route: 'openai/gpt-5' }] },
  'an empty match model': { rules: [{ match: { model: '' }, route: 'openai/gpt-5' }] },
  'an empty match endpoint': { rules: [{ match: { endpoint: '' }, route: 'openai/gpt-5' }] },
  'an empty match clientKey': { rules: [{ match: { clientKey: '' }, route: 'openai/gpt-5' }] },
  'an empty match header value': { rules: [{ match: { headers: { 'x-team': '' } }, route: 'openai/gpt-5' }] },
  'match.tools as a string': { rules: [{ match: { tools: 'yes' }, route: 'openai/gpt-5' }] },
  'a negative minInputTokens': { rules: [{ match: { minInputTokens: -1 }, route: 'openai/gpt-5' }] },
  'a negative price': { prices: { 'openai/gpt-5': { input: -1 } } },
  'an unknown price field': { prices: { 'openai/gpt-5': { reasoning: 1 } } },
  'an empty access key': { accessKeys: [''] },
  'a zero maxBodyBytes': { maxBodyBytes: 0 },
  'a fractional retentionDays': { retentionDays: 1.5 },
  'an empty dataDir': { dataDir: '' },
  'allowedHosts that is a string': { allowedHosts: 'example.com' },
  'allowedOrigins with a number': { allowedOrigins: [8080] },
  'a disabled model without a provider': { disabledModels: ['gpt-4o'] },
  'an empty defaultRoute': { defaultRoute: '' },
  'cache.enabled as a string': { cache: { enabled: 'yes' } },
  'a zero cache ttlSeconds': { cache: { ttlSeconds: 0 } },
  'a fractional cache maxMegabytes': { cache: { maxMegabytes: 1.5 } },
  'an unknown cache field': { cache: { size: 10 } },
  'a route cache with maxMegabytes': { routes: { smart: { strategy: 'fallback', targets: ['openai/gpt-5'], cache: { maxMegabytes: 10 } } } },
  'a rule cache with an unknown field': { rules: [{ match: {}, route: 'openai/gpt-5', cache: { ttl: 10 } }] },
  'an unknown promptCaching mode': { promptCaching: 'on' },
  'an unknown redaction mode': { redaction: { mode: 'mask' } },
  'an unknown detector': { redaction: { detectors: ['ssn'] } },
  'an unknown redaction field': { redaction: { restores: true } },
  'a custom pattern without a name': { redaction: { custom: [{ pattern: 'TCK-[0-9]{6}' }] } },
  'a custom pattern name with a space': { redaction: { custom: [{ name: 'my ticket', pattern: 'TCK-[0-9]{6}' }] } },
  'an empty allow entry': { redaction: { allow: [''] } },
  'restore as a string': { redaction: { restore: 'yes' } },
  'an unknown rule redaction field': { rules: [{ match: {}, route: 'openai/gpt-5', redaction: { modes: 'off' } }] },
  'per-key redaction inside a rule': { rules: [{ match: {}, route: 'openai/gpt-5', redaction: { keys: { 'ci-bot': { mode: 'off' } } } }] },
  'an unknown redaction mode for a key': { redaction: { keys: { 'ci-bot': { mode: 'mask' } } } },
  'redaction keys as a list': { redaction: { keys: ['ci-bot'] } },
  'a blank key name in redaction keys': { redaction: { keys: { ' ': { mode: 'block' } } } },
  'an unknown field in a key redaction': { redaction: { keys: { 'ci-bot': { keys: {} } } } },
  'audit.enabled as a string': { audit: { enabled: 'yes' } },
  'a zero audit retention': { audit: { retentionDays: 0 } },
  'an unknown audit field': { audit: { path: '/tmp' } },
  'an OTLP endpoint that is not http': { telemetry: { otlpEndpoint: 'grpc://127.0.0.1:4317' } },
  'an unknown telemetry field': { telemetry: { metricsToken: 'secret' } },
  'an empty service name': { telemetry: { serviceName: '' } },
  'budgets that are an object': { budgets: { daily: { limitUsd: 1, period: 'day' } } },
  'an unknown budget field': { budgets: [{ name: 'daily', limitUsd: 1, period: 'day', currency: 'EUR' }] },
  'a negative budget limit': { budgets: [{ name: 'daily', limitUsd: -1, period: 'day' }] },
  'an unknown budget period': { budgets: [{ name: 'daily', limitUsd: 1, period: 'hour' }] },
  'an unknown budget action': { budgets: [{ name: 'daily', limitUsd: 1, period: 'day', action: 'throttle' }] },
  'a budget without a name': { budgets: [{ limitUsd: 1, period: 'day' }] },
  'a budget named like a key budget': { budgets: [{ name: 'key:ci', limitUsd: 1, period: 'day' }] },
  'an unknown budget match field': { budgets: [{ name: 'daily', limitUsd: 1, period: 'day', match: { endpoint: '/v1/messages' } }] },
  'an unknown budgetEstimate field': { budgetEstimate: { maxTokens: 10 } },
  'a zero defaultMaxOutputTokens': { budgetEstimate: { defaultMaxOutputTokens: 0 } },
  'a negative unpricedCallUsd': { budgetEstimate: { unpricedCallUsd: -0.01 } },
};

/**
 * Checks across fields that JSON Schema cannot state: references must lead somewhere and split
 * weights must match the targets. The schema accepts these and the validator refuses them, by
 * design; listed so that the gap is known and stays this size.
 */
const refusedByValidatorOnly: Record<string, unknown> = {
  'a target with an unknown provider': { routes: { smart: { strategy: 'fallback', targets: ['nowhere/model'] } } },
  'a judge model with an unknown provider': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], judge: { model: 'nowhere/judge' } } } },
  'a weight count unlike the target count': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], weights: [1] } } },
  'weights that are all 0': { routes: { ab: { strategy: 'split', targets: ['openai/gpt-5', 'openai/gpt-5-mini'], weights: [0, 0] } } },
  'a rule route naming nothing': { rules: [{ match: {}, route: 'nowhere' }] },
  'a default route naming nothing': { defaultRoute: 'nowhere' },
  'a custom pattern that does not compile': { redaction: { custom: [{ name: 'ticket', pattern: 'TCK-(' }] } },
  'a custom pattern that matches the empty string': { redaction: { custom: [{ name: 'ticket', pattern: '[0-9]*' }] } },
  'a custom pattern that is slow on long input': { redaction: { custom: [{ name: 'ticket', pattern: '(a+)+$' }] } },
  'a budget for an unknown provider': { budgets: [{ name: 'b', match: { provider: 'nowhere' }, limitUsd: 1, period: 'day' }] },
  'a budget model glob no provider can match': { budgets: [{ name: 'b', match: { model: 'nowhere/*' }, limitUsd: 1, period: 'day' }] },
  'a budget model glob without a provider': { budgets: [{ name: 'b', match: { model: 'claude-opus-*' }, limitUsd: 1, period: 'day' }] },
  'two budgets with one name': { budgets: [{ name: 'b', limitUsd: 1, period: 'day' }, { name: 'b', limitUsd: 2, period: 'week' }] },
};

describe('config examples: the schema and the validator agree', () => {
  // Other engineers' docs/*.md may hold examples too: every JSON block in the docs is checked.
  const documented = [...configBlocks('README.md'), ...readdirSync(path.join(__dirname, '../../../docs')).filter((name) => name.endsWith('.md')).sort().flatMap((name) => configBlocks(`docs/${name}`))];

  it('finds the config examples in README.md and docs/', () => {
    // Two in docs/configuration.md (configuration, routing) and one in the routing design page.
    assert.ok(documented.length >= 3, `only ${documented.length} config examples found: ${documented.map((block) => block.where).join(', ')}`);
  });

  for (const { where, config } of documented) {
    it(`accepts the example at ${where}`, () => assertBothAccept(config, where));
  }

  it('accepts a config that uses every field of the schema', () => assertBothAccept(everyField, 'the every-field config'));

  for (const [name, config] of Object.entries(smallConfigs)) {
    it(`accepts ${name}`, () => assertBothAccept(config, name));
  }

  it('the every-field config really covers every field and strategy of the schema', () => {
    const properties = (node: SchemaNode | boolean | undefined): string[] => Object.keys((typeof node === 'object' && node.properties) || {});
    const route = schema.properties?.routes?.additionalProperties as SchemaNode;
    const rule = schema.properties?.rules?.items as SchemaNode;
    const provider = schema.properties?.providers?.additionalProperties as SchemaNode;
    const price = schema.properties?.prices?.additionalProperties as SchemaNode;
    const used = (objects: object[]): Set<string> => new Set(objects.flatMap((object) => Object.keys(object)));
    const routes = Object.values(everyField.routes);
    const expectations: Array<[string, string[], Set<string>]> = [
      ['top-level fields', properties(schema), used([everyField])],
      ['provider fields', properties(provider), used(Object.values(everyField.providers))],
      ['route fields', properties(route), used(routes)],
      ['strategies', route.properties?.strategy?.enum ?? [], new Set(routes.map((entry) => entry.strategy))],
      ['retry fields', properties(route.properties?.retry), used([everyField.routes.smart.retry])],
      ['top-level retry fields', properties(schema.properties?.retry), used([everyField.retry])],
      ['timeout fields', properties(route.properties?.timeouts), used([everyField.routes.smart.timeouts])],
      ['judge fields', properties(route.properties?.judge), used([everyField.routes.trial.judge])],
      ['rule fields', properties(rule), used(everyField.rules)],
      ['match fields', properties(rule.properties?.match), used(everyField.rules.map((entry) => entry.match ?? {}))],
      ['price fields', properties(price), used(Object.values(everyField.prices))],
    ];
    for (const [what, defined, covered] of expectations) {
      assert.ok(defined.length > 0, `the schema defines no ${what}`);
      assert.deepEqual(defined.filter((name) => !covered.has(name)), [], `${what} of the schema missing from the every-field config`);
    }
  });

  for (const [name, config] of Object.entries(refusedByBoth)) {
    it(`refuses ${name}`, () => {
      assert.notDeepEqual(schemaProblems(config), [], `the schema accepts ${name}`);
      assert.notDeepEqual(validatorProblems(config), [], `the validator accepts ${name}`);
    });
  }

  for (const [name, config] of Object.entries(refusedByValidatorOnly)) {
    it(`leaves ${name} to the validator (a check across fields)`, () => {
      assert.deepEqual(schemaProblems(config), [], `the schema now refuses ${name}: move it to the refused-by-both list`);
      assert.notDeepEqual(validatorProblems(config), [], `the validator accepts ${name}`);
    });
  }
});
