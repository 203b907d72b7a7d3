import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import type { ResponseContext } from '../../../proxy/inbound/codec';
import { anthropicMessagesCodec } from '../../../proxy/inbound/anthropic-messages/codec';
import { anthropicAdapter } from '../../../proxy/providers/anthropic-messages/adapter';

const context: ResponseContext = {
  requestId: 'a1b2c3d4-0000-4000-8000-123456789abc',
  model: 'claude-sonnet-4-5',
  created: 1_745_000_000,
  request: { model: 'claude-sonnet-4-5', messages: [], stream: false },
};

describe('anthropic-messages encodeResponse', () => {
  it('encodes a translated response as an Anthropic message', () => {
    const message = anthropicMessagesCodec.encodeResponse(
      {
        id: 'chatcmpl-BxFake',
        model: 'gpt-5',
        content: [
          { type: 'reasoning', text: 'Two cities.' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'call_1', name: 'get_weather', input: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'functions.get_weather:1', name: 'get_weather', input: '{"city": "Ly' },
        ],
        finishReason: 'tool-calls',
        rawFinishReason: 'tool_calls',
        usage: { inputTokens: 1200, outputTokens: 85, cacheReadTokens: 1000, cacheWriteTokens: 50, reasoningTokens: 40 },
      },
      context,
    );
    assert.deepEqual(message, {
      id: 'msg_a1b2c3d4000040008000123456789abc',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'Two cities.', signature: '' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        // A model's broken JSON cannot become an object: it is sent as {} rather than failing the answer.
        // The id becomes one Anthropic accepts, so the client's next request is valid Anthropic history.
        { type: 'tool_use', id: 'functions_get_weather_1', name: 'get_weather', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 150, cache_creation_input_tokens: 50, cache_read_input_tokens: 1000, output_tokens: 85 },
    });
  });

  it('gives an Anthropic message back as Anthropic sent it', () => {
    const body = JSON.parse(readFileSync(join(__dirname, '../../fixtures/anthropic/message.json'), 'utf8'));
    const message = anthropicMessagesCodec.encodeResponse(anthropicAdapter.decodeResponse(body), { ...context, model: 'claude-sonnet-4-5-20250929' });
    const { cache_creation: _cacheCreation, service_tier: _serviceTier, ...usage } = body.usage;
    assert.deepEqual(message, { ...body, usage });
  });

  it('keeps redacted thinking, citations, kept blocks and the stop sequence', () => {
    const citations = [{ type: 'char_location', cited_text: 'Grass is green.', document_index: 0, start_char_index: 0, end_char_index: 15 }];
    const message = anthropicMessagesCodec.encodeResponse(
      {
        id: 'msg_01',
        content: [
          { type: 'reasoning', text: '', redactedData: 'EmwK' },
          { type: 'text', text: '', providerOptions: { anthropic: { block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } } } } },
          { type: 'text', text: 'Green.', providerOptions: { anthropic: { citations } } },
        ],
        finishReason: 'stop',
        stopSequence: '###',
        usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
      context,
    ) as Record<string, unknown>;
    assert.deepEqual(message.content, [
      { type: 'redacted_thinking', data: 'EmwK' },
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
      { type: 'text', text: 'Green.', citations },
    ]);
    assert.equal(message.id, 'msg_01');
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, '###');
  });

  it('maps canonical finish reasons to stop reasons', () => {
    const stopReason = (finishReason: 'length' | 'pause' | 'refusal' | 'content-filter' | 'other' | 'error', rawFinishReason?: string): unknown =>
      (
        anthropicMessagesCodec.encodeResponse(
          { content: [], finishReason, rawFinishReason, usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } },
          context,
        ) as Record<string, unknown>
      ).stop_reason;
    assert.equal(stopReason('length'), 'max_tokens');
    assert.equal(stopReason('length', 'MAX_TOKENS'), 'max_tokens');
    assert.equal(stopReason('pause'), 'pause_turn');
    assert.equal(stopReason('refusal'), 'refusal');
    assert.equal(stopReason('content-filter', 'content_filter'), 'refusal');
    assert.equal(stopReason('other'), 'end_turn');
    assert.equal(stopReason('error'), 'end_turn');
    assert.equal(stopReason('pause', 'compaction'), 'compaction');
  });
});

describe('anthropic-messages encodeError', () => {
  it('uses the documented error types and statuses', () => {
    const cases = [
      [new ProxyError('invalid_request', 'max_tokens: Field required.'), 400, 'invalid_request_error'],
      [new ProxyError('authentication', 'bad key'), 401, 'authentication_error'],
      [new ProxyError('permission', 'no credits', { status: 402 }), 402, 'billing_error'],
      [new ProxyError('permission', 'nope'), 403, 'permission_error'],
      [new ProxyError('not_found', 'no model'), 404, 'not_found_error'],
      [new ProxyError('request_too_large', 'too big'), 413, 'request_too_large'],
      [new ProxyError('rate_limit', 'slow down'), 429, 'rate_limit_error'],
      [new ProxyError('api_error', 'oops'), 500, 'api_error'],
      [new ProxyError('timeout', 'late'), 504, 'timeout_error'],
      [new ProxyError('overloaded', 'anthropic: Overloaded'), 529, 'overloaded_error'],
    ] as const;
    for (const [error, status, type] of cases) {
      assert.deepEqual(anthropicMessagesCodec.encodeError(error), { status, body: { type: 'error', error: { type, message: error.message } } });
    }
  });
});
