import assert from 'node:assert/strict';
import { keyIdOf } from '../../../proxy/core/principal';
import type { RuleConfig, RuleMatch } from '../../../proxy/config/config';
import type { CanonicalRequest, ClientFormat } from '../../../proxy/core/request';
import type { JsonObject } from '../../../proxy/core/json';
import { parseConfig } from '../../../proxy/config/load-config';
import { inboundCodecs } from '../../../proxy/codecs/registry';
import { createRequestFeatures, type RequestFeatures } from '../../../proxy/routing/request-features';
import { compileRules } from '../../../proxy/routing/rule-matcher';
import { estimateInputTokens } from '../../../proxy/tokens/estimate-tokens';

/** A 1×1 PNG. */
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

interface RequestShape {
  format?: ClientFormat;
  model?: string;
  endpoint?: string;
  clientKey?: string;
  clientLabel?: string;
  headers?: Record<string, string>;
  body?: JsonObject;
}

/** An Anthropic Messages request for `claude-sonnet-4-5` unless the shape says otherwise. */
function request(shape: RequestShape = {}): RequestFeatures {
  const model = shape.model ?? 'claude-sonnet-4-5';
  return createRequestFeatures({
    format: shape.format ?? 'anthropic-messages',
    body: () => shape.body ?? { model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello, Claude' }] },
    endpoint: shape.endpoint ?? '/v1/messages',
    model,
    clientKey: shape.clientKey,
    clientLabel: shape.clientLabel,
    headers: shape.headers ?? {},
  });
}

function rule(match: RuleMatch, route: string, name?: string): RuleConfig {
  return name === undefined ? { match, route } : { name, match, route };
}

/** The route of the rule `rules` select for the request, or undefined. */
function routeFor(rules: RuleConfig[], features: RequestFeatures): string | undefined {
  return compileRules(rules).select(features)?.rule.route;
}

const toolBody: JsonObject = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
};

const imageBody: JsonObject = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, { type: 'text', text: 'What is this?' }] }],
};

/** About 2,900 tokens of prose. */
const longBody: JsonObject = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Summarise this. '.repeat(640) }],
};

