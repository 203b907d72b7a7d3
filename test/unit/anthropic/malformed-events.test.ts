import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { anthropicAdapter } from '../../../proxy/providers/anthropic-messages/adapter';
import type { SseEvent } from '../../../proxy/sse/sse-parser';
import { decodeAll, fixtureEvents, fixtureJson, fuzzResponseDecoder, fuzzStreamDecoder, malformedPart } from '../providers/wire-fuzz';

const start: SseEvent = { event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 3 } } }) };
const blockStart: SseEvent = { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) };

function event(data: Record<string, unknown>): SseEvent {
  return { event: String(data.type), data: JSON.stringify(data) };
}

/** Each event kind the decoder reads, malformed, with the message it must give. */
const malformedCases: Array<{ name: string; events: SseEvent[]; message: string }> = [
  { name: 'message_start without message', events: [event({ type: 'message_start' })], message: 'gateway sent a malformed message_start event (no message).' },
  {
    name: 'message_start with a usage count that is text',
    events: [event({ type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: '3' } } })],
    message: 'gateway sent a malformed message_start event (message.usage.input_tokens is not a number).',
  },
  { name: 'content_block_start without index', events: [start, event({ type: 'content_block_start', content_block: { type: 'text' } })], message: 'gateway sent a malformed content_block_start event (no index).' },
  { name: 'content_block_start without block', events: [start, event({ type: 'content_block_start', index: 0 })], message: 'gateway sent a malformed content_block_start event (no content_block).' },
  {
    name: 'content_block_start of a tool_use without name',
    events: [start, event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1' } })],
    message: 'gateway sent a malformed content_block_start event (content_block (tool_use) has no name).',
  },
  { name: 'content_block_delta without delta', events: [start, blockStart, event({ type: 'content_block_delta', index: 0 })], message: 'gateway sent a malformed content_block_delta event (no delta).' },
  { name: 'content_block_delta with a negative index', events: [start, blockStart, event({ type: 'content_block_delta', index: -1, delta: { type: 'text_delta', text: 'a' } })], message: 'gateway sent a malformed content_block_delta event (no index).' },
  { name: 'content_block_stop with a text index', events: [start, blockStart, event({ type: 'content_block_stop', index: '0' })], message: 'gateway sent a malformed content_block_stop event (no index).' },
  { name: 'message_delta without delta', events: [start, event({ type: 'message_delta', usage: { output_tokens: 1 } })], message: 'gateway sent a malformed message_delta event (no delta).' },
  {
    name: 'message_delta with usage that is not an object',
    events: [start, event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: 12 })],
    message: 'gateway sent a malformed message_delta event (usage is not an object).',
  },
  { name: 'error without error', events: [start, event({ type: 'error' })], message: 'gateway sent a malformed error event (no error).' },
  { name: 'data that is a list', events: [start, { event: 'content_block_start', data: '[1,2]' }], message: 'gateway sent a malformed content_block_start event (not a JSON object).' },
  { name: 'data without type', events: [start, { event: 'message_delta', data: '{"delta":{}}' }], message: 'gateway sent a malformed message_delta event (no type).' },
  { name: 'data that is not JSON', events: [start, { event: 'message_stop', data: '{"type":' }], message: 'gateway sent a malformed message_stop event (not JSON).' },
];

describe('anthropic decoders and malformed wire', () => {
  for (const { name, events, message } of malformedCases) {
    it(`turns ${name} into an error part naming the provider and the event`, () => {
      const parts = decodeAll(anthropicAdapter.createStreamDecoder('gateway'), events);
      const error = malformedPart(parts);
      assert.equal(error.message, message);
      assert.equal(error.provider, 'gateway');
      assert.equal(parts.filter((part) => part.type === 'error').length, 1, 'the stream ends at the first error');
    });
  }

  it('still skips event types it does not read', () => {
    const parts = decodeAll(anthropicAdapter.createStreamDecoder(), [start, event({ type: 'future_event', anything: 1 }), event({ type: 'message_stop' })]);
    assert.deepEqual(parts.map((part) => part.type), ['stream-start', 'finish']);
  });

  it('throws a malformed ProxyError naming the provider for a message it cannot read', () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'error' }, 'gateway sent a malformed message (no message.content list).'],
      [{ content: [{ type: 'tool_use', name: 'read' }] }, 'gateway sent a malformed message (message.content[0] (tool_use) has no id).'],
      [{ content: ['hi'] }, 'gateway sent a malformed message (message.content[0] is not an object).'],
      [{ content: [], usage: { output_tokens: null, input_tokens: {} } }, 'gateway sent a malformed message (message.usage.input_tokens is not a number).'],
      [{ content: [], stop_reason: 3 }, 'gateway sent a malformed message (message.stop_reason is not a string).'],
    ];
    for (const [body, message] of cases) {
      assert.throws(
        () => anthropicAdapter.decodeResponse(body, 'gateway'),
        (error: unknown) => error instanceof ProxyError && error.malformed === true && error.status === 502 && error.provider === 'gateway' && error.message === message,
        message,
      );
    }
  });

  it('never throws on a few hundred structurally mutated streams', () => {
    for (const [index, fixture] of ['thinking.chunks.txt', 'parallel-tool-use.chunks.txt', 'web-search.chunks.txt'].entries()) {
      fuzzStreamDecoder(() => anthropicAdapter.createStreamDecoder('gateway'), fixtureEvents('anthropic', fixture), 150, 1000 + index);
    }
  });

  it('throws nothing but ProxyError on a few hundred structurally mutated messages', () => {
    fuzzResponseDecoder((body) => anthropicAdapter.decodeResponse(body, 'gateway'), fixtureJson('anthropic', 'message.json'), 400, 7);
  });
});
