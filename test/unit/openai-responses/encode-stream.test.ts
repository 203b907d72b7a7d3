import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ProxyError } from '../../../proxy/core/errors';
import { collectResponse } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import type { ResponseContext } from '../../../proxy/inbound/codec';
import { decodeResponsesRequest } from '../../../proxy/inbound/openai-responses/decode-request';
import { ResponsesStreamEncoder } from '../../../proxy/inbound/openai-responses/encode-stream';
import { decodeEvents, eventData, parseSse, sseFixture } from './fixtures';

const usage = { inputTokens: 1200, outputTokens: 80, cacheReadTokens: 1000, cacheWriteTokens: 0, reasoningTokens: 0 };

function codexContext(): ResponseContext {
  const request = decodeResponsesRequest({
    model: 'gpt-5-codex',
    input: 'Run the tests.',
    stream: true,
    tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' }, strict: false }],
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    include: ['reasoning.encrypted_content'],
  });
  return { requestId: 'req-7f3a-91', model: 'gpt-5-codex', created: 1757540000, request };
}

function encodeAll(parts: StreamPart[], context = codexContext()): string {
  const encoder = new ResponsesStreamEncoder(context);
  return parts.map((part) => encoder.encode(part)).join('');
}

/** Parts as another provider (Anthropic) would produce them: no OpenAI ids, a thinking signature. */
const anthropicParts: StreamPart[] = [
  { type: 'stream-start', id: 'msg_01XYZ', model: 'claude-sonnet-4-5' },
  { type: 'reasoning-start', id: '0' },
  { type: 'reasoning-delta', id: '0', delta: 'Need to' },
  { type: 'reasoning-delta', id: '0', delta: ' run tests.' },
  { type: 'reasoning-end', id: '0', signature: 'EqQBCkgI' },
  { type: 'text-start', id: '1' },
  { type: 'text-delta', id: '1', delta: 'Running' },
  { type: 'text-delta', id: '1', delta: ' now.' },
  { type: 'text-end', id: '1' },
  { type: 'text-start', id: '2' },
  { type: 'text-end', id: '2' },
  { type: 'tool-input-start', id: 'toolu_01', name: 'shell' },
  { type: 'tool-input-delta', id: 'toolu_01', delta: '{"command":' },
  { type: 'tool-input-delta', id: 'toolu_01', delta: '["npm","test"]}' },
  { type: 'tool-input-end', id: 'toolu_01' },
  { type: 'finish', finishReason: 'tool-calls', usage },
];

const sealedSignature = 'swy1.' + Buffer.from(JSON.stringify({ signature: 'EqQBCkgI' }), 'utf8').toString('base64url');

function sdkClient(sse: string): OpenAI {
  return new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
}