describe('compileRules', () => {
  describe('each condition alone', () => {
    it('model: exact and glob', () => {
      assert.equal(routeFor([rule({ model: 'claude-sonnet-4-5' }, 'smart')], request()), 'smart');
      assert.equal(routeFor([rule({ model: 'claude-sonnet-4-5' }, 'smart')], request({ model: 'claude-sonnet-4-5-20250929' })), undefined);
      assert.equal(routeFor([rule({ model: 'claude-*' }, 'smart')], request({ model: 'claude-haiku-4-5' })), 'smart');
      assert.equal(routeFor([rule({ model: 'claude-*' }, 'smart')], request({ model: 'gpt-5' })), undefined);
      assert.equal(routeFor([rule({ model: 'gpt-4.1' }, 'smart')], request({ model: 'gpt-401' })), undefined);
    });

    it('endpoint', () => {
      assert.equal(routeFor([rule({ endpoint: '/v1/messages' }, 'smart')], request()), 'smart');
      assert.equal(routeFor([rule({ endpoint: '/v1/chat/completions' }, 'smart')], request()), undefined);
      const gemini = request({ format: 'gemini', model: 'gemini-2.5-flash', endpoint: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: { contents: [] } });
      assert.equal(routeFor([rule({ endpoint: '/v1beta/models/*' }, 'smart')], gemini), 'smart');
    });

    it('clientKey: by the key id records show, by its label, or by the whole key; never by its last four', () => {
      const key = 'sy-local-8f3a0c1e9b2d4k7Qz';
      const features = request({ clientKey: keyIdOf(key), clientLabel: 'VS Code' });
      for (const clientKey of [keyIdOf(key), 'VS Code', key]) {
        assert.equal(routeFor([rule({ clientKey }, 'smart')], features), 'smart', clientKey);
      }
      // Another key ending in the same characters is another caller.
      assert.equal(routeFor([rule({ clientKey: 'sy-other-000000000000k7Qz' }, 'smart')], features), undefined);
      for (const clientKey of ['…k7Qz', 'k7Qz', 'vs code']) assert.equal(routeFor([rule({ clientKey }, 'smart')], features), undefined, clientKey);
      assert.equal(routeFor([rule({ clientKey: keyIdOf(key) }, 'smart')], request()), undefined, 'no key, no match');
    });

    it('headers: present, equal or glob; values are case-sensitive', () => {
      const features = request({ headers: { 'x-team': 'search', 'user-agent': 'claude-cli/2.0.14 (external, cli)' } });
      assert.equal(routeFor([rule({ headers: { 'x-team': 'search' } }, 'smart')], features), 'smart');
      assert.equal(routeFor([rule({ headers: { 'user-agent': 'claude-cli/*' } }, 'smart')], features), 'smart');
      assert.equal(routeFor([rule({ headers: { 'x-team': 'Search' } }, 'smart')], features), undefined);
      assert.equal(routeFor([rule({ headers: { 'x-missing': '*' } }, 'smart')], features), undefined);
      assert.equal(routeFor([rule({ headers: { 'x-team': 'search', 'user-agent': 'curl/*' } }, 'smart')], features), undefined);
    });

    it('headers: names match whatever their case in the rule', () => {
      const features = request({ headers: { 'x-team': 'search' } });
      assert.equal(routeFor([rule({ headers: { 'X-Team': 'search' } }, 'smart')], features), 'smart');
      // As the config loader writes them, too.
      const config = parseConfig({ rules: [{ match: { headers: { 'X-TEAM': 'search' } }, route: 'openai/gpt-5' }] });
      assert.equal(routeFor(config.rules, features), 'openai/gpt-5');
    });

    it('tools', () => {
      assert.equal(routeFor([rule({ tools: true }, 'smart')], request({ body: toolBody })), 'smart');
      assert.equal(routeFor([rule({ tools: true }, 'smart')], request()), undefined);
      assert.equal(routeFor([rule({ tools: false }, 'smart')], request()), 'smart');
      assert.equal(routeFor([rule({ tools: false }, 'smart')], request({ body: toolBody })), undefined);
    });

    it('images', () => {
      assert.equal(routeFor([rule({ images: true }, 'vision')], request({ body: imageBody })), 'vision');
      assert.equal(routeFor([rule({ images: true }, 'vision')], request()), undefined);
      assert.equal(routeFor([rule({ images: false }, 'vision')], request()), 'vision');
      assert.equal(routeFor([rule({ images: false }, 'vision')], request({ body: imageBody })), undefined);
    });

    it('minInputTokens and maxInputTokens, both inclusive', () => {
      const features = request({ body: longBody });
      const tokens = estimateInputTokens(inboundCodecs['anthropic-messages'].decodeRequest(longBody));
      assert.ok(tokens > 2000 && tokens < 4000, `${tokens}`);
      assert.equal(routeFor([rule({ minInputTokens: tokens }, 'long')], features), 'long');
      assert.equal(routeFor([rule({ minInputTokens: tokens + 1 }, 'long')], features), undefined);
      assert.equal(routeFor([rule({ maxInputTokens: tokens }, 'short')], features), 'short');
      assert.equal(routeFor([rule({ maxInputTokens: tokens - 1 }, 'short')], features), undefined);
      assert.equal(routeFor([rule({ minInputTokens: 2000, maxInputTokens: 4000 }, 'middle')], features), 'middle');
      assert.equal(routeFor([rule({ minInputTokens: 100, maxInputTokens: 2000 }, 'middle')], features), undefined);
      assert.equal(routeFor([rule({ maxInputTokens: 2000 }, 'short')], request()), 'short');
    });
  });

  describe('combined conditions', () => {
    const rules = [
      rule({ model: 'claude-*', headers: { 'x-team': 'research' }, images: true }, 'vision'),
      rule({ model: 'claude-*', tools: false, maxInputTokens: 2000 }, 'fast', 'small chats'),
      rule({ model: 'claude-*' }, 'smart'),
    ];

    it('every condition of a rule must hold', () => {
      assert.equal(routeFor(rules, request()), 'fast');
      assert.equal(routeFor(rules, request({ body: toolBody })), 'smart');
      assert.equal(routeFor(rules, request({ body: longBody })), 'smart');
      assert.equal(routeFor(rules, request({ body: imageBody, headers: { 'x-team': 'research' } })), 'vision');
      assert.equal(routeFor(rules, request({ body: imageBody, headers: { 'x-team': 'support' } })), 'fast');
      assert.equal(routeFor(rules, request({ model: 'gpt-5', body: { model: 'gpt-5', messages: [] }, format: 'openai-chat' })), undefined);
    });

    it('reports the index and the rule itself', () => {
      const selection = compileRules(rules).select(request({ body: toolBody }));
      assert.deepEqual(selection, { index: 2, rule: rules[2] });
      assert.equal(selection?.rule, rules[2]);
      assert.equal(compileRules(rules).select(request())?.rule.name, 'small chats');
    });
  });

  describe('order', () => {
    it('the first matching rule wins, even when a later one is more specific', () => {
      const rules = [rule({ model: 'claude-*' }, 'smart'), rule({ model: 'claude-sonnet-4-5' }, 'sonnet')];
      assert.deepEqual(compileRules(rules).select(request()), { index: 0, rule: rules[0] });
      assert.deepEqual(compileRules([...rules].reverse()).select(request()), { index: 0, rule: rules[1] });
    });

    it('a rule with an empty match catches everything that reaches it', () => {
      const rules = [rule({ model: 'gpt-*' }, 'openai'), rule({}, 'default'), rule({ model: 'claude-*' }, 'never')];
      assert.equal(routeFor(rules, request()), 'default');
      assert.equal(routeFor(rules, request({ model: 'gpt-5' })), 'openai');
    });

    it('no rules select nothing', () => {
      const set = compileRules([]);
      assert.equal(set.size, 0);
      assert.equal(set.select(request()), undefined);
    });
  });

  describe('laziness', () => {
    it('a request that fails the model glob is never decoded', () => {
      const rules = [rule({ model: 'gpt-*', images: true }, 'vision'), rule({ model: 'gemini-*', maxInputTokens: 1000 }, 'short')];
      const features = request({ body: imageBody });
      assert.equal(compileRules(rules).select(features), undefined);
      assert.equal(features.decoded(), undefined);
    });

    it('a cheap condition that fails spares the decode even when written after the lazy one', () => {
      // Key order in the rule does not matter: tokens are tested after headers.
      const match = JSON.parse('{"maxInputTokens": 10000, "images": true, "headers": {"x-team": "research"}}') as RuleMatch;
      const features = request({ body: imageBody, headers: { 'x-team': 'support' } });
      assert.equal(routeFor([rule(match, 'vision')], features), undefined);
      assert.equal(features.decoded(), undefined);
    });

    it('tools never decode', () => {
      const features = request({ body: toolBody });
      assert.equal(routeFor([rule({ tools: true }, 'smart')], features), 'smart');
      assert.equal(features.decoded(), undefined);
    });

    it('a rule that reaches images or tokens decodes once, and the pipeline can reuse it', () => {
      const codec = inboundCodecs['anthropic-messages'];
      const original = codec.decodeRequest;
      const decoded: CanonicalRequest[] = [];
      codec.decodeRequest = (body) => {
        const canonical = original(body);
        decoded.push(canonical);
        return canonical;
      };
      try {
        const rules = [
          rule({ model: 'claude-*', images: false }, 'text'),
          rule({ model: 'claude-*', minInputTokens: 5000 }, 'long'),
          rule({ model: 'claude-*', maxInputTokens: 4000 }, 'vision'),
        ];
        const features = request({ body: imageBody });
        assert.equal(routeFor(rules, features), 'vision');
        assert.equal(decoded.length, 1);
        assert.equal(features.decoded(), decoded[0]);
      } finally {
        codec.decodeRequest = original;
      }
    });

    it('a body that does not decode has no images and 0 tokens, and is left for the pipeline to reject', () => {
      const features = request({ body: { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: 'hello' } });
      const rules = [rule({ images: true }, 'vision'), rule({ minInputTokens: 1 }, 'long'), rule({ maxInputTokens: 0 }, 'empty')];
      assert.equal(routeFor(rules, features), 'empty');
      assert.equal(features.decoded(), undefined);
    });
  });

  describe('remembering which rules a model passes', () => {
    it('remembers only the model globs: the other conditions are tested on every request', () => {
      const set = compileRules([
        rule({ model: 'gpt-*', headers: { 'x-team': 'a' } }, 'team-a'),
        rule({ endpoint: '/v1/messages' }, 'messages'),
        rule({ model: 'gpt-*' }, 'gpt'),
        rule({ model: 'claude-*' }, 'claude'),
      ]);
      const route = (shape: RequestShape): string | undefined => set.select(request(shape))?.rule.route;
      const chat = { format: 'openai-chat' as const, endpoint: '/v1/chat/completions' };
      // The same model, one request after another: the header decides each time.
      assert.equal(route({ ...chat, model: 'gpt-4o', headers: { 'x-team': 'a' } }), 'team-a');
      assert.equal(route({ ...chat, model: 'gpt-4o' }), 'gpt');
      assert.equal(route({ ...chat, model: 'gpt-4o', headers: { 'x-team': 'a' } }), 'team-a');
      // A rule without a model glob stays in every model's list, in its place.
      assert.equal(route({ model: 'gpt-4o' }), 'messages');
      assert.equal(route({ model: 'claude-sonnet-4-5' }), 'messages');
      assert.equal(route({ ...chat, model: 'claude-sonnet-4-5' }), 'claude');
      assert.equal(route({ ...chat, model: 'mistral-large' }), undefined);
    });

    it('gives the same answers past the bound on remembered names', () => {
      const set = compileRules([rule({ model: '*-7' }, 'sevens'), rule({ model: 'model-1*' }, 'ones'), rule({ model: 'model-7' }, 'never')]);
      for (let round = 0; round < 2; round++) {
        for (let number = 0; number < 2500; number++) {
          const expected = number === 7 ? 'sevens' : String(number).startsWith('1') ? 'ones' : undefined;
          assert.equal(set.select(request({ model: `model-${number}` }))?.rule.route, expected, `model-${number}, round ${round}`);
        }
      }
    });
  });
});

