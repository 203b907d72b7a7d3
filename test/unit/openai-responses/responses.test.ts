import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ProxyError } from '../../../proxy/core/errors';
import { collectResponse, type CanonicalResponse } from '../../../proxy/core/response';
import type { ResponseContext } from '../../../proxy/inbound/codec';
import { openAiResponsesCodec } from '../../../proxy/inbound/openai-responses/codec';
import { decodeResponsesRequest } from '../../../proxy/inbound/openai-responses/decode-request';
import { openAiResponsesAdapter } from '../../../proxy/providers/openai-responses/adapter';
import { mapResponsesFinishReason } from '../../../proxy/providers/openai-responses/map-finish-reason';
import { responsesErrorJson, responsesJson } from '../../fakes/openai-responses-replies';
import { decodeEvents, jsonFixture, sseFixture } from './fixtures';

function context(body: Record<string, unknown>): ResponseContext {
  return { requestId: 'req_42', model: String(body.model), created: 1757540000, request: decodeResponsesRequest(body) };
}

describe('openai-responses responses', () => {
  it('decodes a response object into the same content the stream gives', () => {
    const body = jsonFixture('response-reasoning-tool.json');
    const decoded = openAiResponsesAdapter.decodeResponse(body);
    const streamed = collectResponse(decodeEvents(sseFixture('stream-reasoning-tool.chunks.txt')));
    assert.deepEqual(decoded, streamed);
    assert.deepEqual(
      decoded.content.map((part) => part.type),
      ['reasoning', 'text', 'tool-call'],
    );
    assert.equal(decoded.content[0].type === 'reasoning' && decoded.content[0].text, [
      "**Re-running the tests**\n\nThe patch is in; I'll run the SSE parser tests again.",
      '**Checking the CRLF case**\n\nIf the split CRLF test passes, the fix holds.',
    ].join('\n\n'));
    assert.equal(decoded.finishReason, 'tool-calls');
  });

  it('encodes an OpenAI response back to the response object it came from', () => {
    const body = jsonFixture('response-reasoning-tool.json');
    const encoded = openAiResponsesCodec.encodeResponse(
      openAiResponsesAdapter.decodeResponse(body),
      context({ model: 'gpt-5-codex', input: 'Run the tests again.', parallel_tool_calls: false, reasoning: { effort: 'medium', summary: 'auto' }, store: false, prompt_cache_key: '0199a4f2-6b1e-7c53-9d8a-3e5f7a9b1c2d' }),
    ) as Record<string, unknown>;
    assert.deepEqual(encoded.output, body.output);
    assert.deepEqual(encoded.usage, body.usage);
    assert.equal(encoded.id, body.id);
    assert.equal(encoded.status, 'completed');
    assert.equal(encoded.prompt_cache_key, '0199a4f2-6b1e-7c53-9d8a-3e5f7a9b1c2d');
    assert.equal('output_text' in encoded, false, 'output_text is computed by the SDKs, not sent');
  });

  it('encodes another provider’s answer with derived ids and lets the SDK compute output_text', async () => {
    const response: CanonicalResponse = {
      id: 'msg_01Anthropic',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'text', text: '' },
        { type: 'text', text: 'Bonjour.' },
        { type: 'text', text: '', providerOptions: { openai: { item: { id: 'ws_1', type: 'web_search_call', status: 'completed' } } } },
      ],
      finishReason: 'length',
      usage: { inputTokens: 10, outputTokens: 3, cacheReadTokens: 4, cacheWriteTokens: 2, reasoningTokens: 0 },
    };
    const encoded = openAiResponsesCodec.encodeResponse(
      response,
      context({ model: 'smart', instructions: 'Answer in French.', input: 'Hello', max_output_tokens: 3, metadata: { run: '1' } }),
    );
    assert.deepEqual(encoded, {
      id: 'resp_req42',
      object: 'response',
      created_at: 1757540000,
      status: 'incomplete',
      error: null,
      incomplete_details: { reason: 'max_output_tokens' },
      output: [
        {
          id: 'msg_req42_0',
          type: 'message',
          status: 'completed',
          content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Bonjour.' }],
          role: 'assistant',
        },
        { id: 'ws_1', type: 'web_search_call', status: 'completed' },
      ],
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 3,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 13,
      },
      background: false,
      instructions: 'Answer in French.',
      max_output_tokens: 3,
      model: 'smart',
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: true,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_p: 1,
      truncation: 'disabled',
      metadata: { run: '1' },
    });

    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9/v1',
      maxRetries: 0,
      fetch: async () => Response.json(encoded),
    });
    const parsed = await client.responses.create({ model: 'smart', input: 'Hello' });
    assert.equal(parsed.output_text, 'Bonjour.');
  });

  it('seals another provider’s reasoning signature so the client can send it back', () => {
    const response: CanonicalResponse = {
      content: [
        { type: 'reasoning', text: 'Let me think.', signature: 'EqQBCkgIARAB' },
        { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3' },
        { type: 'tool-call', id: 'toolu_01', name: 'get_weather', input: '{"city":"Paris"}' },
      ],
      finishReason: 'tool-calls',
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    };
    const encoded = openAiResponsesCodec.encodeResponse(response, context({ model: 'claude', input: 'Weather?' })) as {
      output: Array<Record<string, unknown>>;
    };
    const [thinking, redacted, call] = encoded.output;
    assert.deepEqual(call, {
      id: 'fc_req42_2',
      type: 'function_call',
      status: 'completed',
      arguments: '{"city":"Paris"}',
      call_id: 'toolu_01',
      name: 'get_weather',
    });
    // The client resends the items as input; the signature comes back out.
    const next = decodeResponsesRequest({ model: 'claude', input: [thinking, redacted, call] });
    assert.deepEqual(next.messages[0].content.slice(0, 2), [
      {
        type: 'reasoning',
        text: 'Let me think.',
        signature: 'EqQBCkgIARAB',
        providerOptions: { openai: { itemId: 'rs_req42_0', summary: [{ type: 'summary_text', text: 'Let me think.' }] } },
      },
      { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3', providerOptions: { openai: { itemId: 'rs_req42_1', summary: [] } } },
    ]);
  });

  it('throws the error of a failed response object', () => {
    assert.throws(
      () => openAiResponsesAdapter.decodeResponse({ id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'The server had an error.' } }),
      (error: unknown) => error instanceof ProxyError && error.kind === 'api_error' && error.message === 'The server had an error.',
    );
  });

  it('decodes the fake upstream JSON reply', () => {
    const decoded = openAiResponsesAdapter.decodeResponse(
      responsesJson({ model: 'gpt-5-codex', text: 'It is sunny.', status: 'incomplete', usage: { input: 120, output: 30, cached: 20 } }),
    );
    assert.deepEqual(decoded.content, [
      { type: 'text', text: 'It is sunny.', providerOptions: { openai: { itemId: 'msg_68c1f0a5d7f28190c4e6a8b0d2f4a6c81a3c5e7f9b2d4c6a' } } },
    ]);
    assert.equal(decoded.finishReason, 'length');
    assert.deepEqual(decoded.usage, { inputTokens: 120, outputTokens: 30, cacheReadTokens: 20, cacheWriteTokens: 0, reasoningTokens: 0 });
  });
});

