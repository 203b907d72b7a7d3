import assert from 'node:assert/strict';
import { disabledModelsOf, matchesGlob, nextDisabledModels } from '../../../extension/disabled-models';

describe('Toggle Models: the disabledModels saved', () => {
  const listed = ['openai/gpt-4o', 'openai/gpt-4o-mini', 'anthropic/claude-sonnet-4'];

  it('disables the listed models left unticked', () => {
    assert.deepEqual(nextDisabledModels([], listed, new Set(['openai/gpt-4o'])), ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4']);
  });

  it('keeps globs and unlisted entries unless they would disable a ticked model', () => {
    const previous = ['groq/*', 'openai/gpt-4o*', 'openai/gpt-4o-mini'];
    assert.deepEqual(nextDisabledModels(previous, listed, new Set(listed)), ['groq/*']);
    assert.deepEqual(nextDisabledModels(previous, listed, new Set(['anthropic/claude-sonnet-4'])), [
      'groq/*',
      'openai/gpt-4o*',
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
    ]);
  });

  it('matches globs with * and ? over provider/model, and nothing else', () => {
    assert.equal(matchesGlob('openai/gpt-4o*', 'openai/gpt-4o-mini'), true);
    assert.equal(matchesGlob('openai/gpt-4?', 'openai/gpt-4o'), true);
    assert.equal(matchesGlob('openai/gpt-4.1', 'openai/gpt-4x1'), false);
    assert.equal(matchesGlob('openai/gpt-4o', 'openai/gpt-4o-mini'), false);
  });

  it('reads only strings from a config as written', () => {
    assert.deepEqual(disabledModelsOf({ disabledModels: ['a/b', 3, null] }), ['a/b']);
    assert.deepEqual(disabledModelsOf({ disabledModels: 'a/b' }), []);
  });
});
