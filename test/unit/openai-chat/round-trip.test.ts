import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { collectResponse, responseToParts } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { openAiChatCodec } from '../../../proxy/inbound/openai-chat/codec';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { SseParser } from '../../../proxy/sse/sse-parser';
import { chatCompletionChunks, chatCompletionJson, openAiErrorJson } from '../../fakes/openai-chat-replies';
import { context } from './fixtures';

const includeUsage = { extraBody: { format: 'openai-chat' as const, fields: { stream_options: { include_usage: true } } } };

/** Encodes parts as a client would receive them, then decodes that SSE as if it came from a provider. */
function throughTheWire(parts: StreamPart[]): StreamPart[] {
  const encoder = openAiChatCodec.createStreamEncoder(context(includeUsage));
  const sse = parts.map((part) => encoder.encode(part)).join('');
  const parser = new SseParser();
  const decoder = openAiChatAdapter.createStreamDecoder();
  // Feed byte by byte so chunk boundaries fall everywhere, inside UTF-8 sequences too.
  const bytes = Buffer.from(sse);
  const decoded: StreamPart[] = [];
  for (let index = 0; index < bytes.length; index++) {
    for (const event of parser.push(bytes.subarray(index, index + 1))) decoded.push(...decoder.decode(event));
  }
  for (const event of parser.end()) decoded.push(...decoder.decode(event));
  decoded.push(...decoder.end());
  return decoded;
}

describe('openai-chat round trip: stream encoder → stream decoder', () => {
  it('gives back the same text, reasoning, tool calls, finish reason and usage', () => {
    const parts: StreamPart[] = [
      { type: 'stream-start', id: 'chatcmpl-roundtrip', model: 'gpt-4o' },
      { type: 'reasoning-start', id: 'r' },
      { type: 'reasoning-delta', id: 'r', delta: 'The user wants ' },
      { type: 'reasoning-delta', id: 'r', delta: 'weather — ☀️.' },
      { type: 'reasoning-end', id: 'r' },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Checking "both" cities…\n' },
      { type: 'text-end', id: 't' },
      { type: 'tool-input-start', id: 'call_1', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"location":"Par' },
      { type: 'tool-input-delta', id: 'call_1', delta: 'is"}' },
      { type: 'tool-input-end', id: 'call_1' },
      { type: 'tool-input-start', id: 'call_2', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'call_2', delta: '{"location":"Bogotá"}' },
      { type: 'tool-input-end', id: 'call_2' },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 900, outputTokens: 120, cacheReadTokens: 512, cacheWriteTokens: 0, reasoningTokens: 64 },
      },
    ];
    const decoded = throughTheWire(parts);
    const expected = collectResponse(parts);
    const actual = collectResponse(decoded);
    assert.deepEqual(actual.content, expected.content);
    assert.equal(actual.finishReason, expected.finishReason);
    assert.deepEqual(actual.usage, expected.usage);
    assert.equal(actual.id, 'chatcmpl-roundtrip');
    assert.equal(actual.model, 'gpt-4o-mini');
  });

  it('carries an error through as an error', () => {
    const decoded = throughTheWire([
      { type: 'stream-start' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'partial' },
      { type: 'error', error: new ProxyError('rate_limit', 'slow down') },
    ]);
    const last = decoded.at(-1);
    assert.ok(last?.type === 'error');
    assert.equal(last.error.kind, 'rate_limit');
    assert.equal(last.error.message, 'The provider reported an error: slow down');
  });
});

describe('fake Chat Completions replies', () => {
  const options = {
    model: 'gpt-4o-mini-2024-07-18',
    reasoning: 'Think about the city.',
    text: 'Let me check the weather in Paris — ☀️ maybe.',
    toolCalls: [
      { id: 'call_Paris', name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
      { id: 'call_Rome', name: 'get_weather', arguments: '{"location":"Rome, Italy"}' },
    ],
    usage: { prompt: 120, completion: 40, cached: 64, reasoning: 12 },
  };

  it('streams the same answer as the JSON reply, split over several deltas', () => {
    const chunks = chatCompletionChunks(options);
    assert.equal(chunks.at(-1), 'data: [DONE]\n\n');
    assert.ok(chunks.every((chunk) => chunk.startsWith('data: ') && chunk.endsWith('\n\n')));
    const decoder = openAiChatAdapter.createStreamDecoder();
    const parser = new SseParser();
    const parts = chunks.flatMap((chunk) => parser.push(Buffer.from(chunk)).flatMap((event) => decoder.decode(event)));
    parts.push(...decoder.end());
    assert.ok(parts.filter((part) => part.type === 'text-delta').length > 2);
    assert.ok(parts.filter((part) => part.type === 'tool-input-delta').length > 4);

    const streamed = collectResponse(parts);
    const whole = openAiChatAdapter.decodeResponse(chatCompletionJson(options));
    assert.deepEqual(streamed, whole);
    assert.equal(whole.finishReason, 'tool-calls');
    assert.deepEqual(whole.usage, { inputTokens: 120, outputTokens: 40, cacheReadTokens: 64, cacheWriteTokens: 0, reasoningTokens: 12 });
    assert.deepEqual(collectResponse(responseToParts(whole)).content, whole.content);
  });

  it('puts the role in the first tool call chunk when there is no text', () => {
    const chunks = chatCompletionChunks({ model: 'gpt-4.1', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }] });
    const first = JSON.parse(chunks[0]!.slice('data: '.length));
    assert.deepEqual(first.choices[0].delta, {
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }],
      refusal: null,
    });
  });

  it('builds an OpenAI error body the adapter decodes', () => {
    const body = JSON.stringify(openAiErrorJson('Rate limit reached for gpt-4o', 'requests', 'rate_limit_exceeded'));
    const error = openAiChatAdapter.decodeError(429, body, 'openai');
    assert.equal(error.kind, 'rate_limit');
    assert.equal(error.message, 'openai: Rate limit reached for gpt-4o');
  });
});