describe('openai-responses errors', () => {
  it('decodes OpenAI error bodies with their kind, status and param', () => {
    const contextLength = openAiResponsesAdapter.decodeError(400, JSON.stringify(jsonFixture('error-context-length.json')), 'openai');
    assert.equal(contextLength.kind, 'request_too_large');
    assert.equal(contextLength.status, 400);
    assert.equal(contextLength.param, 'input');
    assert.equal(contextLength.provider, 'openai');
    assert.equal(contextLength.message, 'Your input exceeds the context window of this model. Please adjust your input and try again.');

    const key = openAiResponsesAdapter.decodeError(401, JSON.stringify(jsonFixture('error-invalid-api-key.json')), 'openai');
    assert.equal(key.kind, 'authentication');
    assert.equal(key.status, 401);
    assert.equal(key.param, undefined);

    const limited = openAiResponsesAdapter.decodeError(429, JSON.stringify(responsesErrorJson('Slow down.', 'requests', 'rate_limit_exceeded')), 'openai');
    assert.equal(limited.kind, 'rate_limit');
    assert.equal(limited.status, 429);

    const server = openAiResponsesAdapter.decodeError(503, JSON.stringify(responsesErrorJson('Busy.', 'server_error', null)), 'openai');
    assert.equal(server.kind, 'overloaded');
  });

  it('quotes a body that is not JSON', () => {
    const error = openAiResponsesAdapter.decodeError(502, '<html>Bad gateway</html>', 'local');
    assert.equal(error.kind, 'api_error');
    assert.equal(error.message, 'local answered HTTP 502: <html>Bad gateway</html>');
    assert.equal(openAiResponsesAdapter.decodeError(500, '', 'local').message, 'local answered HTTP 500 with no body.');
  });

  it('encodes errors in OpenAI’s shape', () => {
    assert.deepEqual(openAiResponsesCodec.encodeError(new ProxyError('invalid_request', '`model` is required.', { param: 'model' })), {
      status: 400,
      body: { error: { message: '`model` is required.', type: 'invalid_request_error', param: 'model', code: null } },
    });
    assert.deepEqual(openAiResponsesCodec.encodeError(new ProxyError('request_too_large', 'Prompt is too long.', { status: 400 })), {
      status: 400,
      body: { error: { message: 'Prompt is too long.', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } },
    });
    assert.deepEqual(openAiResponsesCodec.encodeError(new ProxyError('rate_limit', 'Too many requests.')), {
      status: 429,
      body: { error: { message: 'Too many requests.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } },
    });
  });

  it('maps statuses and incomplete reasons to finish reasons', () => {
    assert.deepEqual(mapResponsesFinishReason('completed', undefined, false), { finishReason: 'stop', rawFinishReason: 'completed' });
    assert.deepEqual(mapResponsesFinishReason('completed', undefined, true), { finishReason: 'tool-calls', rawFinishReason: 'completed' });
    assert.deepEqual(mapResponsesFinishReason('incomplete', 'max_output_tokens', true), { finishReason: 'length', rawFinishReason: 'max_output_tokens' });
    assert.deepEqual(mapResponsesFinishReason('incomplete', 'content_filter', false), { finishReason: 'content-filter', rawFinishReason: 'content_filter' });
    assert.deepEqual(mapResponsesFinishReason('failed', undefined, false), { finishReason: 'error', rawFinishReason: 'failed' });
    assert.deepEqual(mapResponsesFinishReason('cancelled', undefined, false), { finishReason: 'other', rawFinishReason: 'cancelled' });
  });
});
