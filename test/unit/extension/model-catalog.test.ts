import assert from 'node:assert/strict';
import type { KnownModel } from '../../../proxy/control/protocol';
import { curateModels, describePrice, generationOf, isCurrentModel } from '../../../extension/model-catalog';

const model = (id: string, keyed = true, prices: Partial<KnownModel> = {}): KnownModel => ({ id, provider: id.slice(0, id.indexOf('/')), disabled: false, keyed, ...prices });

describe('curated model lists', () => {
  it('leaves out legacy and malformed price-table names', () => {
    for (const id of ['openai/ada', 'openai/davinci', 'openai/ft:gpt-3.5-turbo-', 'openai/gpt-4o-mini-2024-07-18.ft-', 'openai/gpt-3.5-turbo', 'openai/text-davinci-003', 'openai/gpt-4', 'anthropic/claude-2', 'anthropic/claude-3-opus-latest', 'gemini/gemini-1.5-pro', 'groq/llama3-8b-8192']) {
      assert.equal(isCurrentModel(model(id)), false, id);
    }
    for (const id of ['openai/gpt-5', 'openai/gpt-4.1-mini', 'openai/o3', 'anthropic/claude-sonnet-4-5', 'anthropic/claude-3-7-sonnet-latest', 'gemini/gemini-2.5-flash', 'groq/llama-3.3-70b-versatile', 'groq/openai/gpt-oss-120b', 'local/qwen2.5-coder:7b']) {
      assert.equal(isCurrentModel(model(id)), true, id);
    }
  });

  it('reads a generation from the name', () => {
    assert.equal(generationOf(model('openai/gpt-5.5')), 5.5);
    assert.equal(generationOf(model('anthropic/claude-opus-4-8')), 4.8);
    assert.equal(generationOf(model('gemini/gemini-3.8-flash')), 3.8);
    assert.equal(generationOf(model('openai/o3')), 3);
    assert.equal(generationOf(model('mistral/mistral-large-2512')), 0);
  });

  it('groups by provider, keyed providers first, newest models first; the rest only with "Show all"', () => {
    const models = [
      model('openai/gpt-4.1'),
      model('openai/gpt-5'),
      model('openai/gpt-4o-2024-05-13'),
      model('openai/gpt-4o'),
      model('openai/davinci'),
      model('anthropic/claude-sonnet-4-5'),
      model('anthropic/claude-opus-4-8'),
      model('groq/llama-3.3-70b-versatile', false),
      model('openai/text-embedding-3-small'),
    ];
    const curated = curateModels(models, { showAll: false });
    assert.deepEqual(curated.map((group) => group.provider), ['anthropic', 'openai']);
    assert.deepEqual(curated[0]!.models.map((entry) => entry.id), ['anthropic/claude-opus-4-8', 'anthropic/claude-sonnet-4-5']);
    assert.deepEqual(curated[1]!.models.map((entry) => entry.id), ['openai/gpt-5', 'openai/gpt-4.1', 'openai/gpt-4o', 'openai/gpt-4o-2024-05-13', 'openai/text-embedding-3-small']);
    const all = curateModels(models, { showAll: true, chatOnly: true });
    assert.deepEqual(all.map((group) => [group.provider, group.keyed]), [['anthropic', true], ['openai', true], ['groq', false]]);
    assert.ok(!all[1]!.models.some((entry) => entry.id.includes('embedding')), 'no embeddings for a default route');
  });

  it('writes prices as the panel writes money', () => {
    assert.equal(describePrice(model('anthropic/claude-sonnet-4-5', true, { inputPrice: 3, outputPrice: 15 })), '$3.00 in · $15.00 out per 1M tokens');
    assert.equal(describePrice(model('groq/llama-3.1-8b-instant', true, { inputPrice: 0.05, outputPrice: 0.08 })), '$0.05 in · $0.08 out per 1M tokens');
    assert.equal(describePrice(model('local/x')), undefined);
  });
});
