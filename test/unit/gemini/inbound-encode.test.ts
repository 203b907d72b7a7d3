import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { responseToParts, type CanonicalResponse } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import type { ResponseContext } from '../../../proxy/inbound/codec';
import { geminiCodec } from '../../../proxy/inbound/gemini/codec';

const context: ResponseContext = {
  requestId: 'req_01JD5Y3K8Q',
  model: 'claude-sonnet-4-5',
  created: 1_745_000_000,
  request: { model: 'claude-sonnet-4-5', messages: [], stream: true },
};

const usage = { inputTokens: 2048, outputTokens: 171, cacheReadTokens: 1536, cacheWriteTokens: 0, reasoningTokens: 140 };

describe('Gemini inbound encoders', () => {
  it('encode a response with thoughts, text and a function call', () => {
    const response: CanonicalResponse = {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'reasoning', text: 'Need the docs.', signature: 'EqQBCkYIBxgCanthropic' },
        { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3va3pzix' },
        { type: 'text', text: 'Let me look that up.' },
        { type: 'tool-call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'search_docs', input: '{"query":"signatures"}' },
      ],
      finishReason: 'tool-calls',
      rawFinishReason: 'tool_use',
      usage,
    };
    assert.deepEqual(geminiCodec.encodeResponse(response, context), {
      candidates: [
        {
          content: {
            parts: [
              { text: 'Need the docs.', thought: true, thoughtSignature: 'switchyard.anthropic.signature:EqQBCkYIBxgCanthropic' },
              { text: '', thought: true, thoughtSignature: 'switchyard.anthropic.redacted:EmwKAhgBEgy3va3pzix' },
              { text: 'Let me look that up.' },
              { functionCall: { id: 'toolu_01A09q90qw90lq917835lq9', name: 'search_docs', args: { query: 'signatures' } } },
            ],
            role: 'model',
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 2048,
        candidatesTokenCount: 31,
        totalTokenCount: 2219,
        cachedContentTokenCount: 1536,
        thoughtsTokenCount: 140,
      },
      modelVersion: 'claude-sonnet-4-5',
      responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    });
  });

  it('carry Anthropic thinking through a Gemini client’s history and back', () => {
    const response: CanonicalResponse = {
      content: [
        { type: 'reasoning', text: 'Need the docs.', signature: 'EqQBCkYIBxgCanthropic' },
        { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3va3pzix' },
        { type: 'tool-call', id: 'toolu_01', name: 'search_docs', input: '{"query":"signatures"}' },
      ],
      finishReason: 'tool-calls',
      usage,
    };
    const body = geminiCodec.encodeResponse(response, context) as { candidates: Array<{ content: unknown }> };
    // The client sends the model turn back, streamed or not, with the answer to the call.
    const streamedTurn = responseToParts(response);
    const encoder = geminiCodec.createStreamEncoder(context);
    const chunks = [...streamedTurn]
      .map((part) => encoder.encode(part))
      .filter((text) => text !== '')
      .map((text) => (JSON.parse(text.slice('data: '.length)) as { candidates: Array<{ content: unknown }> }).candidates[0]?.content);
    for (const turn of [[body.candidates[0]?.content], chunks]) {
      const request = geminiCodec.decodeRequest({
        contents: [
          { role: 'user', parts: [{ text: 'Find the docs.' }] },
          ...turn,
          { role: 'user', parts: [{ functionResponse: { id: 'toolu_01', name: 'search_docs', response: { output: 'found' } } }] },
        ],
      });
      assert.deepEqual(request.messages[1], {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Need the docs.', signature: 'EqQBCkYIBxgCanthropic' },
          { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3va3pzix' },
          { type: 'tool-call', id: 'toolu_01', name: 'search_docs', input: '{"query":"signatures"}' },
        ],
      });
    }
  });

  it('keep Gemini signatures and finish reasons, and leave out empty parts', () => {
    const response: CanonicalResponse = {
      content: [
        { type: 'tool-call', id: 'call_0', name: 'ls', input: '', providerOptions: { gemini: { thoughtSignature: 'SIG' } } },
      ],
      finishReason: 'content-filter',
      rawFinishReason: 'RECITATION',
      usage: { inputTokens: 5, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    };
    const body = geminiCodec.encodeResponse(response, context) as { candidates: unknown[]; responseId: string };
    assert.deepEqual(body.candidates, [
      {
        content: { parts: [{ functionCall: { id: 'call_0', name: 'ls', args: {} }, thoughtSignature: 'SIG' }], role: 'model' },
        finishReason: 'RECITATION',
        index: 0,
      },
    ]);
    assert.equal(body.responseId, 'req_01JD5Y3K8Q');
    const empty = geminiCodec.encodeResponse({ ...response, content: [], finishReason: 'length', rawFinishReason: 'max_tokens' }, context) as {
      candidates: unknown[];
    };
    assert.deepEqual(empty.candidates, [{ content: { role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 }]);
  });

  it('stream one CRLF-framed event per delta and per function call, finishing on a non-empty part', () => {
    const encoder = geminiCodec.createStreamEncoder(context);
    const parts: StreamPart[] = [
      { type: 'stream-start', id: 'resp_9', model: 'gemini-2.5-flash' },
      { type: 'reasoning-start', id: '0' },
      { type: 'reasoning-delta', id: '0', delta: 'Thinking.' },
      { type: 'reasoning-end', id: '0', providerOptions: { gemini: { thoughtSignature: 'T1' } } },
      { type: 'text-start', id: '1' },
      { type: 'text-delta', id: '1', delta: 'Hel' },
      { type: 'text-delta', id: '1', delta: '' },
      { type: 'text-delta', id: '1', delta: 'lo "you"' },
      { type: 'text-end', id: '1' },
      { type: 'tool-input-start', id: 'call_7', name: 'get_weather', providerOptions: { gemini: { thoughtSignature: 'T2' } } },
      { type: 'tool-input-delta', id: 'call_7', delta: '{"city":' },
      { type: 'tool-input-delta', id: 'call_7', delta: '"Paris"}' },
      { type: 'tool-input-end', id: 'call_7' },
      { type: 'finish', finishReason: 'tool-calls', usage },
    ];
    const tail = ',"modelVersion":"claude-sonnet-4-5","responseId":"resp_9"}\r\n\r\n';
    const event = (parts: unknown[]) => `data: {"candidates":[{"content":{"parts":${JSON.stringify(parts)},"role":"model"},"index":0}]${tail}`;
    assert.deepEqual(
      parts.map((part) => encoder.encode(part)),
      [
        '',
        '',
        event([{ text: 'Thinking.', thought: true }]),
        event([{ text: '', thought: true, thoughtSignature: 'T1' }]),
        '',
        event([{ text: 'Hel' }]),
        '',
        event([{ text: 'lo "you"' }]),
        '',
        '',
        '',
        '',
        event([{ functionCall: { id: 'call_7', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'T2' }]),
        'data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],' +
          '"usageMetadata":{"promptTokenCount":2048,"candidatesTokenCount":31,"totalTokenCount":2219,"cachedContentTokenCount":1536,"thoughtsTokenCount":140}' +
          tail,
      ],
    );
  });

  it('stream an error as a data event with Google’s error envelope', () => {
    const encoder = geminiCodec.createStreamEncoder(context);
    const error = new ProxyError('rate_limit', 'anthropic: Number of request tokens has exceeded your per-minute rate limit', {
      retryAfterSeconds: 20,
    });
    assert.equal(
      encoder.encode({ type: 'error', error }),
      'data: {"error":{"code":429,"message":"anthropic: Number of request tokens has exceeded your per-minute rate limit","status":"RESOURCE_EXHAUSTED",' +
        '"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"20s"}]}}\r\n\r\n',
    );
  });

  it('encode errors with Google’s status names and codes', () => {
    assert.deepEqual(geminiCodec.encodeError(new ProxyError('authentication', 'Switchyard needs a key.')), {
      status: 401,
      body: { error: { code: 401, message: 'Switchyard needs a key.', status: 'UNAUTHENTICATED' } },
    });
    assert.deepEqual(geminiCodec.encodeError(new ProxyError('overloaded', 'anthropic: Overloaded')), {
      status: 503,
      body: { error: { code: 503, message: 'anthropic: Overloaded', status: 'UNAVAILABLE' } },
    });
    assert.deepEqual(geminiCodec.encodeError(new ProxyError('invalid_request', '`contents` must be an array.', { param: 'contents' })), {
      status: 400,
      body: { error: { code: 400, message: '`contents` must be an array.', status: 'INVALID_ARGUMENT' } },
    });
  });
});
