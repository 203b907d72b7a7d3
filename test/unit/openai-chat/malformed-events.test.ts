import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import type { SseEvent } from '../../../proxy/sse/sse-parser';
import { decodeAll, fixtureEvents, fixtureJson, fuzzResponseDecoder, fuzzStreamDecoder, malformedPart } from '../providers/wire-fuzz';

const first: SseEvent = { data: JSON.stringify({ id: 'c1', model: 'llama', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' } }] }) };

function chunk(data: unknown): SseEvent {
  return { data: JSON.stringify(data) };
}

/** Each field the decoder reads, malformed, with the problem it must name. */
const malformedCases: Array<[string, unknown, string]> = [
  ['a chunk that is a list', [], 'not a JSON object'],
  ['a chunk that is a number', 3, 'not a JSON object'],
  ['choices that are an object', { choices: { delta: {} } }, 'choices is not a list'],
  ['a choice that is text', { choices: ['hi'] }, 'choices[0] is not an object'],
  ['a choice index that is text', { choices: [{ index: '0', delta: {} }] }, 'choices[0].index is not a number'],
  ['a delta that is text', { choices: [{ delta: 'hi' }] }, 'choices[0].delta is not an object'],
  ['content that is a number', { choices: [{ delta: { content: 7 } }] }, 'choices[0].delta.content is not a string or a list of parts'],
  ['content parts that are text', { choices: [{ delta: { content: ['hi'] } }] }, 'choices[0].delta.content[0] is not an object'],
  ['a text part without its text', { choices: [{ delta: { content: [{ type: 'text', content: 'hi' }] } }] }, 'choices[0].delta.content[0].text is not a string'],
  ['a thinking part whose thinking is text', { choices: [{ delta: { content: [{ type: 'thinking', thinking: 'hmm' }] } }] }, 'choices[0].delta.content[0].thinking is not a list'],
  ['a thought that is text', { choices: [{ delta: { content: [{ type: 'thinking', thinking: ['hmm'] }] } }] }, 'choices[0].delta.content[0].thinking[0] is not an object'],
  ['a thought without its text', { choices: [{ delta: { content: [{ type: 'thinking', thinking: [{ type: 'text', text: 3 }] }] } }] }, 'choices[0].delta.content[0].thinking[0].text is not a string'],
  ['reasoning that is an object', { choices: [{ delta: { reasoning_content: {} } }] }, 'choices[0].delta.reasoning_content is not a string'],
  ['tool calls that are an object', { choices: [{ delta: { tool_calls: { id: 'x' } } }] }, 'choices[0].delta.tool_calls is not a list'],
  ['a tool call that is null', { choices: [{ delta: { tool_calls: [null] } }] }, 'choices[0].delta.tool_calls[0] is not an object'],
  ['a tool call function that is text', { choices: [{ delta: { tool_calls: [{ index: 0, function: 'f' }] } }] }, 'choices[0].delta.tool_calls[0].function is not an object'],
  ['tool call arguments that are an object', { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: {} } }] } }] }, 'choices[0].delta.tool_calls[0].function.arguments is not a string'],
  ['a finish reason that is a number', { choices: [{ delta: {}, finish_reason: 1 }] }, 'choices[0].finish_reason is not a string'],
  ['usage that is text', { choices: [], usage: 'lots' }, 'usage is not an object'],
  ['a usage count that is text', { choices: [], usage: { prompt_tokens: '5' } }, 'usage.prompt_tokens is not a number'],
  ['nested usage that is a number', { choices: [], usage: { prompt_tokens_details: 4 } }, 'usage.prompt_tokens_details is not an object'],
  ['Groq usage that is text', { choices: [], x_groq: { usage: 'x' } }, 'x_groq.usage is not an object'],
  ['an id that is a number', { id: 5, choices: [] }, 'id is not a string'],
];

describe('openai-compatible decoders and malformed wire', () => {
  for (const [name, data, problem] of malformedCases) {
    it(`turns ${name} into an error part naming the provider`, () => {
      const parts = decodeAll(openAiChatAdapter.createStreamDecoder('groq'), [first, chunk(data)]);
      const error = malformedPart(parts);
      assert.equal(error.message, `groq sent a malformed chat.completion.chunk (${problem}).`);
      assert.equal(error.provider, 'groq');
    });
  }

  it('accepts the nulls compatible servers send for absent fields', () => {
    const parts = decodeAll(openAiChatAdapter.createStreamDecoder('groq'), [
      chunk({ id: null, model: null, choices: [{ index: null, delta: { content: 'Hi', reasoning: null, tool_calls: null }, finish_reason: null }], usage: null }),
      chunk({ choices: [{ delta: {}, finish_reason: 'stop' }] }),
      { data: '[DONE]' },
    ]);
    assert.deepEqual(parts.map((part) => part.type), ['stream-start', 'text-start', 'text-delta', 'text-end', 'finish']);
  });

  it('throws a malformed ProxyError naming the provider for a completion it cannot read', () => {
    const cases: Array<[unknown, string]> = [
      ['ok', 'not a JSON object'],
      [{ object: 'list', data: [] }, 'no choices'],
      [{ choices: [{ message: { tool_calls: [{ id: 'c1', function: { name: 7 } }] } }] }, 'choices[0].message.tool_calls[0].function.name is not a string'],
      [{ choices: [{ message: { content: 'hi' } }], usage: { completion_tokens: [] } }, 'usage.completion_tokens is not a number'],
      [{ choices: [{ message: { function_call: 'f' } }] }, 'choices[0].message.function_call is not an object'],
      [{ choices: [{ message: { content: [{ type: 'text', text: null }] } }] }, 'choices[0].message.content[0].text is not a string'],
    ];
    for (const [body, problem] of cases) {
      const message = `mistral sent a malformed chat.completion (${problem}).`;
      assert.throws(
        () => openAiChatAdapter.decodeResponse(body, 'mistral'),
        (error: unknown) => error instanceof ProxyError && error.malformed === true && error.status === 502 && error.provider === 'mistral' && error.message === message,
        message,
      );
    }
  });

  it('never throws on a few hundred structurally mutated streams', () => {
    for (const [index, fixture] of ['openai-parallel-tool-calls.chunks.txt', 'deepseek-reasoning.chunks.txt', 'groq-x-groq-usage.chunks.txt'].entries()) {
      fuzzStreamDecoder(() => openAiChatAdapter.createStreamDecoder('groq'), fixtureEvents('openai-chat', fixture), 150, 3000 + index);
    }
    fuzzStreamDecoder(() => openAiChatAdapter.createStreamDecoder('mistral'), fixtureEvents('openai-compatible', 'mistral-reasoning.chunks.txt'), 150, 3100);
  });

  it('throws nothing but ProxyError on a few hundred structurally mutated completions', () => {
    fuzzResponseDecoder((body) => openAiChatAdapter.decodeResponse(body, 'groq'), fixtureJson('openai-chat', 'response-tool-calls.json'), 400, 13);
    fuzzResponseDecoder((body) => openAiChatAdapter.decodeResponse(body, 'mistral'), fixtureJson('openai-chat', 'response-mistral-reasoning.json'), 400, 14);
  });
});
