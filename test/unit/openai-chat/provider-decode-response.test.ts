import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { mapChatFinishReason } from '../../../proxy/providers/openai-chat/map-finish-reason';
import { readJsonFixture } from './fixtures';

describe('openai-compatible decodeResponse', () => {
  it('decodes an OpenAI text completion with cached tokens', () => {
    assert.deepEqual(openAiChatAdapter.decodeResponse(readJsonFixture('response-text.json')), {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      model: 'gpt-4o-2024-08-06',
      content: [{ type: 'text', text: 'Red, yellow and blue.' }],
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { inputTokens: 1117, outputTokens: 6, cacheReadTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it('decodes parallel tool calls', () => {
    const response = openAiChatAdapter.decodeResponse(readJsonFixture('response-tool-calls.json'));
    assert.deepEqual(response.content, [
      { type: 'tool-call', id: 'call_XuOjDQ1hXJpQgOq3DPYHRaOY', name: 'get_weather', input: '{"location":"Paris, France"}' },
      { type: 'tool-call', id: 'call_RSs7ctMFvPMZXuFG2kz9HE8m', name: 'get_weather', input: '{"location":"Bogotá, Colombia"}' },
    ]);
    assert.equal(response.finishReason, 'tool-calls');
    assert.deepEqual(response.usage, { inputTokens: 71, outputTokens: 52, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('decodes DeepSeek reasoning_content before the text', () => {
    const response = openAiChatAdapter.decodeResponse(readJsonFixture('response-deepseek-reasoning.json'));
    assert.deepEqual(response.content, [
      { type: 'reasoning', text: 'Compare the tenths: 1 < 8, so 9.11 < 9.8.' },
      { type: 'text', text: '9.11 is smaller than 9.8.' },
    ]);
    assert.deepEqual(response.usage, { inputTokens: 17, outputTokens: 92, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 80 });
  });

  it('decodes Mistral content parts: the thinking part as reasoning, the text part as text', () => {
    assert.deepEqual(openAiChatAdapter.decodeResponse(readJsonFixture('response-mistral-reasoning.json'), 'mistral'), {
      id: '0a4c2e9b7d1f4c3a8e6b5d2f1c0e9a87',
      model: 'magistral-medium-2509',
      content: [
        { type: 'reasoning', text: 'Okay, the user asks which is larger: 9.11 or 9.8. Compare the tenths:\n1 < 8, so 9.8 is larger.' },
        { type: 'text', text: '**9.8** is larger: 0.80 > 0.11.' },
      ],
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { inputTokens: 41, outputTokens: 86, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });

  it('joins text parts around a Mistral reference and passes over parts of unknown types', () => {
    const response = openAiChatAdapter.decodeResponse({
      id: 'r',
      choices: [{ message: { role: 'assistant', content: [{ type: 'text', text: 'The Eiffel Tower is 330 m tall' }, { type: 'reference', reference_ids: [0, 2] }, { type: 'text', text: '.' }, { type: 'image_url', image_url: 'https://example.com/a.png' }] }, finish_reason: 'stop' }],
    });
    assert.deepEqual(response.content, [{ type: 'text', text: 'The Eiffel Tower is 330 m tall.' }]);
  });

  it('adds xAI reasoning tokens, which completion_tokens leaves out, to the output', () => {
    const response = openAiChatAdapter.decodeResponse(readJsonFixture('response-xai-reasoning.json'));
    assert.deepEqual(response.usage, { inputTokens: 663, outputTokens: 174, cacheReadTokens: 654, cacheWriteTokens: 0, reasoningTokens: 124 });
  });

  it('throws the error a 200 body carries, and rejects a body without choices', () => {
    assert.throws(
      () => openAiChatAdapter.decodeResponse({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-day' } }),
      (error: unknown) =>
        error instanceof ProxyError &&
        error.kind === 'rate_limit' &&
        error.status === 429 &&
        error.message === 'The provider reported an error: Rate limit exceeded: free-models-per-day',
    );
    assert.throws(
      () => openAiChatAdapter.decodeResponse({ object: 'list', data: [] }),
      (error: unknown) => error instanceof ProxyError && error.kind === 'api_error' && error.malformed === true && error.message === 'openai sent a malformed chat.completion (no choices).',
    );
  });
});

describe('mapChatFinishReason', () => {
  it('maps OpenAI and compatible providers’ reasons', () => {
    assert.deepEqual(
      ['stop', 'length', 'tool_calls', 'function_call', 'content_filter', 'model_length', 'eos', 'error', 'insufficient_system_resource'].map(
        mapChatFinishReason,
      ),
      ['stop', 'length', 'tool-calls', 'tool-calls', 'content-filter', 'length', 'stop', 'error', 'other'],
    );
  });
});
