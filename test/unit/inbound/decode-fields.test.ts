import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import {
  colonWording,
  extraKeys,
  hasOnlyKeys,
  optionalBoolean,
  optionalNumber,
  optionalPositiveInteger,
  optionalString,
  optionalStringArray,
  requiredString,
} from '../../../proxy/inbound/decode-fields';

/** The invalid_request error `read` throws, with its message and param. */
function refusal(read: () => unknown): { message: string; param: string | undefined } {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.kind, 'invalid_request');
    return { message: error.message, param: error.param };
  }
  assert.fail('the value was accepted');
}

describe('decode-fields', () => {
  it('reads absent and null as not sent', () => {
    for (const read of [optionalNumber, optionalPositiveInteger, optionalBoolean, optionalString, optionalStringArray]) {
      assert.equal(read(undefined, 'field'), undefined);
      assert.equal(read(null, 'field'), undefined);
    }
  });

  it('returns well-typed values as they are', () => {
    assert.equal(optionalNumber(0.5, 'temperature'), 0.5);
    assert.equal(optionalPositiveInteger(4096, 'max_tokens'), 4096);
    assert.equal(optionalBoolean(false, 'stream'), false);
    assert.equal(optionalString('', 'user'), '');
    assert.deepEqual(optionalStringArray(['a', 'b'], 'stop'), ['a', 'b']);
    assert.equal(requiredString('call_1', 'input[0].call_id', 'the call id'), 'call_1');
  });

  it('names the field path in the OpenAI and Gemini wording by default', () => {
    assert.deepEqual(refusal(() => optionalNumber('1', 'generationConfig.topP')), {
      message: '`generationConfig.topP` must be a number.',
      param: 'generationConfig.topP',
    });
    assert.deepEqual(refusal(() => optionalNumber(Number.NaN, 'seed')), { message: '`seed` must be a number.', param: 'seed' });
    assert.deepEqual(refusal(() => optionalBoolean('true', 'stream')), { message: '`stream` must be true or false.', param: 'stream' });
    assert.deepEqual(refusal(() => optionalString(5, 'user')), { message: '`user` must be a string.', param: 'user' });
    assert.deepEqual(refusal(() => optionalPositiveInteger(0, 'max_output_tokens')), {
      message: '`max_output_tokens` must be a positive integer.',
      param: 'max_output_tokens',
    });
    assert.deepEqual(refusal(() => requiredString(undefined, 'tools[0].name', 'the function name')), {
      message: '`tools[0].name` must be a string: the function name.',
      param: 'tools[0].name',
    });
  });

  it('uses the Anthropic wording when asked', () => {
    assert.deepEqual(refusal(() => optionalNumber('hot', 'temperature', colonWording)), { message: 'temperature: must be a number.', param: 'temperature' });
    assert.deepEqual(refusal(() => optionalPositiveInteger(2.5, 'max_tokens', colonWording)), {
      message: 'max_tokens: must be a positive integer.',
      param: 'max_tokens',
    });
    assert.deepEqual(refusal(() => optionalStringArray(['a', 1], 'stop_sequences', colonWording)), {
      message: 'stop_sequences: must be an array of strings.',
      param: 'stop_sequences',
    });
  });

  it('finds the fields outside a known set, in the order sent', () => {
    const known = new Set(['type', 'text']);
    assert.equal(extraKeys({ type: 'text', text: 'hi' }, known), undefined);
    assert.deepEqual(Object.keys(extraKeys({ zeta: 1, type: 'text', alpha: 2 }, known) ?? {}), ['zeta', 'alpha']);
    assert.equal(hasOnlyKeys({ type: 'enabled' }, 'type', 'budget_tokens'), true);
    assert.equal(hasOnlyKeys({ type: 'enabled', display: 'x' }, 'type', 'budget_tokens'), false);
  });
});
