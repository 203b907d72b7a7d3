import assert from 'node:assert/strict';
import { wellKnownModels } from '../../../proxy/pipeline/handle-models';
import { modelLimits, outputLimit } from '../../../proxy/models/output-limits';

describe('model limits', () => {
  it('knows the output limit and context window of every generation model Switchyard lists', () => {
    const unknown: string[] = [];
    for (const [provider, models] of Object.entries(wellKnownModels)) {
      for (const model of models) {
        if (model.startsWith('text-embedding')) continue;
        const limits = modelLimits(provider, model);
        if (limits.output === undefined || limits.context === undefined) unknown.push(`${provider}/${model} ${JSON.stringify(limits)}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it('gives the documented limits of models newer than the catalog', () => {
    assert.deepEqual(modelLimits('anthropic', 'claude-sonnet-4-6'), { output: 128_000, context: 1_000_000 });
    assert.deepEqual(modelLimits('anthropic', 'claude-sonnet-4-5'), { output: 64_000, context: 200_000 });
    assert.deepEqual(modelLimits('openai', 'gpt-5.2'), { output: 128_000, context: 400_000 });
    assert.equal(outputLimit('gemini', 'models/gemini-2.5-flash-lite'), 65_536);
  });

  it('takes the catalog first, a dated snapshot for an undated alias, and nothing for an unknown model', () => {
    assert.deepEqual(modelLimits('openai', 'gpt-4o-mini'), { output: 16_384, context: 128_000 });
    assert.deepEqual(modelLimits('anthropic', 'claude-sonnet-4'), { output: 64_000, context: 200_000 });
    assert.deepEqual(modelLimits('local', 'qwen2.5-coder'), {});
  });
});
