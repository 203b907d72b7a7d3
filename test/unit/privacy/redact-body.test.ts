import assert from 'node:assert/strict';
import type { JsonObject } from '../../../proxy/core/json';
import { RawPrefilter } from '../../../proxy/privacy/raw-prefilter';
import { redactBody } from '../../../proxy/privacy/redact-body';
import { Scanner, detectorNames } from '../../../proxy/privacy/scanner';

describe('redactBody', () => {
  const scanner = new Scanner({ detectors: [...detectorNames], custom: [], allow: [] });
  const prefilter = new RawPrefilter([...detectorNames]);
  const value = 'hunter2hunter2';
  // A tool call `{"password": "hunter2hunter2"}` in each client format: a JSON string in
  // OpenAI's two, an object in Anthropic's and Gemini's.
  const formats: Array<[string, JsonObject, string]> = [
    ['openai chat', { model: 'gpt-4o', messages: [{ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'login', arguments: JSON.stringify({ user: 'jo', password: value }) } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
    ['openai responses', { model: 'gpt-5', input: [{ type: 'function_call', call_id: 'call_1', name: 'login', arguments: JSON.stringify({ user: 'jo', password: value }) }] }, 'input[0].arguments'],
    ['anthropic', { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'login', input: { user: 'jo', password: value } }] }] }, 'messages[0].content[0].input.password'],
    ['gemini', { contents: [{ role: 'model', parts: [{ functionCall: { name: 'login', args: { user: 'jo', password: value } } }] }] }, 'contents[0].parts[0].functionCall.args.password'],
  ];
  for (const [format, body, path] of formats) {
    it(`${format}: finds a password in a tool call's arguments by its key, and the prefilter lets it through`, async () => {
      const { found, body: redacted } = await redactBody(body, scanner, (finding) => `<${finding.kind}_1>`);
      assert.deepEqual(found, [{ detector: 'secrets', kind: 'SECRET', path }]);
      const sent = JSON.stringify(redacted);
      assert.ok(!sent.includes(value) && sent.includes('<SECRET_1>'), sent);
      assert.equal(prefilter.mayFind(Buffer.from(JSON.stringify(body))), true);
      assert.equal(prefilter.mayFind(Buffer.from(JSON.stringify(body, undefined, 2))), true);
    });
  }

  it('leaves a key that names no credential, and a credential key whose value is no secret, alone', async () => {
    const body = { contents: [{ role: 'model', parts: [{ functionCall: { name: 'login', args: { user: 'hunter2hunter2', password: 'required', token: 'string' } } }] }] };
    assert.deepEqual((await redactBody(body, scanner)).found, []);
  });
});
