import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalResponse } from '../../../proxy/core/response';
import { openAiChatCodec } from '../../../proxy/inbound/openai-chat/codec';
import { encodeChatResponse } from '../../../proxy/inbound/openai-chat/encode-response';
import { context } from './fixtures';

const usage = { inputTokens: 1117, outputTokens: 46, cacheReadTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 30 };

describe('openai-chat encodeResponse', () => {
  it('encodes text with reasoning as a chat.completion, keeping a chatcmpl- provider id', () => {
    const response: CanonicalResponse = {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      model: 'gpt-4o-2024-08-06',
      content: [
        { type: 'reasoning', text: 'Primary colors: RYB.' },
        { type: 'text', text: 'Red, yellow ' },
        { type: 'text', text: 'and blue.' },
      ],
      finishReason: 'stop',
      usage,
    };
    assert.deepEqual(encodeChatResponse(response, context()), {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      object: 'chat.completion',
      created: 1747900000,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Red, yellow and blue.', reasoning_content: 'Primary colors: RYB.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 1117,
        completion_tokens: 46,
        total_tokens: 1163,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
  });

  it('encodes tool calls with null content and derives the id from the request id', () => {
    const response: CanonicalResponse = {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      content: [
        { type: 'tool-call', id: 'toolu_01A', name: 'get_weather', input: '{"location":"Paris"}' },
        { type: 'tool-call', id: 'toolu_01B', name: 'get_weather', input: '{"location":"Bogotá"}' },
      ],
      finishReason: 'tool-calls',
      usage,
    };
    const encoded = encodeChatResponse(response, context());
    assert.equal(encoded.id, 'chatcmpl-sy_0123456789');
    assert.deepEqual(encoded.choices[0], {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'toolu_01B', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Bogotá"}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('maps every canonical finish reason to one OpenAI knows', () => {
    const expected = {
      stop: 'stop',
      length: 'length',
      'tool-calls': 'tool_calls',
      'content-filter': 'content_filter',
      refusal: 'content_filter',
      pause: 'stop',
      error: 'stop',
      other: 'stop',
    } as const;
    for (const [reason, wire] of Object.entries(expected)) {
      const response: CanonicalResponse = { content: [], finishReason: reason as keyof typeof expected, usage };
      const encoded = encodeChatResponse(response, context());
      assert.equal(encoded.choices[0]?.finish_reason, wire, reason);
      assert.equal(encoded.choices[0]?.message.content, '');
    }
  });
});

describe('openai-chat encodeError', () => {
  it('encodes each error kind in OpenAI shape with the error status', () => {
    const cases: Array<[ProxyError, number, string, string | null]> = [
      [new ProxyError('invalid_request', 'bad', { param: 'messages' }), 400, 'invalid_request_error', null],
      [new ProxyError('authentication', 'no key'), 401, 'authentication_error', 'invalid_api_key'],
      [new ProxyError('permission', 'nope'), 403, 'permission_error', null],
      [new ProxyError('not_found', 'no model'), 404, 'not_found_error', null],
      [new ProxyError('request_too_large', 'big'), 413, 'invalid_request_error', 'request_too_large'],
      [new ProxyError('rate_limit', 'slow down', { status: 429 }), 429, 'rate_limit_error', 'rate_limit_exceeded'],
      [new ProxyError('api_error', 'boom', { status: 502 }), 502, 'server_error', null],
      [new ProxyError('overloaded', 'busy'), 503, 'server_error', 'server_overloaded'],
      [new ProxyError('timeout', 'late'), 504, 'timeout', 'timeout'],
    ];
    for (const [error, status, type, code] of cases) {
      assert.deepEqual(openAiChatCodec.encodeError(error), {
        status,
        body: { error: { message: error.message, type, param: error.param ?? null, code } },
      });
    }
  });
});
