import assert from 'node:assert/strict';
import {
  addRoute,
  addRouteTarget,
  addRule,
  formatHeaders,
  moveRouteTarget,
  moveRule,
  parseHeaders,
  removeRouteTarget,
  removeRule,
  renameRoute,
  routeChoices,
  routesOf,
  ruleFieldPath,
  ruleForm,
  setRouteCache,
  setRouteHedge,
  setRouteStrategy,
  setRouteWeight,
  setRuleField,
  type ConfigDraft,
} from '../../../webview/rules-model';

function sample(): ConfigDraft {
  return {
    providers: { groq: { models: ['llama-3.3-70b'] } },
    aliases: { cheap: 'groq/llama-3.3-70b' },
    routes: {
      smart: { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o'], retry: { attempts: 3 } },
      ab: { strategy: 'split', targets: ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5'], weights: [90, 10] },
    },
    rules: [
      { name: 'code', match: { model: 'claude-*', tools: true, headers: { 'x-team': 'search' } }, route: 'smart' },
      { match: { minInputTokens: 100000 }, route: 'cheap' },
    ],
    retentionDays: 14,
  };
}

describe('webview rules model', () => {
  it('reads a rule into form text', () => {
    const [first, second] = (sample().rules as unknown[]).map(ruleForm);
    assert.deepEqual(first, {
      name: 'code',
      model: 'claude-*',
      endpoint: '',
      clientKey: '',
      headers: 'x-team: search',
      tools: 'yes',
      images: 'any',
      minInputTokens: '',
      maxInputTokens: '',
      route: 'smart',
    });
    assert.equal(second.name, '');
    assert.equal(second.minInputTokens, '100000');
  });

  it('writes form fields back, removing emptied ones and keeping unknown fields', () => {
    const config = sample();
    let next = setRuleField(config, 0, 'tools', 'no');
    next = setRuleField(next, 0, 'model', '');
    next = setRuleField(next, 0, 'maxInputTokens', '5000');
    next = setRuleField(next, 0, 'headers', 'x-team: search; x-env: prod');
    next = setRuleField(next, 1, 'minInputTokens', 'lots');
    const rules = next.rules as Array<{ match: Record<string, unknown>; route: string }>;
    assert.deepEqual(rules[0].match, { tools: false, headers: { 'x-team': 'search', 'x-env': 'prod' }, maxInputTokens: 5000 });
    // Not a number: kept as typed so the proxy's validation can point at the field.
    assert.equal(rules[1].match.minInputTokens, 'lots');
    assert.equal(next.retentionDays, 14);
    assert.deepEqual((next.routes as Record<string, { retry: unknown }>).smart.retry, { attempts: 3 });
    // The input is untouched.
    assert.equal((config.rules as Array<{ match: Record<string, unknown> }>)[0].match.tools, true);
  });

  it('adds, moves and removes rules', () => {
    let config = addRule(sample());
    assert.deepEqual((config.rules as unknown[])[2], { name: 'rule 3', match: { model: '*' }, route: 'smart' });
    config = moveRule(config, 2, -1);
    assert.equal(ruleForm((config.rules as unknown[])[1]).name, 'rule 3');
    assert.equal(moveRule(config, 0, -1), config);
    config = removeRule(config, 0);
    assert.deepEqual(
      (config.rules as unknown[]).map((rule) => ruleForm(rule).name),
      ['rule 3', ''],
    );
    assert.deepEqual(addRule({}).rules, [{ name: 'rule 1', match: { model: '*' }, route: '' }]);
  });

  it('names rule fields as problem paths do', () => {
    assert.equal(ruleFieldPath(2, 'model'), 'rules[2].match.model');
    assert.equal(ruleFieldPath(2, 'route'), 'rules[2].route');
  });

  it('edits routes: strategy, hedge, targets with their weights', () => {
    let config = setRouteStrategy(sample(), 'smart', 'race');
    config = setRouteHedge(config, 'smart', '400');
    config = addRouteTarget(config, 'ab', 'groq/llama-3.3-70b');
    config = moveRouteTarget(config, 'ab', 2, -2);
    config = setRouteWeight(config, 'ab', 0, '5');
    config = removeRouteTarget(config, 'ab', 1);
    const [smart, ab] = routesOf(config);
    assert.equal(smart.strategy, 'race');
    assert.equal(smart.hedgeMs, '400');
    assert.deepEqual(ab.targets, ['groq/llama-3.3-70b', 'anthropic/claude-sonnet-4-5']);
    assert.deepEqual(ab.weights, ['5', '10']);
  });

  it('turns a route\'s response cache on, off, and back to the top-level setting, keeping its other cache settings', () => {
    let config = setRouteCache(sample(), 'smart', 'on');
    assert.deepEqual((config.routes as Record<string, { cache?: unknown }>).smart!.cache, { enabled: true });
    assert.equal(routesOf(config)[0]!.cache, 'on');
    config = setRouteCache(config, 'smart', 'off');
    assert.equal(routesOf(config)[0]!.cache, 'off');
    config = setRouteCache(config, 'smart', 'inherit');
    assert.equal((config.routes as Record<string, { cache?: unknown }>).smart!.cache, undefined);
    assert.equal(routesOf(config)[0]!.cache, 'inherit');
    const withTtl: ConfigDraft = { routes: { slow: { strategy: 'fallback', targets: ['openai/gpt-4o'], cache: { ttlSeconds: 60, enabled: true } } } };
    assert.deepEqual((setRouteCache(withTtl, 'slow', 'inherit').routes as Record<string, { cache?: unknown }>).slow!.cache, { ttlSeconds: 60 });
  });

  it('renames a route in place and in the rules that use it', () => {
    const config = renameRoute(sample(), 'smart', 'best');
    assert.deepEqual(Object.keys(config.routes as object), ['best', 'ab']);
    assert.equal((config.rules as Array<{ route: string }>)[0].route, 'best');
    assert.equal(renameRoute(config, 'best', 'ab'), config);
    const added = addRoute(config);
    assert.equal(added.name, 'route-3');
    assert.deepEqual((added.config.routes as Record<string, unknown>)['route-3'], { strategy: 'fallback', targets: [] });
  });

  it('offers routes then aliases as route choices', () => {
    assert.deepEqual(
      routeChoices(sample()).map((choice) => `${choice.kind}:${choice.value}`),
      ['route:smart', 'route:ab', 'alias:cheap'],
    );
  });

  it('parses and formats header conditions', () => {
    assert.deepEqual(parseHeaders(' a: 1 ;b:two words; ;c'), { a: '1', b: 'two words', c: '' });
    assert.equal(formatHeaders({ a: '1', b: 'x' }), 'a: 1; b: x');
  });
});
