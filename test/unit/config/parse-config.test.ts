import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../proxy/config/load-config';

const routingExample = {
  providers: { local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' } },
  aliases: { fast: 'groq/llama-3.3-70b-versatile' },
  routes: {
    smart: { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-6', 'openai/gpt-5'] },
    quick: { strategy: 'race', targets: ['groq/llama-3.3-70b-versatile', 'cerebras/llama3.1-8b'], hedgeMs: 300 },
    trial: { strategy: 'split', targets: ['openai/gpt-5-mini', 'fast'], weights: [90, 10], judge: { model: 'anthropic/claude-haiku-4-5', sample: 0.2 } },
  },
  rules: [
    { match: { model: 'claude-*', tools: false, maxInputTokens: 2000 }, route: 'quick' },
    { name: 'claude', match: { model: 'claude-*', headers: { 'X-Team': 'web' } }, route: 'smart' },
    { match: {}, route: 'local/qwen' },
  ],
};

function refusal(config: unknown): string {
  try {
    parseConfig(config);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('the config was accepted');
}

describe('parseConfig', () => {
  it('accepts the routing example and fills defaults', () => {
    const config = parseConfig(routingExample);
    assert.equal(config.routes.quick!.hedgeMs, 300);
    assert.deepEqual(config.routes.smart!.retry, { attempts: 2, baseDelayMs: 250, maxDelayMs: 8000, budgetMs: 60000 });
    assert.deepEqual(config.routes.trial!.judge, { model: 'anthropic/claude-haiku-4-5', sample: 0.2 });
    assert.deepEqual(config.rules[1], { name: 'claude', match: { model: 'claude-*', headers: { 'x-team': 'web' } }, route: 'smart' });
    assert.equal(config.maxBodyBytes, 32 * 1024 * 1024);
  });

  it('names the field and the fix for each mistake', () => {
    assert.match(refusal({ providers: { local: { baseURL: 'x' } } }), /unknown field 'providers\.local\.baseURL'/);
    assert.match(refusal({ routes: { r: { strategy: 'fastestest', targets: ['openai/gpt-5'] } } }), /routes\.r\.strategy must be one of fallback, cheapest, fastest, race, split/);
    assert.match(refusal({ routes: { r: { strategy: 'fallback', targets: [] } } }), /at least one/);
    assert.match(refusal({ routes: { r: { strategy: 'split', targets: ['openai/a', 'openai/b'], weights: [1] } } }), /one number per target \(2\)/);
    assert.match(refusal({ routes: { r: { strategy: 'fallback', targets: ['nowhere/model'] } } }), /'nowhere\/model' is neither provider\/model with a known provider nor an alias/);
    assert.match(refusal({ routes: { r: { strategy: 'race', targets: ['openai/a'], judge: { model: 'openai/b' } } } }), /judge only applies to the split strategy/);
    assert.match(refusal({ rules: [{ match: { model: 'x' }, route: 'missing' }] }), /rules\[0\]\.route: 'missing' is not a route/);
    assert.match(refusal({ rules: [{ match: { tools: 'yes' }, route: 'openai/gpt-5' }] }), /rules\[0\]\.match\.tools must be true or false/);
    assert.match(refusal({ rules: [{ match: { modle: 'x' }, route: 'openai/gpt-5' }] }), /unknown field 'rules\[0\]\.match\.modle'/);
    assert.match(refusal({ maxBodyBytes: -1 }), /maxBodyBytes must be a positive integer/);
    assert.match(refusal([]), /top level must be a JSON object/);
  });

  it('reads a provider\'s Chat dialect flags and refuses unknown or non-boolean ones', () => {
    const config = parseConfig({ providers: { gateway: { type: 'openai-compatible', baseUrl: 'https://llm.example.com/v1', chatDialect: { maxCompletionTokens: true, developerRole: false } } } });
    assert.deepEqual(config.providers.gateway?.chatDialect, { maxCompletionTokens: true, developerRole: false });
    assert.match(refusal({ providers: { gateway: { chatDialect: { maxTokens: true } } } }), /unknown field 'providers\.gateway\.chatDialect\.maxTokens'\. Known fields here: maxCompletionTokens, developerRole, nineCharacterToolCallIds/);
    assert.match(refusal({ providers: { gateway: { chatDialect: { developerRole: 'yes' } } } }), /providers\.gateway\.chatDialect\.developerRole must be true or false/);
  });
});
