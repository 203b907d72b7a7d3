import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import { anthropicAdapter } from '../../../proxy/providers/anthropic-messages/adapter';
import { mapAnthropicStopReason } from '../../../proxy/providers/anthropic-messages/map-stop-reason';
import { anthropicErrorJson, anthropicMessageJson } from '../../fakes/anthropic-replies';

const fixtures = join(__dirname, '../../fixtures/anthropic');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

describe('anthropic decodeResponse', () => {
  it('decodes a message with thinking, text and a tool call', () => {
    const body = JSON.parse(fixture('message.json'));
    assert.deepEqual(anthropicAdapter.decodeResponse(body), {
      id: 'msg_01Aq9w938a90dw8q',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'reasoning', text: body.content[0].thinking, signature: body.content[0].signature },
        { type: 'text', text: "I'll check the current weather in Paris." },
        { type: 'tool-call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: '{"city":"Paris","unit":"celsius"}' },
      ],
      finishReason: 'tool-calls',
      rawFinishReason: 'tool_use',
      usage: { inputTokens: 4270, outputTokens: 145, cacheReadTokens: 3200, cacheWriteTokens: 1050, reasoningTokens: 0 },
    });
  });

  it('keeps redacted thinking, citations, stop sequences and unknown blocks', () => {
    const response = anthropicAdapter.decodeResponse({
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-1',
      content: [
        { type: 'redacted_thinking', data: 'EmwKAhgB' },
        { type: 'text', text: 'Green.', citations: [{ type: 'char_location', cited_text: 'Grass is green.', document_index: 0, start_char_index: 0, end_char_index: 15 }] },
        { type: 'container_upload', file_id: 'file_011' },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 10, output_tokens: 3 },
    });
    assert.deepEqual(response.content, [
      { type: 'reasoning', text: '', redactedData: 'EmwKAhgB' },
      {
        type: 'text',
        text: 'Green.',
        providerOptions: { anthropic: { citations: [{ type: 'char_location', cited_text: 'Grass is green.', document_index: 0, start_char_index: 0, end_char_index: 15 }] } },
      },
      { type: 'text', text: '', providerOptions: { anthropic: { block: { type: 'container_upload', file_id: 'file_011' } } } },
    ]);
    assert.equal(response.finishReason, 'stop');
    assert.equal(response.stopSequence, '###');
    assert.deepEqual(response.usage, { inputTokens: 10, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('decodes what the fake upstream answers', () => {
    const response = anthropicAdapter.decodeResponse(anthropicMessageJson({ model: 'claude-haiku-4-5', text: 'Hi!', usage: { input: 5, output: 2, cacheWrite: 7 } }));
    assert.deepEqual(response.content, [{ type: 'text', text: 'Hi!' }]);
    assert.deepEqual(response.usage, { inputTokens: 12, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 7, reasoningTokens: 0 });
  });

  it('refuses a body that is not a message', () => {
    assert.throws(() => anthropicAdapter.decodeResponse({ type: 'error' }), (error: unknown) => error instanceof ProxyError && error.status === 502);
  });

  it('maps every stop reason', () => {
    assert.deepEqual(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded', 'compaction', 'new_reason', null].map(
        mapAnthropicStopReason,
      ),
      ['stop', 'stop', 'length', 'tool-calls', 'pause', 'refusal', 'length', 'pause', 'other', 'other'],
    );
  });
});

describe('anthropic decodeError', () => {
  it('maps overloaded_error to overloaded with the provider id in front', () => {
    const error = anthropicAdapter.decodeError(529, fixture('error-overloaded.json'), 'anthropic');
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.status, 529);
    assert.equal(error.provider, 'anthropic');
    assert.equal(error.message, 'anthropic: Overloaded');
  });

  it('maps rate limits, invalid requests and the other documented types', () => {
    const rateLimit = anthropicAdapter.decodeError(429, fixture('error-rate-limit.json'), 'anthropic-work');
    assert.equal(rateLimit.kind, 'rate_limit');
    assert.equal(rateLimit.status, 429);
    assert.match(rateLimit.message, /^anthropic-work: This request would exceed the rate limit/);
    const invalid = anthropicAdapter.decodeError(400, fixture('error-invalid-request.json'), 'anthropic');
    assert.equal(invalid.kind, 'invalid_request');
    assert.equal(invalid.message, 'anthropic: messages.1.content.0.thinking.signature: Invalid `signature` in `thinking` block');
    const kinds = [
      [401, 'authentication_error', 'authentication'],
      [402, 'billing_error', 'permission'],
      [403, 'permission_error', 'permission'],
      [404, 'not_found_error', 'not_found'],
      [413, 'request_too_large', 'request_too_large'],
      [504, 'timeout_error', 'timeout'],
      [500, 'api_error', 'api_error'],
    ] as const;
    for (const [status, type, kind] of kinds) {
      const error = anthropicAdapter.decodeError(status, JSON.stringify(anthropicErrorJson(type, 'x')), 'anthropic');
      assert.equal(error.kind, kind, type);
      assert.equal(error.status, status, type);
    }
  });

  it('falls back to the status for bodies that are not Anthropic errors', () => {
    const html = anthropicAdapter.decodeError(413, '<html><body>413 Request Entity Too Large</body></html>', 'anthropic');
    assert.equal(html.kind, 'request_too_large');
    assert.equal(html.message, 'anthropic: HTTP 413: <html><body>413 Request Entity Too Large</body></html>');
    const empty = anthropicAdapter.decodeError(503, '', 'anthropic');
    assert.equal(empty.kind, 'overloaded');
    assert.equal(empty.message, 'anthropic: HTTP 503');
    const unknownType = anthropicAdapter.decodeError(409, JSON.stringify(anthropicErrorJson('conflict_error', 'Busy')), 'anthropic');
    assert.equal(unknownType.kind, 'api_error');
    assert.equal(unknownType.status, 409);
    const long = anthropicAdapter.decodeError(502, 'x'.repeat(500), 'anthropic');
    assert.equal(long.message, `anthropic: HTTP 502: ${'x'.repeat(200)}…`);
  });
});
