import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { collectResponse } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import type { SseEvent } from '../../../proxy/sse/sse-parser';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { readSseFixture } from './fixtures';
import { fixtureEvents } from '../providers/wire-fuzz';

function decodeAll(events: SseEvent[]): StreamPart[] {
  const decoder = openAiChatAdapter.createStreamDecoder();
  const parts = events.flatMap((event) => decoder.decode(event));
  return [...parts, ...decoder.end()];
}

function data(chunk: unknown): SseEvent {
  return { data: JSON.stringify(chunk) };
}

describe('openai-compatible stream decoder', () => {
  it('decodes an OpenAI text stream, holding the finish until the usage chunk and [DONE]', () => {
    assert.deepEqual(decodeAll(readSseFixture('openai-text.chunks.txt')), [
      { type: 'stream-start', id: 'chatcmpl-BZ2e1UAvS6lvhC7b8rj8YGNx0oVXa', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-start', id: 'text-0' },
      { type: 'text-delta', id: 'text-0', delta: 'Red' },
      { type: 'text-delta', id: 'text-0', delta: ', yellow' },
      { type: 'text-delta', id: 'text-0', delta: ' and blue — ✓.' },
      { type: 'text-end', id: 'text-0' },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'stop',
        usage: { inputTokens: 1117, outputTokens: 9, cacheReadTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  it('decodes parallel tool calls by index', () => {
    assert.deepEqual(decodeAll(readSseFixture('openai-parallel-tool-calls.chunks.txt')), [
      { type: 'stream-start', id: 'chatcmpl-BUrAb4s1iZ0QGq9uFZ5s1YkLbY3wB', model: 'gpt-4.1-2025-04-14' },
      { type: 'tool-input-start', id: 'call_XuOjDQ1hXJpQgOq3DPYHRaOY', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'call_XuOjDQ1hXJpQgOq3DPYHRaOY', delta: '{"lo' },
      { type: 'tool-input-delta', id: 'call_XuOjDQ1hXJpQgOq3DPYHRaOY', delta: 'cation":"Paris, France"}' },
      { type: 'tool-input-start', id: 'call_RSs7ctMFvPMZXuFG2kz9HE8m', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'call_RSs7ctMFvPMZXuFG2kz9HE8m', delta: '{"location":' },
      { type: 'tool-input-delta', id: 'call_RSs7ctMFvPMZXuFG2kz9HE8m', delta: '"Bogotá, Colombia"}' },
      { type: 'tool-input-end', id: 'call_XuOjDQ1hXJpQgOq3DPYHRaOY' },
      { type: 'tool-input-end', id: 'call_RSs7ctMFvPMZXuFG2kz9HE8m' },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        rawFinishReason: 'tool_calls',
        usage: { inputTokens: 71, outputTokens: 52, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  it('reads Groq usage from x_groq', () => {
    const parts = decodeAll(readSseFixture('groq-x-groq-usage.chunks.txt'));
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { inputTokens: 48, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
    assert.deepEqual(parts.slice(1, -1), [
      { type: 'text-start', id: 'text-0' },
      { type: 'text-delta', id: 'text-0', delta: 'Fast' },
      { type: 'text-delta', id: 'text-0', delta: ' inference matters.' },
      { type: 'text-end', id: 'text-0' },
    ]);
  });

  it('decodes DeepSeek reasoning_content then content, usage in the finishing chunk', () => {
    assert.deepEqual(decodeAll(readSseFixture('deepseek-reasoning.chunks.txt')), [
      { type: 'stream-start', id: 'c2b5a0f4-7d3e-4e1a-8c9b-1f2e3d4c5b6a', model: 'deepseek-reasoner' },
      { type: 'reasoning-start', id: 'reasoning-0' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: 'Compare the tenths' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: ': 1 < 8.' },
      { type: 'reasoning-end', id: 'reasoning-0' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: '9.11 is' },
      { type: 'text-delta', id: 'text-1', delta: ' smaller.' },
      { type: 'text-end', id: 'text-1' },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'stop',
        usage: { inputTokens: 17, outputTokens: 92, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 80 },
      },
    ]);
  });

  it('decodes Mistral reasoning: thinking parts as reasoning, then text as strings, usage in the finishing chunk', () => {
    assert.deepEqual(decodeAll(fixtureEvents('openai-compatible', 'mistral-reasoning.chunks.txt')), [
      { type: 'stream-start', id: '5f2c9a71d04e4b8f9c3e6a1b2d7f0e48', model: 'magistral-medium-2509' },
      { type: 'reasoning-start', id: 'reasoning-0' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: 'Okay, the user asks which is larger: 9.11 or 9.8.' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: ' Compare the tenths:\n1 < 8, so 9.8 is larger — “9.80” vs “9.11”.' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: ' Done.' },
      { type: 'reasoning-end', id: 'reasoning-0' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: '**9.8** is larger' },
      { type: 'text-delta', id: 'text-1', delta: ': 0.80 > 0.11.' },
      { type: 'text-end', id: 'text-1' },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'stop',
        usage: { inputTokens: 41, outputTokens: 86, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  it('reads a delta of content parts in order, text parts as text, and passes over parts of other types', () => {
    const parts = decodeAll([
      data({ id: 'm', choices: [{ index: 0, delta: { content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Look it up' }, { type: 'reference', reference_ids: [0] }] }] } }] }),
      data({ id: 'm', choices: [{ index: 0, delta: { content: [{ type: 'text', text: 'Paris' }, { type: 'reference', reference_ids: [1] }, { type: 'text', text: ' it is.' }] } }] }),
      data({ id: 'm', choices: [{ index: 0, delta: { content: [{ type: 'thinking', thinking: [] }, { type: 'audio', data: 'AAAA' }, { type: 'text', text: '' }] } }] }),
      data({ id: 'm', choices: [{ index: 0, delta: { content: [] }, finish_reason: 'stop' }] }),
      { data: '[DONE]' },
    ]);
    assert.deepEqual(parts.slice(1, -1), [
      { type: 'reasoning-start', id: 'reasoning-0' },
      { type: 'reasoning-delta', id: 'reasoning-0', delta: 'Look it up' },
      { type: 'reasoning-end', id: 'reasoning-0' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Paris it is.' },
      { type: 'text-end', id: 'text-1' },
    ]);
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('reports a stream cut before its finish as an error', () => {
    const parts = decodeAll(readSseFixture('cut-early.chunks.txt'));
    assert.deepEqual(parts.slice(0, -1), [
      { type: 'stream-start', id: 'chatcmpl-BZ2f9cUtEarlyXq1kq8GQdZkTz0aa', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-start', id: 'text-0' },
      { type: 'text-delta', id: 'text-0', delta: 'Once upon' },
    ]);
    const last = parts.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.kind, 'api_error');
    assert.equal(last.error.message, 'the upstream stream ended before the response was complete');
  });

  it('emits the held finish at end() when the body ends after the finish reason without [DONE]', () => {
    const events = readSseFixture('openai-text.chunks.txt').filter((event) => event.data !== '[DONE]');
    const parts = decodeAll(events);
    assert.equal(parts.at(-1)?.type, 'finish');
    assert.equal(parts.filter((part) => part.type === 'finish').length, 1);
  });

  it('turns an OpenRouter mid-stream error chunk into an error part', () => {
    const parts = decodeAll(readSseFixture('openrouter-error.chunks.txt'));
    assert.deepEqual(parts.slice(0, -1), [
      { type: 'stream-start', id: 'gen-1745000300-AbCdEfGhIjKlMnOpQrSt', model: 'meta-llama/llama-3.3-70b-instruct' },
      { type: 'text-start', id: 'text-0' },
      { type: 'text-delta', id: 'text-0', delta: 'Sure' },
    ]);
    const last = parts.at(-1);
    assert.ok(last?.type === 'error' && last.error instanceof ProxyError);
    assert.equal(last.error.kind, 'api_error');
    assert.equal(last.error.status, 502);
    assert.equal(last.error.message, 'The provider reported an error: Provider disconnected');
  });

  it('treats [DONE] without a finish reason as a clean end and tolerates tool calls without index or id', () => {
    const parts = decodeAll([
      data({ id: 'x', model: 'llama3.2', choices: [{ delta: { role: 'assistant', tool_calls: [{ function: { name: 'ls', arguments: '{"path":"."}' } }] } }] }),
      { data: '[DONE]' },
    ]);
    assert.deepEqual(parts, [
      { type: 'stream-start', id: 'x', model: 'llama3.2' },
      { type: 'tool-input-start', id: 'call_0', name: 'ls' },
      { type: 'tool-input-delta', id: 'call_0', delta: '{"path":"."}' },
      { type: 'tool-input-end', id: 'call_0' },
      { type: 'finish', finishReason: 'other', usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } },
    ]);
  });

  it('starts a new call when a server reuses index 0 with a new id', () => {
    const parts = decodeAll([
      data({ id: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{}' } }] } }] }),
      data({ id: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'b', function: { name: 'g', arguments: '{}' } }] } }] }),
      data({ id: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
    ]);
    assert.deepEqual(
      parts.map((part) => `${part.type}${'id' in part && part.type !== 'stream-start' ? `:${part.id}` : ''}`),
      ['stream-start', 'tool-input-start:a', 'tool-input-delta:a', 'tool-input-end:a', 'tool-input-start:b', 'tool-input-delta:b', 'tool-input-end:b', 'finish'],
    );
  });

  it('reports an error chunk that comes first without a stream-start, so a fallback is still possible', () => {
    const parts = decodeAll([data({ error: { message: 'Overloaded', type: 'overloaded_error' } })]);
    assert.equal(parts.length, 1);
    assert.ok(parts[0]?.type === 'error');
    assert.equal(parts[0].error.kind, 'overloaded');
  });

  it('follows only the first choice when a client asked for several', () => {
    const parts = decodeAll([
      data({ id: 'n2', choices: [{ index: 0, delta: { role: 'assistant', content: 'A' } }] }),
      data({ id: 'n2', choices: [{ index: 1, delta: { role: 'assistant', content: 'B' } }] }),
      data({ id: 'n2', choices: [{ index: 1, delta: {}, finish_reason: 'length' }] }),
      data({ id: 'n2', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      { data: '[DONE]' },
    ]);
    const response = collectResponse(parts);
    assert.deepEqual(response.content, [{ type: 'text', text: 'A' }]);
    assert.equal(response.finishReason, 'stop');
  });

  it('reports a chunk that is not JSON', () => {
    const parts = decodeAll([{ data: '{"id":' }]);
    assert.equal(parts.length, 1);
    assert.ok(parts[0]?.type === 'error');
    assert.match(parts[0].error.message, /not JSON/);
  });
});
