import assert from 'node:assert/strict';
import { findTopLevelString, spliceBytes } from '../../../proxy/inbound/json-scan';

function replaceModel(text: string, model: string): string {
  const buffer = Buffer.from(text);
  const range = findTopLevelString(buffer, 'model');
  assert.ok(range, 'model not found');
  return spliceBytes(buffer, range, JSON.stringify(model)).toString('utf8');
}

describe('findTopLevelString', () => {
  it('replaces only the top-level model and keeps every other byte', () => {
    const text = '{"messages":[{"role":"user","content":"say \\"model\\": \\"x\\""}],"tools":[{"input_schema":{"model":"nested"}}], "model" : "fast","stream":true}';
    const result = replaceModel(text, 'llama-3.3-70b');
    assert.equal(result, text.replace('"model" : "fast"', '"model" : "llama-3.3-70b"'));
    assert.deepEqual(JSON.parse(result).tools[0].input_schema, { model: 'nested' });
  });

  it('handles escaped backslashes before a closing quote and non-ASCII text', () => {
    const text = '{"system":"path C:\\\\","note":"héllo ✓","model":"claude-sonnet-4-5"}';
    assert.equal(JSON.parse(replaceModel(text, 'anthropic/claude')).model, 'anthropic/claude');
    assert.equal(JSON.parse(replaceModel(text, 'x')).note, 'héllo ✓');
  });

  it('returns undefined when the key is absent or not a string', () => {
    assert.equal(findTopLevelString(Buffer.from('{"stream":true}'), 'model'), undefined);
    assert.equal(findTopLevelString(Buffer.from('{"model":5}'), 'model'), undefined);
  });
});
