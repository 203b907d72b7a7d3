import assert from 'node:assert/strict';
import { APIError } from 'openai';
import { Stream } from 'openai/core/streaming';
import { ProxyError } from '../../../proxy/core/errors';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { ChatStreamEncoder } from '../../../proxy/inbound/openai-chat/encode-stream';
import { context } from './fixtures';

const usage = { inputTokens: 48, outputTokens: 12, cacheReadTokens: 32, cacheWriteTokens: 0, reasoningTokens: 4 };
const head = '{"id":"chatcmpl-sy_0123456789","object":"chat.completion.chunk","created":1747900000,"model":"gpt-4o-mini",';

function encodeAll(parts: StreamPart[], request = {}): string {
  const encoder = new ChatStreamEncoder(context(request));
  return parts.map((part) => encoder.encode(part)).join('');
}

function choiceChunk(delta: string, finishReason = 'null'): string {
  return `data: ${head}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]}\n\n`;
}

const includeUsage = { extraBody: { format: 'openai-chat' as const, fields: { stream_options: { include_usage: true } } } };

describe('openai-chat stream encoder', () => {
  it('writes reasoning and text deltas, the finish chunk and [DONE], without usage unless asked', () => {
    const text = encodeAll([
      { type: 'stream-start', id: 'msg_01XFDUDYJgAACzvnptvVoYEL', model: 'claude-sonnet-4-5' },
      { type: 'reasoning-start', id: 'r0' },
      { type: 'reasoning-delta', id: 'r0', delta: 'Think "twice"' },
      { type: 'reasoning-end', id: 'r0', signature: 'EqQBCkYIBxgCKkA' },
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'Héllo' },
      { type: 'text-delta', id: 't1', delta: '' },
      { type: 'text-delta', id: 't1', delta: ' world\n' },
      { type: 'text-end', id: 't1' },
      { type: 'finish', finishReason: 'length', usage },
    ]);
    assert.equal(
      text,
      choiceChunk('{"role":"assistant","content":""}') +
        choiceChunk('{"reasoning_content":"Think \\"twice\\""}') +
        choiceChunk('{"content":"Héllo"}') +
        choiceChunk('{"content":" world\\n"}') +
        choiceChunk('{}', '"length"') +
        'data: [DONE]\n\n',
    );
  });

  it('numbers parallel tool calls and sends the usage chunk when stream_options.include_usage was set', () => {
    const text = encodeAll(
      [
        { type: 'stream-start', id: 'chatcmpl-BUrAb4s1iZ0QGq9uFZ5s1YkLbY3wB' },
        { type: 'tool-input-start', id: 'call_A', name: 'get_weather' },
        { type: 'tool-input-delta', id: 'call_A', delta: '{"location":' },
        { type: 'tool-input-delta', id: 'call_A', delta: '"Paris"}' },
        { type: 'tool-input-end', id: 'call_A' },
        { type: 'tool-input-start', id: 'call_B', name: 'get_time' },
        { type: 'tool-input-delta', id: 'call_B', delta: '{}' },
        { type: 'tool-input-end', id: 'call_B' },
        { type: 'finish', finishReason: 'tool-calls', usage },
      ],
      includeUsage,
    );
    const providerHead = head.replace('chatcmpl-sy_0123456789', 'chatcmpl-BUrAb4s1iZ0QGq9uFZ5s1YkLbY3wB');
    const chunk = (delta: string, finishReason = 'null') =>
      `data: ${providerHead}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]}\n\n`;
    assert.equal(
      text,
      chunk('{"role":"assistant","content":""}') +
        chunk('{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]}') +
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"location\\":"}}]}') +
        chunk('{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}') +
        chunk('{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}]}') +
        chunk('{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}') +
        chunk('{}', '"tool_calls"') +
        `data: ${providerHead}"choices":[],"usage":{"prompt_tokens":48,"completion_tokens":12,"total_tokens":60,` +
        '"prompt_tokens_details":{"cached_tokens":32},"completion_tokens_details":{"reasoning_tokens":4}}}\n\n' +
        'data: [DONE]\n\n',
    );
  });

  it('opens with the role chunk even when no stream-start came first', () => {
    const text = encodeAll([
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'Hi' },
    ]);
    assert.equal(text, choiceChunk('{"role":"assistant","content":""}') + choiceChunk('{"content":"Hi"}'));
  });

  it('ends a failed stream with an error event and no [DONE], and writes nothing after it', () => {
    const encoder = new ChatStreamEncoder(context());
    const written = [
      encoder.encode({ type: 'stream-start' }),
      encoder.encode({ type: 'text-start', id: '0' }),
      encoder.encode({ type: 'text-delta', id: '0', delta: 'Once' }),
      encoder.encode({ type: 'error', error: new ProxyError('overloaded', 'anthropic: Overloaded') }),
      encoder.encode({ type: 'finish', finishReason: 'stop', usage }),
    ];
    assert.deepEqual(written, [
      choiceChunk('{"role":"assistant","content":""}'),
      '',
      choiceChunk('{"content":"Once"}'),
      'data: {"error":{"message":"anthropic: Overloaded","type":"server_error","param":null,"code":"server_overloaded"}}\n\n',
      '',
    ]);
  });

  it('is read by the openai SDK: chunks parse and an error event throws APIError', async () => {
    const encoder = new ChatStreamEncoder(context());
    const sse =
      encoder.encode({ type: 'stream-start' }) +
      encoder.encode({ type: 'text-start', id: '0' }) +
      encoder.encode({ type: 'text-delta', id: '0', delta: 'Hi' }) +
      encoder.encode({ type: 'error', error: new ProxyError('rate_limit', 'groq: Rate limit reached') });
    const stream = Stream.fromSSEResponse<{ choices: Array<{ delta: { content?: string } }> }>(
      new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
      new AbortController(),
    );
    const contents: string[] = [];
    await assert.rejects(
      async () => {
        for await (const chunk of stream) contents.push(chunk.choices[0]?.delta.content ?? '');
      },
      (error: unknown) => {
        assert.ok(error instanceof APIError);
        assert.equal(error.message, 'groq: Rate limit reached');
        assert.equal(error.code, 'rate_limit_exceeded');
        assert.equal(error.type, 'rate_limit_error');
        return true;
      },
    );
    assert.deepEqual(contents, ['', 'Hi']);
  });
});
