import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { geminiAdapter } from '../../../proxy/providers/gemini/adapter';
import type { SseEvent } from '../../../proxy/sse/sse-parser';
import { decodeAll, fixtureEvents, fixtureJson, fuzzResponseDecoder, fuzzStreamDecoder, malformedPart } from '../providers/wire-fuzz';

const text: SseEvent = { data: JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] } }], responseId: 'r1' }) };

function chunk(data: unknown): SseEvent {
  return { data: JSON.stringify(data) };
}

/** Each field the decoder reads, malformed, with the problem it must name. */
const malformedCases: Array<[string, unknown, string]> = [
  ['an answer that is a list', [1], 'not a JSON object'],
  ['candidates that are not a list', { candidates: { content: {} } }, 'candidates is not a list'],
  ['a candidate that is text', { candidates: ['hello'] }, 'candidates[0] is not an object'],
  ['content that is text', { candidates: [{ content: 'hello' }] }, 'candidates[0].content is not an object'],
  ['parts that are not a list', { candidates: [{ content: { parts: { text: 'a' } } }] }, 'candidates[0].content.parts is not a list'],
  ['a part that is null', { candidates: [{ content: { parts: [null] } }] }, 'candidates[0].content.parts[0] is not an object'],
  ['text that is a number', { candidates: [{ content: { parts: [{ text: 5 }] } }] }, 'candidates[0].content.parts[0].text is not a string'],
  ['a signature that is an object', { candidates: [{ content: { parts: [{ text: 'a', thoughtSignature: {} }] } }] }, 'candidates[0].content.parts[0].thoughtSignature is not a string'],
  ['a function call that is text', { candidates: [{ content: { parts: [{ functionCall: 'f()' }] } }] }, 'candidates[0].content.parts[0].functionCall is not an object'],
  ['function call args that are a list', { candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: [1] } }] } }] }, 'candidates[0].content.parts[0].functionCall.args is not an object'],
  ['a finish reason that is a number', { candidates: [{ finishReason: 1 }] }, 'candidates[0].finishReason is not a string'],
  ['usage that is text', { usageMetadata: '12' }, 'usageMetadata is not an object'],
  ['a usage count that is text', { usageMetadata: { promptTokenCount: '12' } }, 'usageMetadata.promptTokenCount is not a number'],
  ['prompt feedback that is a list', { promptFeedback: [] }, 'promptFeedback is not an object'],
  ['a response id that is a number', { responseId: 7 }, 'responseId is not a string'],
];

describe('gemini decoders and malformed wire', () => {
  for (const [name, data, problem] of malformedCases) {
    it(`turns ${name} into an error part naming the provider`, () => {
      const parts = decodeAll(geminiAdapter.createStreamDecoder('vertex-proxy'), [text, chunk(data)]);
      const error = malformedPart(parts);
      assert.equal(error.message, `vertex-proxy sent a malformed GenerateContentResponse (${problem}).`);
      assert.equal(error.provider, 'vertex-proxy');
    });
  }

  it('throws a malformed ProxyError naming the provider for a whole answer it cannot read', () => {
    assert.throws(
      () => geminiAdapter.decodeResponse({ candidates: [{ content: { parts: 'Hi' } }] }, 'vertex-proxy'),
      (error: unknown) =>
        error instanceof ProxyError && error.malformed === true && error.provider === 'vertex-proxy' && error.message === 'vertex-proxy sent a malformed GenerateContentResponse (candidates[0].content.parts is not a list).',
    );
  });

  it('never throws on a few hundred structurally mutated streams', () => {
    for (const [index, fixture] of ['stream-thoughts.chunks.txt', 'stream-parallel-calls.chunks.txt', 'stream-prompt-blocked.chunks.txt'].entries()) {
      fuzzStreamDecoder(() => geminiAdapter.createStreamDecoder('vertex-proxy'), fixtureEvents('gemini', fixture), 150, 2000 + index);
    }
  });

  it('throws nothing but ProxyError on a few hundred structurally mutated answers', () => {
    fuzzResponseDecoder((body) => geminiAdapter.decodeResponse(body, 'vertex-proxy'), fixtureJson('gemini', 'response-function-call.json'), 400, 11);
  });
});
