import assert from 'node:assert/strict';
import { answerText, requestMessages, splitPlaceholders } from '../../../webview/content-text';
import type { CallContent } from '../../../webview/protocol';

const kept = (format: CallContent['format'], request: unknown): CallContent => ({ requestId: 'req_1', time: 0, format, endpoint: '/', requestedModel: 'm', stream: false, request: request as CallContent['request'] });

describe('content text (the panel’s Content section)', () => {
  it('reads messages, tool calls and tool results of every client format', () => {
    assert.deepEqual(
      requestMessages(kept('openai-chat', { messages: [{ role: 'system', content: 'be brief' }, { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', content: 'ok' }] })),
      [{ role: 'system', text: 'be brief' }, { role: 'assistant', text: 'f({})' }, { role: 'tool', text: 'ok' }],
    );
    assert.deepEqual(
      requestMessages(kept('anthropic-messages', { system: [{ type: 'text', text: 'sys' }], messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'r' }, { type: 'image', source: {} }] }] })),
      [{ role: 'system', text: 'sys' }, { role: 'user', text: 'r\n[image]' }],
    );
    assert.deepEqual(requestMessages(kept('openai-responses', { instructions: 'i', input: 'hello' })), [{ role: 'system', text: 'i' }, { role: 'user', text: 'hello' }]);
    assert.deepEqual(requestMessages(kept('gemini', { contents: [{ role: 'model', parts: [{ functionCall: { name: 'g', args: { a: 1 } } }] }] })), [{ role: 'model', text: 'g({"a":1})' }]);
  });

  it('marks placeholders apart from the text around them', () => {
    assert.deepEqual(splitPlaceholders('mail <EMAIL_1> and <AWS_KEY_12>.'), [
      { text: 'mail ', placeholder: false },
      { text: '<EMAIL_1>', placeholder: true },
      { text: ' and ', placeholder: false },
      { text: '<AWS_KEY_12>', placeholder: true },
      { text: '.', placeholder: false },
    ]);
    assert.equal(answerText({ content: [{ type: 'text', text: 'hi' }, { type: 'tool-call', id: 'c', name: 'f', input: '{}' }], finishReason: 'stop', usage: {} as never }), 'hi\nf({})');
  });
});
