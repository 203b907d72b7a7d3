import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { openAiResponsesAdapter } from '../../../proxy/providers/openai-responses/adapter';
import type { SseEvent } from '../../../proxy/sse/sse-parser';
import { decodeAll, fixtureEvents, fixtureJson, fuzzResponseDecoder, fuzzStreamDecoder, malformedPart } from '../providers/wire-fuzz';

const created: SseEvent = { event: 'response.created', data: JSON.stringify({ type: 'response.created', response: { id: 'resp_1', model: 'gpt-5' } }) };
const messageAdded: SseEvent = {
  event: 'response.output_item.added',
  data: JSON.stringify({ type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } }),
};

function event(data: Record<string, unknown>): SseEvent {
  return { event: String(data.type), data: JSON.stringify(data) };
}

/** Each event kind the decoder reads, malformed, with the problem it must name. */
const malformedCases: Array<[string, string, Record<string, unknown>]> = [
  ['response.created', 'no response', { response: 'resp_1' }],
  ['response.output_item.added', 'no item', {}],
  ['response.output_item.added', 'item has no type', { item: { id: 'msg_1' } }],
  ['response.output_item.done', 'item.call_id is not a string', { item: { type: 'function_call', id: 'fc_1', call_id: 7 } }],
  ['response.content_part.added', 'no part', { item_id: 'msg_1', content_index: 0 }],
  ['response.content_part.added', 'no item_id', { content_index: 0, part: { type: 'output_text' } }],
  ['response.output_text.delta', 'no delta', { item_id: 'msg_1', content_index: 0, delta: 5 }],
  ['response.output_text.delta', 'content_index is not a number', { item_id: 'msg_1', content_index: '0', delta: 'Hi' }],
  ['response.refusal.delta', 'no item_id', { delta: 'No.' }],
  ['response.output_text.done', 'text is not a string', { item_id: 'msg_1', text: ['Hi'] }],
  ['response.refusal.done', 'refusal is not a string', { item_id: 'msg_1', refusal: {} }],
  ['response.content_part.done', 'no item_id', { content_index: 0 }],
  ['response.reasoning_summary_part.added', 'summary_index is not a number', { item_id: 'rs_1', summary_index: 'one' }],
  ['response.reasoning_summary_text.delta', 'no delta', { item_id: 'rs_1' }],
  ['response.reasoning_text.delta', 'no item_id', { delta: 'thinking' }],
  ['response.function_call_arguments.delta', 'no delta', { item_id: 'fc_1', delta: null }],
  ['response.custom_tool_call_input.delta', 'no item_id', { delta: 'x' }],
  ['response.function_call_arguments.done', 'arguments is not a string', { item_id: 'fc_1', arguments: {} }],
  ['response.custom_tool_call_input.done', 'input is not a string', { item_id: 'ct_1', input: 1 }],
  ['response.completed', 'no response', {}],
  ['response.completed', 'response.usage.output_tokens is not a number', { response: { status: 'completed', usage: { input_tokens: 1, output_tokens: '2' } } }],
  ['response.incomplete', 'response.incomplete_details is not an object', { response: { status: 'incomplete', incomplete_details: 'max_output_tokens' } }],
  ['response.failed', 'response is not an object', { response: 'failed' }],
];

describe('openai-responses decoders and malformed wire', () => {
  for (const [type, problem, fields] of malformedCases) {
    it(`turns a ${type} event with ${problem} into an error part naming the provider and the event`, () => {
      const parts = decodeAll(openAiResponsesAdapter.createStreamDecoder('azure'), [created, messageAdded, event({ type, ...fields })]);
      const error = malformedPart(parts);
      assert.equal(error.message, `azure sent a malformed ${type} event (${problem}).`);
      assert.equal(error.provider, 'azure');
    });
  }

  it('names the SSE event of data that is not an object, and of data that is not JSON', () => {
    const list = malformedPart(decodeAll(openAiResponsesAdapter.createStreamDecoder('azure'), [created, { event: 'response.output_text.delta', data: '[]' }]));
    assert.equal(list.message, 'azure sent a malformed response.output_text.delta event (not a JSON object).');
    const cut = malformedPart(decodeAll(openAiResponsesAdapter.createStreamDecoder('azure'), [created, { event: 'response.completed', data: '{"type":"resp' }]));
    assert.equal(cut.message, 'azure sent a malformed response.completed event (not JSON).');
    const untyped = malformedPart(decodeAll(openAiResponsesAdapter.createStreamDecoder('azure'), [created, { data: '{"delta":"x"}' }]));
    assert.equal(untyped.message, 'azure sent a malformed stream event (no type).');
  });

  it('throws a malformed ProxyError naming the provider for a response object it cannot read', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'not a JSON object'],
      [{ status: 'completed', output: {} }, 'output is not a list'],
      [{ status: 'completed', output: ['text'] }, 'no output[0]'],
      [{ status: 'completed', output: [{ id: 'msg_1' }] }, 'output[0] has no type'],
      [{ status: 'completed', output: [], usage: { input_tokens_details: { cached_tokens: 'many' } } }, 'response.usage.input_tokens_details.cached_tokens is not a number'],
    ];
    for (const [body, problem] of cases) {
      const message = `azure sent a malformed response (${problem}).`;
      assert.throws(
        () => openAiResponsesAdapter.decodeResponse(body, 'azure'),
        (error: unknown) => error instanceof ProxyError && error.malformed === true && error.status === 502 && error.provider === 'azure' && error.message === message,
        message,
      );
    }
  });

  it('never throws on a few hundred structurally mutated streams', () => {
    for (const [index, fixture] of ['stream-reasoning-tool.chunks.txt', 'stream-text.chunks.txt', 'stream-incomplete.chunks.txt'].entries()) {
      fuzzStreamDecoder(() => openAiResponsesAdapter.createStreamDecoder('azure'), fixtureEvents('openai-responses', fixture), 150, 4000 + index);
    }
  });

  it('throws nothing but ProxyError on a few hundred structurally mutated response objects', () => {
    fuzzResponseDecoder((body) => openAiResponsesAdapter.decodeResponse(body, 'azure'), fixtureJson('openai-responses', 'response-reasoning-tool.json'), 400, 17);
  });
});
