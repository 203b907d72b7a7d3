import assert from 'node:assert/strict';
import { ConfigError, parseConfig, validateConfig } from '../../../proxy/config/load-config';

/** The paths of every problem validateConfig reports, in order. */
function problemPaths(config: unknown): string[] {
  const { config: parsed, problems } = validateConfig(config);
  assert.equal(parsed, undefined, 'an invalid config came back parsed');
  return problems.map((problem) => problem.path);
}

describe('config problems', () => {
  it('puts each problem at the path of its field', () => {
    assert.deepEqual(problemPaths([]), ['']);
    assert.deepEqual(problemPaths({ colour: 'red' }), ['colour']);
    assert.deepEqual(problemPaths({ rules: [{ route: 'openai/gpt-5' }, { match: { model: 7 }, route: 'openai/gpt-5' }] }), ['rules[1].match.model']);
    assert.deepEqual(problemPaths({ routes: { fast: { strategy: 'fallback', targets: ['openai/gpt-5', 'nowhere/x'] } } }), ['routes.fast.targets[1]']);
    assert.deepEqual(problemPaths({ routes: { fast: { strategy: 'race', targets: ['openai/a'], hedgeMs: -1 } } }), ['routes.fast.hedgeMs']);
    assert.deepEqual(problemPaths({ providers: { Bad: {} } }), ['providers.Bad']);
    assert.deepEqual(problemPaths({ providers: { local: { baseUrl: 'ftp://x' } } }), ['providers.local.baseUrl']);
    assert.deepEqual(problemPaths({ prices: { 'openai/gpt-5': { input: -1 } } }), ['prices.openai/gpt-5.input']);
    assert.deepEqual(problemPaths({ rules: [{ match: {}, route: 'missing' }] }), ['rules[0].route']);
  });

  it('reports every bad field of one rule, not only the first (issue 14: the form marks both)', () => {
    assert.deepEqual(problemPaths({ rules: [{ match: { minInputTokens: 'lots', maxInputTokens: 'many' }, route: 'openai/gpt-5', colour: 'red' }] }), [
      'rules[0].colour',
      'rules[0].match.minInputTokens',
      'rules[0].match.maxInputTokens',
    ]);
    assert.deepEqual(problemPaths({ rules: [{ match: { tools: 'yes' }, route: 7 }] }), ['rules[0].match.tools', 'rules[0].route']);
  });

  it('collects every problem instead of stopping at the first', () => {
    const paths = problemPaths({
      maxBodyBytes: 0,
      rules: [{ match: { model: 'gpt-*' }, route: 'openai/gpt-5' }, { match: { tools: 'yes' }, route: 'openai/gpt-5' }, { match: {}, route: 'nowhere' }],
      routes: { ok: { strategy: 'fallback', targets: ['openai/gpt-5'] } },
      allowedOrigins: 'https://example.com',
    });
    // The broken rule leaves a hole: the next rule keeps its own index.
    assert.deepEqual(paths, ['maxBodyBytes', 'rules[1].match.tools', 'allowedOrigins', 'rules[2].route']);
  });

  it('does not check references into a broken routes section, which would report them wrongly', () => {
    const paths = problemPaths({ routes: { smart: { strategy: 'slowest', targets: ['openai/gpt-5'] } }, rules: [{ match: {}, route: 'smart' }] });
    assert.deepEqual(paths, ['routes.smart.strategy']);
  });

  it('throws a ConfigError whose path is the first problem and whose message keeps each problem\'s text', () => {
    try {
      parseConfig({ retentionDays: 'forever', rules: [{ match: { modle: 'x' }, route: 'openai/gpt-5' }] });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.path, 'retentionDays');
      assert.deepEqual(error.problems.map((problem) => problem.path), ['retentionDays', 'rules[0].match.modle']);
      assert.match(error.message, /retentionDays must be a positive integer\. unknown field 'rules\[0\]\.match\.modle'/);
    }
  });

  describe('disabledModels', () => {
    it('takes globs over provider/model', () => {
      const config = parseConfig({ disabledModels: ['openai/gpt-4o*', '*/llama-*', 'anthropic/claude-opus-4-6'] });
      assert.deepEqual(config.disabledModels, ['openai/gpt-4o*', '*/llama-*', 'anthropic/claude-opus-4-6']);
      assert.deepEqual(parseConfig({}).disabledModels, []);
    });

    it('refuses a pattern without a provider, which could never match, naming the fix', () => {
      const { problems } = validateConfig({ disabledModels: ['openai/gpt-5', 'gpt-4o', ''] });
      assert.deepEqual(problems.map((problem) => problem.path), ['disabledModels[1]', 'disabledModels[2]']);
      assert.match(problems[0]!.message, /'gpt-4o' must be a glob over provider\/model, such as openai\/gpt-4o or \*\/gpt-4o/);
      assert.match(validateConfig({ disabledModels: 'openai/gpt-5' }).problems[0]!.message, /disabledModels must be an array of strings/);
    });
  });

  describe('defaultRoute', () => {
    const routes = { smart: { strategy: 'fallback', targets: ['openai/gpt-5'] } };

    it('names a route, an alias or a provider/model with a known provider', () => {
      assert.equal(parseConfig({ routes, defaultRoute: 'smart' }).defaultRoute, 'smart');
      assert.equal(parseConfig({ aliases: { fast: 'groq/llama-3.3-70b-versatile' }, defaultRoute: 'fast' }).defaultRoute, 'fast');
      assert.equal(parseConfig({ defaultRoute: 'anthropic/claude-sonnet-4-6' }).defaultRoute, 'anthropic/claude-sonnet-4-6');
      assert.equal(parseConfig({}).defaultRoute, undefined);
    });

    it('refuses a name that leads nowhere', () => {
      const { problems } = validateConfig({ routes, defaultRoute: 'smrt' });
      assert.deepEqual(problems, [{ path: 'defaultRoute', message: `defaultRoute: 'smrt' is not a route under "routes", an alias, or provider/model with a known provider. Did you mean 'smart'?` }]);
      assert.deepEqual(problemPaths({ defaultRoute: 'nowhere/model' }), ['defaultRoute']);
      assert.deepEqual(problemPaths({ defaultRoute: 3 }), ['defaultRoute']);
    });
  });
});
