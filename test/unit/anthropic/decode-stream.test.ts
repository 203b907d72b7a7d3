import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectResponse } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { anthropicAdapter } from '../../../proxy/providers/anthropic-messages/adapter';
import { SseParser } from '../../../proxy/sse/sse-parser';
import { anthropicEvents } from '../../fakes/anthropic-replies';

const fixtures = join(__dirname, '../../fixtures/anthropic');

/** Feeds SSE bytes through the parser and decoder in chunks of `chunkSize` bytes, then ends the stream. */
function decodeBytes(bytes: Buffer, chunkSize = 37): StreamPart[] {
  const parser = new SseParser();
  const decoder = anthropicAdapter.createStreamDecoder();
  const parts: StreamPart[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) {
    for (const event of parser.push(bytes.subarray(start, start + chunkSize))) parts.push(...decoder.decode(event));
  }
  for (const event of parser.end()) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}

function decodeFixture(name: string, chunkSize?: number): StreamPart[] {
  return decodeBytes(readFileSync(join(fixtures, name)), chunkSize);
}

describe('anthropic stream decoder', () => {
  it('decodes a text stream with cache usage', () => {
    assert.deepEqual(decodeFixture('text.chunks.txt'), [
      { type: 'stream-start', id: 'msg_01HvBh4ZNTvBvYbLhqaYFkzF', model: 'claude-sonnet-4-5-20250929' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'The build fails because ' },
      { type: 'text-delta', id: '0', delta: '`bar` no longer exports `baz` — ' },
      { type: 'text-delta', id: '0', delta: 'it was renamed to `qux` in 2.0.' },
      { type: 'text-end', id: '0' },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'end_turn',
        // inputTokens is the whole prompt: 12 uncached + 2048 written + 14512 read.
        usage: { inputTokens: 16572, outputTokens: 27, cacheReadTokens: 14512, cacheWriteTokens: 2048, reasoningTokens: 0 },
      },
    ]);
  });

  it('gives the same parts however the bytes are split, even inside UTF-8 sequences', () => {
    const whole = decodeFixture('thinking.chunks.txt', 1 << 20);
    for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(decodeFixture('thinking.chunks.txt', size), whole);
  });

  it('holds the thinking signature until reasoning-end and decodes redacted thinking', () => {
    const signature =
      'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds0JGlRrfDnUh5Ihd4SWbcBpVBX1WPtM+ey+2E0Jd3M9E7XGwZIxoCz7rEIRy/yoQyYBUPZZ0v2TzaVk=';
    assert.deepEqual(decodeFixture('thinking.chunks.txt'), [
      { type: 'stream-start', id: 'msg_01Q7b5qDkVZ3AaqWqf2ej1Zy', model: 'claude-opus-4-1-20250805' },
      { type: 'reasoning-start', id: '0' },
      { type: 'reasoning-delta', id: '0', delta: '27 * 453: 27 * 400 = 10800, ' },
      { type: 'reasoning-delta', id: '0', delta: '27 * 53 = 1431, total 12231.' },
      { type: 'reasoning-end', id: '0', signature },
      { type: 'reasoning-start', id: '1', redactedData: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
      { type: 'reasoning-end', id: '1' },
      { type: 'text-start', id: '2' },
      { type: 'text-delta', id: '2', delta: '27 × 453 = **12,231**' },
      { type: 'text-end', id: '2' },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'end_turn',
        usage: { inputTokens: 48, outputTokens: 96, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 71 },
      },
    ]);
  });

  it('decodes parallel tool calls keyed by their tool_use ids', () => {
    const parts = decodeFixture('parallel-tool-use.chunks.txt');
    assert.deepEqual(parts.slice(4), [
      { type: 'tool-input-start', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', delta: '{"city": "Pa' },
      { type: 'tool-input-delta', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', delta: 'ris"}' },
      { type: 'tool-input-end', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' },
      { type: 'tool-input-start', id: 'toolu_01EB8ZnpbM4XkVbD8Mq5Zoxq', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'toolu_01EB8ZnpbM4XkVbD8Mq5Zoxq', delta: '{"city": "Lyon"}' },
      { type: 'tool-input-end', id: 'toolu_01EB8ZnpbM4XkVbD8Mq5Zoxq' },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        rawFinishReason: 'tool_use',
        usage: { inputTokens: 472, outputTokens: 89, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
    assert.deepEqual(collectResponse(parts).content, [
      { type: 'text', text: "I'll check both cities." },
      { type: 'tool-call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: '{"city": "Paris"}' },
      { type: 'tool-call', id: 'toolu_01EB8ZnpbM4XkVbD8Mq5Zoxq', name: 'get_weather', input: '{"city": "Lyon"}' },
    ]);
  });

  it('turns an overloaded_error event mid-stream into an error part and nothing after it', () => {
    const parts = decodeFixture('overloaded.chunks.txt');
    assert.equal(parts.length, 4);
    assert.deepEqual(parts.slice(0, 3), [
      { type: 'stream-start', id: 'msg_01Bq5Y9sVTQf3xQ4UoLkN7mE', model: 'claude-sonnet-4-5-20250929' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'Here is the first' },
    ]);
    const last = parts[3]!;
    assert.equal(last.type, 'error');
    assert.equal(last.error.kind, 'overloaded');
    assert.equal(last.error.status, 529);
    assert.equal(last.error.message, 'anthropic: Overloaded');
  });

  it('reports a stream cut before message_stop as an error', () => {
    const parts = decodeFixture('cut.chunks.txt');
    assert.deepEqual(parts.slice(0, 3), [
      { type: 'stream-start', id: 'msg_01JxPzM1tY8W3eG7mVb2rQ5d', model: 'claude-haiku-4-5-20251001' },
      { type: 'tool-input-start', id: 'toolu_01Xb3LwN4dGcY8kVfQ2rT6mZ', name: 'Write' },
      { type: 'tool-input-delta', id: 'toolu_01Xb3LwN4dGcY8kVfQ2rT6mZ', delta: '{"file_path": "/repo/notes.md", "cont' },
    ]);
    const last = parts[3]!;
    assert.equal(parts.length, 4);
    assert.equal(last.type, 'error');
    assert.equal(last.error.kind, 'api_error');
    assert.equal(last.error.status, 502);
    assert.match(last.error.message, /^anthropic: the stream ended before message_stop/);
  });

  it('keeps server tool blocks whole and text citations', () => {
    const parts = decodeFixture('web-search.chunks.txt');
    const response = collectResponse(parts);
    assert.deepEqual(response.content, [
      {
        type: 'text',
        text: '',
        providerOptions: {
          anthropic: { block: { type: 'server_tool_use', id: 'srvtoolu_014hJH82Qum7Td6UV8gDXThB', name: 'web_search', input: { query: 'weather NYC today' } } },
        },
      },
      {
        type: 'text',
        text: '',
        providerOptions: {
          anthropic: {
            block: {
              type: 'web_search_tool_result',
              tool_use_id: 'srvtoolu_014hJH82Qum7Td6UV8gDXThB',
              content: [
                {
                  type: 'web_search_result',
                  title: 'Weather in New York City',
                  url: 'https://weather.example.com/nyc',
                  encrypted_content: 'Ev0DCioIAxgCIiQ3NmU4ZmI4OC1k',
                  page_age: null,
                },
              ],
            },
          },
        },
      },
      {
        type: 'text',
        text: 'It is sunny in New York, with a high of 75°F.',
        providerOptions: {
          anthropic: {
            citations: [
              {
                type: 'web_search_result_location',
                cited_text: 'Sunny, high of 75°F',
                url: 'https://weather.example.com/nyc',
                title: 'Weather in New York City',
                encrypted_index: 'Eo8BCioIAhgBIiQyYjQ0OWJmZi1l',
              },
            ],
          },
        },
      },
    ]);
    // message_delta repeats the input counts; the later, larger ones win.
    assert.equal(response.usage.inputTokens, 10682);
    assert.equal(response.usage.outputTokens, 510);
  });

  it('decodes what the fake upstream sends', () => {
    const events = anthropicEvents({
      model: 'claude-sonnet-4-5',
      thinking: { text: 'Paris, then.', signature: 'EqQBfake' },
      text: 'Checking the weather in Paris.',
      toolUses: [{ id: 'toolu_weather_1', name: 'get_weather', input: { city: 'Paris' } }],
      usage: { input: 100, output: 30, cacheRead: 20 },
    });
    const response = collectResponse(decodeBytes(Buffer.from(events.join(''))));
    assert.deepEqual(response, {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'reasoning', text: 'Paris, then.', signature: 'EqQBfake' },
        { type: 'text', text: 'Checking the weather in Paris.' },
        { type: 'tool-call', id: 'toolu_weather_1', name: 'get_weather', input: '{"city":"Paris"}' },
      ],
      finishReason: 'tool-calls',
      rawFinishReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 20, cacheWriteTokens: 0, reasoningTokens: 0 },
    });
  });
});