describe('openai-responses stream encoder', () => {
  it('writes the documented event sequence with consistent output indexes and item ids', () => {
    const text = encodeAll(anthropicParts);
    const events = parseSse(text);
    const data = eventData(text);
    assert.deepEqual(
      events.map((event) => event.event),
      data.map((event) => event.type),
      'every event names its type',
    );
    assert.deepEqual(
      data.map((event) => event.sequence_number),
      data.map((_, index) => index),
    );
    const reasoningId = 'rs_req7f3a91_0';
    const messageId = 'msg_req7f3a91_1';
    const callItemId = 'fc_req7f3a91_2';
    const summary = [{ type: 'summary_text', text: 'Need to run tests.' }];
    const outputText = { type: 'output_text', annotations: [], logprobs: [], text: 'Running now.' };
    const withoutResponses = data.slice(2, -1).map(({ sequence_number: _, ...rest }) => rest);
    assert.deepEqual(withoutResponses, [
      { type: 'response.output_item.added', output_index: 0, item: { id: reasoningId, type: 'reasoning', summary: [] } },
      { type: 'response.reasoning_summary_part.added', item_id: reasoningId, output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } },
      { type: 'response.reasoning_summary_text.delta', item_id: reasoningId, output_index: 0, summary_index: 0, delta: 'Need to' },
      { type: 'response.reasoning_summary_text.delta', item_id: reasoningId, output_index: 0, summary_index: 0, delta: ' run tests.' },
      { type: 'response.reasoning_summary_text.done', item_id: reasoningId, output_index: 0, summary_index: 0, text: 'Need to run tests.' },
      { type: 'response.reasoning_summary_part.done', item_id: reasoningId, output_index: 0, summary_index: 0, part: summary[0] },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { id: reasoningId, type: 'reasoning', summary, encrypted_content: sealedSignature },
      },
      {
        type: 'response.output_item.added',
        output_index: 1,
        item: { id: messageId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
      },
      {
        type: 'response.content_part.added',
        item_id: messageId,
        output_index: 1,
        content_index: 0,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      },
      { type: 'response.output_text.delta', item_id: messageId, output_index: 1, content_index: 0, delta: 'Running', logprobs: [] },
      { type: 'response.output_text.delta', item_id: messageId, output_index: 1, content_index: 0, delta: ' now.', logprobs: [] },
      { type: 'response.output_text.done', item_id: messageId, output_index: 1, content_index: 0, text: 'Running now.', logprobs: [] },
      { type: 'response.content_part.done', item_id: messageId, output_index: 1, content_index: 0, part: outputText },
      {
        type: 'response.output_item.done',
        output_index: 1,
        item: { id: messageId, type: 'message', status: 'completed', content: [outputText], role: 'assistant' },
      },
      {
        type: 'response.output_item.added',
        output_index: 2,
        item: { id: callItemId, type: 'function_call', status: 'in_progress', arguments: '', call_id: 'toolu_01', name: 'shell' },
      },
      { type: 'response.function_call_arguments.delta', item_id: callItemId, output_index: 2, delta: '{"command":' },
      { type: 'response.function_call_arguments.delta', item_id: callItemId, output_index: 2, delta: '["npm","test"]}' },
      {
        type: 'response.function_call_arguments.done',
        item_id: callItemId,
        output_index: 2,
        name: 'shell',
        arguments: '{"command":["npm","test"]}',
      },
      {
        type: 'response.output_item.done',
        output_index: 2,
        item: {
          id: callItemId,
          type: 'function_call',
          status: 'completed',
          arguments: '{"command":["npm","test"]}',
          call_id: 'toolu_01',
          name: 'shell',
        },
      },
    ]);

    const common = {
      id: 'resp_req7f3a91',
      object: 'response',
      created_at: 1757540000,
      error: null,
      incomplete_details: null,
      background: false,
      instructions: null,
      max_output_tokens: null,
      model: 'gpt-5-codex',
      parallel_tool_calls: false,
      previous_response_id: null,
      reasoning: { effort: 'medium', summary: 'auto' },
      service_tier: 'default',
      store: false,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [{ type: 'function', name: 'shell', description: null, parameters: { type: 'object' }, strict: false }],
      top_p: 1,
      truncation: 'disabled',
      metadata: {},
    };
    assert.deepEqual(data[0], { type: 'response.created', sequence_number: 0, response: { ...common, status: 'in_progress', output: [], usage: null } });
    assert.deepEqual(data[1], { type: 'response.in_progress', sequence_number: 1, response: { ...common, status: 'in_progress', output: [], usage: null } });
    const completed = data[data.length - 1];
    assert.equal(completed.type, 'response.completed');
    assert.deepEqual(completed.response, {
      ...common,
      status: 'completed',
      output: [data[8].item, data[15].item, data[20].item],
      usage: {
        input_tokens: 1200,
        input_tokens_details: { cached_tokens: 1000 },
        output_tokens: 80,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 1280,
      },
    });
  });

  it('ends a length-limited answer with response.incomplete', () => {
    const text = encodeAll([
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Partial' },
      { type: 'finish', finishReason: 'length', usage },
    ]);
    const data = eventData(text);
    assert.deepEqual(
      data.map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.incomplete',
      ],
    );
    const response = data[8].response as Record<string, unknown>;
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
  });

  it('ends a failed stream with response.failed and an error event the SDK raises', async () => {
    const error = new ProxyError('rate_limit', 'Rate limit reached for claude-sonnet-4-5.', { retryAfterSeconds: 12 });
    const text = encodeAll([
      { type: 'stream-start' },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Hel' },
      { type: 'error', error },
      { type: 'finish', finishReason: 'stop', usage },
    ]);
    const data = eventData(text);
    assert.deepEqual(
      data.map((event) => event.type),
      ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.failed', 'error'],
    );
    const failed = data[5].response as Record<string, unknown>;
    assert.equal(failed.status, 'failed');
    const message = 'Rate limit reached for claude-sonnet-4-5. Please try again in 12s.';
    assert.deepEqual(failed.error, { code: 'rate_limit_exceeded', message });
    assert.deepEqual(data[6], {
      type: 'error',
      sequence_number: 6,
      code: 'rate_limit_exceeded',
      message,
      param: null,
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message, param: null },
    });

    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        const stream = await sdkClient(text).responses.create({ model: 'gpt-5-codex', input: 'Hi', stream: true });
        for await (const event of stream) seen.push(event.type);
      })(),
      (thrown: unknown) => thrown instanceof OpenAI.APIError && thrown.message === message && thrown.code === 'rate_limit_exceeded',
    );
    assert.equal(seen[seen.length - 1], 'response.failed');
  });

  it('is read by the openai SDK stream helper into a final response', async () => {
    const text = encodeAll(anthropicParts);
    const stream = sdkClient(text).responses.stream({ model: 'gpt-5-codex', input: 'Run the tests.' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    assert.deepEqual(deltas, ['Running', ' now.']);
    // The stream helper does not add `output_text` (only `create` and `parse` do), as with OpenAI.
    const message = final.output[1];
    assert.ok(message.type === 'message' && message.content[0].type === 'output_text');
    assert.equal(message.content[0].text, 'Running now.');
    assert.deepEqual(
      final.output.map((item) => item.type),
      ['reasoning', 'message', 'function_call'],
    );
    assert.equal(final.usage?.total_tokens, 1280);
  });

  it('round-trips an OpenAI stream: provider decoder, then this encoder, then the decoder again', () => {
    const parts = decodeEvents(sseFixture('stream-reasoning-tool.chunks.txt'));
    const reencoded = encodeAll(parts);
    const again = decodeEvents(parseSse(reencoded));
    const original = collectResponse(parts);
    const roundTripped = collectResponse(again);
    assert.deepEqual(roundTripped, original);
    // The provider's ids survive, so the client can hand them back.
    const completed = eventData(reencoded).at(-1)?.response as Record<string, unknown>;
    assert.equal(completed.id, 'resp_0a5c7e9b1d3f50a20068c1f0a2b4d88190a3e5c7f9d1b3a5c7');
    assert.deepEqual(
      (completed.output as Array<{ id: string }>).map((item) => item.id),
      [
        'rs_0a5c7e9b1d3f50a20068c1f0a3c5e08190b2d4f6a8c0e2a4b6',
        'msg_0a5c7e9b1d3f50a20068c1f0a5d7f28190c4e6a8b0d2f4a6c8',
        'fc_0a5c7e9b1d3f50a20068c1f0a6e9a48190d6f8b0c2e4a6c8e0',
      ],
    );
  });

  it('writes nothing after the stream ended', () => {
    const encoder = new ResponsesStreamEncoder(codexContext());
    encoder.encode({ type: 'finish', finishReason: 'stop', usage });
    assert.equal(encoder.encode({ type: 'text-start', id: 'late' }), '');
    assert.equal(encoder.encode({ type: 'error', error: new ProxyError('api_error', 'late') }), '');
  });
});
