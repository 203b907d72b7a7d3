import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { ResponsesStreamDecoder } from '../../../proxy/providers/openai-responses/decode-stream';
import { responsesEvents } from '../../fakes/openai-responses-replies';
import { decodeEvents, jsonFixture, parseSse, sseFixture } from './fixtures';

function errorOf(parts: StreamPart[]): ProxyError {
  const last = parts[parts.length - 1];
  assert.equal(last.type, 'error');
  return (last as Extract<StreamPart, { type: 'error' }>).error;
}

describe('openai-responses stream decoder', () => {
  it('decodes reasoning with two summary parts, a commentary message and a function call', () => {
    const parts = decodeEvents(sseFixture('stream-reasoning-tool.chunks.txt'));
    const final = jsonFixture('response-reasoning-tool.json');
    const [reasoningItem] = final.output as Array<Record<string, unknown>>;
    const reasoningId = 'rs_0a5c7e9b1d3f50a20068c1f0a3c5e08190b2d4f6a8c0e2a4b6';
    const messageId = 'msg_0a5c7e9b1d3f50a20068c1f0a5d7f28190c4e6a8b0d2f4a6c8';
    const call = 'call_Ra4sD5fG6hJ7kL8zX9cV0bN1';
    const expected: StreamPart[] = [
      { type: 'stream-start', id: 'resp_0a5c7e9b1d3f50a20068c1f0a2b4d88190a3e5c7f9d1b3a5c7', model: 'gpt-5-codex' },
      { type: 'reasoning-start', id: reasoningId, providerOptions: { openai: { itemId: reasoningId } } },
      ...['**Re', '-running the', ' tests**\n\n', 'The patch is in', "; I'll run the", ' SSE parser tests again.'].map(
        (delta): StreamPart => ({ type: 'reasoning-delta', id: reasoningId, delta }),
      ),
      { type: 'reasoning-delta', id: reasoningId, delta: '\n\n' },
      ...['**Checking', ' the CRLF case', '**\n\nIf the split', ' CRLF test passes', ', the fix holds.'].map(
        (delta): StreamPart => ({ type: 'reasoning-delta', id: reasoningId, delta }),
      ),
      {
        type: 'reasoning-end',
        id: reasoningId,
        providerOptions: { openai: { itemId: reasoningId, encryptedContent: reasoningItem.encrypted_content, summary: reasoningItem.summary } },
      },
      { type: 'text-start', id: `${messageId}:0`, providerOptions: { openai: { itemId: messageId, phase: 'commentary' } } },
      ...['Running', ' the SSE', ' parser tests', ' again.'].map((delta): StreamPart => ({ type: 'text-delta', id: `${messageId}:0`, delta })),
      { type: 'text-end', id: `${messageId}:0` },
      {
        type: 'tool-input-start',
        id: call,
        name: 'shell',
        providerOptions: { openai: { itemId: 'fc_0a5c7e9b1d3f50a20068c1f0a6e9a48190d6f8b0c2e4a6c8e0' } },
      },
      ...['{"command":', '["npx","mocha",', '"test/unit/sse/sse-parser.test.ts"]', ',"workdir":"/home/dev/switchyard"}'].map(
        (delta): StreamPart => ({ type: 'tool-input-delta', id: call, delta }),
      ),
      { type: 'tool-input-end', id: call },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        rawFinishReason: 'completed',
        usage: { inputTokens: 9812, outputTokens: 214, cacheReadTokens: 8704, cacheWriteTokens: 0, reasoningTokens: 128 },
      },
    ];
    assert.deepEqual(parts, expected);
  });

  it('decodes plain text, keeping a character split across deltas whole', () => {
    const parts = decodeEvents(sseFixture('stream-text.chunks.txt'));
    const id = 'msg_68c1f3ba1c5c8190a7e3b5d9f1c3a5e70d2f4b6a8c0e1f3a:0';
    assert.deepEqual(parts[0], { type: 'stream-start', id: 'resp_68c1f3b9e2a48190b6d2f0e4a8c6b2d40f1e3a5c7b9d2e4f', model: 'gpt-5-mini-2025-08-07' });
    const text = parts
      .filter((part): part is Extract<StreamPart, { type: 'text-delta' }> => part.type === 'text-delta' && part.id === id)
      .map((part) => part.delta)
      .join('');
    assert.equal(text, 'Hello! How can I help you today? ✓');
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'stop',
      rawFinishReason: 'completed',
      usage: { inputTokens: 18, outputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it('maps response.incomplete for max_output_tokens to a length finish', () => {
    const parts = decodeEvents(sseFixture('stream-incomplete.chunks.txt'));
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'length',
      rawFinishReason: 'max_output_tokens',
      usage: { inputTokens: 25, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it('turns response.failed into an error part with the provider message', () => {
    const parts = decodeEvents(sseFixture('stream-failed.chunks.txt'));
    assert.deepEqual(
      parts.map((part) => part.type),
      ['stream-start', 'error'],
    );
    const error = errorOf(parts);
    assert.equal(error.kind, 'rate_limit');
    assert.equal(error.status, 429);
    assert.match(error.message, /^Rate limit reached for gpt-5-codex .* Please try again in 11\.054s\./);
  });

  it('turns a stream cut before response.completed into an error part', () => {
    const parts = decodeEvents(sseFixture('stream-cut.chunks.txt'));
    assert.deepEqual(
      parts.slice(0, -1).map((part) => part.type),
      ['stream-start', 'text-start', 'text-delta', 'text-delta'],
    );
    const error = errorOf(parts);
    assert.equal(error.kind, 'api_error');
    assert.match(error.message, /before response\.completed/);
  });

  it('reads error events, flat as documented and nested as seen', () => {
    const flat = decodeEvents(
      parseSse('event: error\ndata: {"type":"error","sequence_number":2,"code":"context_length_exceeded","message":"Your input exceeds the context window of this model.","param":"input"}\n\n'),
    );
    const flatError = errorOf(flat);
    assert.equal(flat.length, 1);
    assert.equal(flatError.kind, 'request_too_large');
    assert.equal(flatError.status, 400);
    assert.equal(flatError.param, 'input');
    const nested = decodeEvents(
      parseSse('event: error\ndata: {"type":"error","sequence_number":1,"error":{"type":"server_error","code":"server_is_overloaded","message":"Overloaded.","param":null}}\n\n'),
    );
    assert.equal(errorOf(nested).kind, 'overloaded');
    assert.equal(errorOf(nested).message, 'Overloaded.');
  });

  it('produces whole text and arguments from servers that send only done events', () => {
    const events = [
      { type: 'response.created', response: { id: 'resp_1', model: 'gpt-oss-120b' } },
      { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { id: 'rs_1', type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'Raw thought.' }] },
      },
      {
        type: 'response.output_item.done',
        output_index: 1,
        item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hi.', annotations: [] }] },
      },
      { type: 'response.output_item.added', output_index: 2, item: { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '' } },
      { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 2, arguments: '{"a":1}' },
      { type: 'response.output_item.done', output_index: 2, item: { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"a":1}' } },
      { type: 'response.output_item.done', output_index: 3, item: { id: 'ws_1', type: 'web_search_call', status: 'completed' } },
      { type: 'response.completed', response: { status: 'completed', usage: { input_tokens: 3, output_tokens: 4 } } },
    ];
    const parts = decodeEvents(events.map((event) => ({ event: event.type, data: JSON.stringify(event) })));
    assert.deepEqual(parts, [
      { type: 'stream-start', id: 'resp_1', model: 'gpt-oss-120b' },
      { type: 'reasoning-start', id: 'rs_1', providerOptions: { openai: { itemId: 'rs_1' } } },
      { type: 'reasoning-delta', id: 'rs_1', delta: 'Raw thought.' },
      {
        type: 'reasoning-end',
        id: 'rs_1',
        providerOptions: { openai: { itemId: 'rs_1', summary: [], reasoningContent: [{ type: 'reasoning_text', text: 'Raw thought.' }] } },
      },
      { type: 'text-start', id: 'msg_1:0', providerOptions: { openai: { itemId: 'msg_1' } } },
      { type: 'text-delta', id: 'msg_1:0', delta: 'Hi.' },
      { type: 'text-end', id: 'msg_1:0' },
      { type: 'tool-input-start', id: 'call_1', name: 'f', providerOptions: { openai: { itemId: 'fc_1' } } },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"a":1}' },
      { type: 'tool-input-end', id: 'call_1' },
      { type: 'text-start', id: 'ws_1', providerOptions: { openai: { item: { id: 'ws_1', type: 'web_search_call', status: 'completed' } } } },
      { type: 'text-end', id: 'ws_1' },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        rawFinishReason: 'completed',
        usage: { inputTokens: 3, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  it('keeps the namespace of a call to a namespace tool and decodes custom tool input', () => {
    const events = [
      { type: 'response.output_item.added', output_index: 0, item: { id: 'fc_9', type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_9', name: 'read_file', namespace: 'mcp__filesystem' } },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_9', output_index: 0, delta: '{}' },
      { type: 'response.output_item.done', output_index: 0, item: { id: 'fc_9', type: 'function_call', status: 'completed', arguments: '{}', call_id: 'call_9', name: 'read_file', namespace: 'mcp__filesystem' } },
      { type: 'response.output_item.added', output_index: 1, item: { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '' } },
      { type: 'response.custom_tool_call_input.delta', item_id: 'ctc_1', output_index: 1, delta: '*** Begin Patch\n' },
      { type: 'response.custom_tool_call_input.delta', item_id: 'ctc_1', output_index: 1, delta: '*** End Patch\n' },
      { type: 'response.output_item.done', output_index: 1, item: { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' } },
    ];
    const decoder = new ResponsesStreamDecoder();
    const parts = events.flatMap((event) => decoder.decode({ data: JSON.stringify(event) }));
    assert.deepEqual(parts, [
      { type: 'tool-input-start', id: 'call_9', name: 'read_file', providerOptions: { openai: { itemId: 'fc_9', namespace: 'mcp__filesystem' } } },
      { type: 'tool-input-delta', id: 'call_9', delta: '{}' },
      { type: 'tool-input-end', id: 'call_9' },
      { type: 'tool-input-start', id: 'call_p', name: 'apply_patch', providerOptions: { openai: { itemId: 'ctc_1', itemType: 'custom_tool_call' } } },
      { type: 'tool-input-delta', id: 'call_p', delta: '*** Begin Patch\n' },
      { type: 'tool-input-delta', id: 'call_p', delta: '*** End Patch\n' },
      { type: 'tool-input-end', id: 'call_p' },
    ]);
  });

  it('decodes the fake upstream replies the integration tests use', () => {
    const chunks = responsesEvents({
      model: 'gpt-5-codex',
      reasoning: { summary: 'Check the weather tool.', encryptedContent: 'gAAAA-fake' },
      toolCalls: [{ callId: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { input: 120, output: 30, cached: 20, reasoning: 10 },
    });
    assert.ok(chunks.length > 10);
    const parts = decodeEvents(parseSse(chunks.join('')));
    const types = parts.map((part) => part.type);
    assert.equal(types.filter((type) => type === 'tool-input-delta').length, 2, 'arguments arrive in several deltas');
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'tool-calls',
      rawFinishReason: 'completed',
      usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 20, cacheWriteTokens: 0, reasoningTokens: 10 },
    });
  });

  it('ignores events after the terminal one and [DONE] lines', () => {
    const decoder = new ResponsesStreamDecoder();
    assert.deepEqual(decoder.decode({ data: '[DONE]' }), []);
    decoder.decode({ data: JSON.stringify({ type: 'response.completed', response: { status: 'completed' } }) });
    assert.deepEqual(decoder.decode({ data: JSON.stringify({ type: 'error', message: 'late' }) }), []);
    assert.deepEqual(decoder.end(), []);
  });
});
