import assert from 'node:assert/strict';
import { compileDisabledModels, disabledModelError } from '../../../proxy/policy/disabled-models';

describe('compileDisabledModels', () => {
  it('is absent for an empty list, so the request path skips the check', () => {
    assert.equal(compileDisabledModels([]), undefined);
  });

  it('matches exact names and globs over provider/model', () => {
    const isDisabled = compileDisabledModels(['openai/gpt-4o*', 'anthropic/claude-opus-4-6', '*/llama-?.?-8b'])!;
    assert.equal(isDisabled('openai/gpt-4o'), true);
    assert.equal(isDisabled('openai/gpt-4o-mini'), true);
    assert.equal(isDisabled('openai/gpt-4.1'), false);
    assert.equal(isDisabled('anthropic/claude-opus-4-6'), true);
    assert.equal(isDisabled('anthropic/claude-opus-4-68'), false);
    assert.equal(isDisabled('groq/llama-3.1-8b'), true);
    assert.equal(isDisabled('groq/llama-3.3-70b-versatile'), false);
    // Globs are case-sensitive, like model ids.
    assert.equal(isDisabled('OpenAI/gpt-4o'), false);
  });

  it('handles a list of exact names alone', () => {
    const isDisabled = compileDisabledModels(['groq/a', 'groq/b'])!;
    assert.equal(isDisabled('groq/b'), true);
    assert.equal(isDisabled('groq/c'), false);
  });
});

describe('disabledModelError', () => {
  it('is a 403 that names the model and both fixes', () => {
    const error = disabledModelError(['openai/gpt-4o']);
    assert.equal(error.status, 403);
    assert.equal(error.kind, 'permission');
    assert.match(error.message, /The model openai\/gpt-4o is disabled/);
    assert.match(error.message, /"Switchyard: Toggle Models"/);
    assert.match(error.message, /"disabledModels"/);
    assert.match(disabledModelError(['a/b', 'c/d'], 'smart').message, /Every target of route 'smart' \(a\/b, c\/d\) is disabled/);
  });
});
