import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { ProxyError } from '../../../proxy/core/errors';
import type { StreamPart } from '../../../proxy/core/stream-part';
import type { ResponseContext } from '../../../proxy/inbound/codec';
import { anthropicMessagesCodec } from '../../../proxy/inbound/anthropic-messages/codec';

const context: ResponseContext = {
  requestId: '3f2a9c1e-7b4d-4e8a-9f10-2c3d4e5f6a7b',
  model: 'claude-sonnet-4-5',
  created: 1_745_000_000,
  request: { model: 'claude-sonnet-4-5', messages: [], stream: true },
};

function encodeAll(parts: StreamPart[]): string {
  const encoder = anthropicMessagesCodec.createStreamEncoder(context);
  return parts.map((part) => encoder.encode(part)).join('');
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}

const messageStart = (id: string): string =>
  event(
    'message_start',
    `{"type":"message_start","message":{"id":"${id}","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`,
  );
const blockStart = (index: number, block: string): string => event('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${block}}`);
const blockDelta = (index: number, delta: string): string => event('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":${delta}}`);
const blockStop = (index: number): string => event('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
const messageStop = event('message_stop', '{"type":"message_stop"}');

/** An OpenAI-style answer: unsigned reasoning, text, then two tool calls growing at once. */
const translatedParts: StreamPart[] = [
  { type: 'stream-start', id: 'chatcmpl-BxFake0123', model: 'gpt-5' },
  { type: 'reasoning-start', id: 'reasoning' },
  { type: 'reasoning-delta', id: 'reasoning', delta: 'Two cities.' },
  { type: 'reasoning-end', id: 'reasoning' },
  { type: 'text-start', id: 'text' },
  { type: 'text-delta', id: 'text', delta: 'Checking "both"… ' },
  { type: 'text-delta', id: 'text', delta: '✓' },
  { type: 'text-end', id: 'text' },
  { type: 'tool-input-start', id: 'call_paris', name: 'get_weather' },
  { type: 'tool-input-delta', id: 'call_paris', delta: '{"city":' },
  { type: 'tool-input-start', id: 'call:lyon', name: 'get_weather' },
  { type: 'tool-input-delta', id: 'call:lyon', delta: '{"city":"Lyon"}' },
  { type: 'tool-input-delta', id: 'call_paris', delta: '"Paris"}' },
  { type: 'tool-input-end', id: 'call:lyon' },
  { type: 'tool-input-end', id: 'call_paris' },
  {
    type: 'finish',
    finishReason: 'tool-calls',
    rawFinishReason: 'tool_calls',
    usage: { inputTokens: 1200, outputTokens: 85, cacheReadTokens: 1000, cacheWriteTokens: 0, reasoningTokens: 40 },
  },
];

describe('anthropic-messages stream encoder', () => {
  it('writes the documented event sequence, one block at a time', () => {
    assert.equal(
      encodeAll(translatedParts),
      messageStart('msg_3f2a9c1e7b4d4e8a9f102c3d4e5f6a7b') +
        blockStart(0, '{"type":"thinking","thinking":"","signature":""}') +
        blockDelta(0, '{"type":"thinking_delta","thinking":"Two cities."}') +
        blockStop(0) +
        blockStart(1, '{"type":"text","text":""}') +
        blockDelta(1, '{"type":"text_delta","text":"Checking \\"both\\"… "}') +
        blockDelta(1, '{"type":"text_delta","text":"✓"}') +
        blockStop(1) +
        blockStart(2, '{"type":"tool_use","id":"call_paris","name":"get_weather","input":{}}') +
        blockDelta(2, '{"type":"input_json_delta","partial_json":"{\\"city\\":"}') +
        blockDelta(2, '{"type":"input_json_delta","partial_json":"\\"Paris\\"}"}') +
        blockStop(2) +
        // Lyon's call started while Paris's was open: it follows, with its held deltas (and an id Anthropic accepts).
        blockStart(3, '{"type":"tool_use","id":"call_lyon","name":"get_weather","input":{}}') +
        blockDelta(3, '{"type":"input_json_delta","partial_json":"{\\"city\\":\\"Lyon\\"}"}') +
        blockStop(3) +
        event(
          'message_delta',
          '{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":200,"cache_creation_input_tokens":0,"cache_read_input_tokens":1000,"output_tokens":85}}',
        ) +
        messageStop,
    );
  });

  it('sends signatures before the block stops, redacted thinking, citations and kept server blocks', () => {
    const citation = { type: 'web_search_result_location', cited_text: 'Sunny', url: 'https://weather.example.com/nyc', title: 'NYC', encrypted_index: 'Eo8B' };
    const text = encodeAll([
      { type: 'stream-start', id: 'msg_01Q7b5qDkVZ3AaqWqf2ej1Zy', model: 'claude-opus-4-1' },
      { type: 'reasoning-start', id: '0' },
      { type: 'reasoning-delta', id: '0', delta: 'Hmm.' },
      { type: 'reasoning-end', id: '0', signature: 'EqQBsig==' },
      { type: 'reasoning-start', id: '1', redactedData: 'EmwKredacted' },
      { type: 'reasoning-end', id: '1' },
      { type: 'text-start', id: '2', providerOptions: { anthropic: { block: { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'nyc' } } } } },
      { type: 'text-end', id: '2' },
      { type: 'text-start', id: '3', providerOptions: { anthropic: { block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] } } } },
      { type: 'text-end', id: '3' },
      { type: 'text-start', id: '4' },
      { type: 'text-delta', id: '4', delta: 'Sunny.' },
      { type: 'text-end', id: '4', providerOptions: { anthropic: { citations: [citation] } } },
      {
        type: 'finish',
        finishReason: 'length',
        rawFinishReason: 'model_context_window_exceeded',
        usage: { inputTokens: 48, outputTokens: 96, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
    assert.equal(
      text,
      messageStart('msg_01Q7b5qDkVZ3AaqWqf2ej1Zy') +
        blockStart(0, '{"type":"thinking","thinking":"","signature":""}') +
        blockDelta(0, '{"type":"thinking_delta","thinking":"Hmm."}') +
        blockDelta(0, '{"type":"signature_delta","signature":"EqQBsig=="}') +
        blockStop(0) +
        blockStart(1, '{"type":"redacted_thinking","data":"EmwKredacted"}') +
        blockStop(1) +
        blockStart(2, '{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}') +
        blockDelta(2, '{"type":"input_json_delta","partial_json":"{\\"query\\":\\"nyc\\"}"}') +
        blockStop(2) +
        blockStart(3, '{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[]}') +
        blockStop(3) +
        blockStart(4, '{"type":"text","text":""}') +
        blockDelta(4, '{"type":"text_delta","text":"Sunny."}') +
        blockDelta(4, `{"type":"citations_delta","citation":${JSON.stringify(citation)}}`) +
        blockStop(4) +
        event(
          'message_delta',
          '{"type":"message_delta","delta":{"stop_reason":"model_context_window_exceeded","stop_sequence":null},"usage":{"input_tokens":48,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":96}}',
        ) +
        messageStop,
    );
  });

  it('starts the message even when no stream-start came, closes open blocks at finish and reports stop sequences', () => {
    const text = encodeAll([
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Done' },
      { type: 'finish', finishReason: 'stop', stopSequence: '###', usage: { inputTokens: 3, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } },
    ]);
    assert.equal(
      text,
      messageStart('msg_3f2a9c1e7b4d4e8a9f102c3d4e5f6a7b') +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"Done"}') +
        blockStop(0) +
        event(
          'message_delta',
          '{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"###"},"usage":{"input_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}',
        ) +
        messageStop,
    );
  });

  it('ends with an error event and writes nothing after it', () => {
    const encoder = anthropicMessagesCodec.createStreamEncoder(context);
    const written = [
      encoder.encode({ type: 'stream-start', id: 'msg_01Bq5Y9sVTQf3xQ4UoLkN7mE' }),
      encoder.encode({ type: 'text-start', id: '0' }),
      encoder.encode({ type: 'text-delta', id: '0', delta: 'Here is' }),
      encoder.encode({ type: 'error', error: new ProxyError('overloaded', 'anthropic: Overloaded') }),
      encoder.encode({ type: 'text-delta', id: '0', delta: ' more' }),
      encoder.encode({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } }),
    ];
    assert.deepEqual(written.slice(3), [event('error', '{"type":"error","error":{"type":"overloaded_error","message":"anthropic: Overloaded"}}'), '', '']);
  });

  it('is read by the Anthropic SDK as the message it describes', async () => {
    const client = sdkClient(encodeAll(translatedParts));
    const message = await client.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }] }).finalMessage();
    assert.equal(message.id, 'msg_3f2a9c1e7b4d4e8a9f102c3d4e5f6a7b');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.usage, { input_tokens: 200, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 85 });
    assert.deepEqual(
      message.content.map((block) => ({ ...block })),
      [
        { type: 'thinking', thinking: 'Two cities.', signature: '' },
        { type: 'text', text: 'Checking "both"… ✓' },
        { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_lyon', name: 'get_weather', input: { city: 'Lyon' } },
      ],
    );
  });

  it('makes the Anthropic SDK raise the error type of an error event', async () => {
    const encoder = anthropicMessagesCodec.createStreamEncoder(context);
    const text = [
      encoder.encode({ type: 'stream-start', id: 'msg_01' }),
      encoder.encode({ type: 'text-start', id: '0' }),
      encoder.encode({ type: 'error', error: new ProxyError('overloaded', 'anthropic: Overloaded') }),
    ].join('');
    const stream = sdkClient(text).messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    await assert.rejects(stream.finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal((error.error as { error: { type: string } }).error.type, 'overloaded_error');
      return true;
    });
  });
});

/** An SDK client whose every request is answered with the given SSE text. */
function sdkClient(sse: string): Anthropic {
  return new Anthropic({
    apiKey: 'sk-ant-test',
    maxRetries: 0,
    fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
}
