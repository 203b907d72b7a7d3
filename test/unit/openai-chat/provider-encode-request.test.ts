import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { decodeChatRequest } from '../../../proxy/inbound/openai-chat/decode-request';
import { providerPresets } from '../../../proxy/config/presets';
import type { Target } from '../../../proxy/providers/adapter';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { readJsonFixture } from './fixtures';

const openAi: Target = { provider: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test-1234', model: 'gpt-4.1', chatDialect: providerPresets.openai?.chatDialect };
const groq: Target = { provider: 'groq', baseUrl: 'https://api.groq.com/openai/v1', apiKey: 'gsk_test', model: 'llama-3.3-70b-versatile' };
const ollama: Target = { provider: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' };

function encodeBody(request: CanonicalRequest, target: Target): unknown {
  return JSON.parse(openAiChatAdapter.encodeRequest(request, target).body);
}

describe('openai-compatible encodeRequest', () => {
  it('builds the URL and headers, with the key only when there is one', () => {
    const request: CanonicalRequest = { model: 'fast', messages: [], stream: false };
    const withKey = openAiChatAdapter.encodeRequest(request, {
      ...openAi,
      headers: { 'HTTP-Referer': 'https://switchyard.dev' },
    });
    assert.equal(withKey.url, 'https://api.openai.com/v1/chat/completions');
    assert.deepEqual(withKey.headers, {
      'content-type': 'application/json',
      authorization: 'Bearer sk-test-1234',
      'HTTP-Referer': 'https://switchyard.dev',
    });
    const local = openAiChatAdapter.encodeRequest(request, ollama);
    assert.equal(local.url, 'http://127.0.0.1:11434/v1/chat/completions');
    assert.deepEqual(local.headers, { 'content-type': 'application/json' });
  });

  it('encodes a streamed tool request for OpenAI, copying the client extras and forcing include_usage', () => {
    const request = decodeChatRequest(readJsonFixture('request-tools.json'));
    request.extraBody = {
      format: 'openai-chat',
      fields: { ...request.extraBody?.fields, stream_options: { include_usage: false, include_obfuscation: false } },
    };
    assert.deepEqual(encodeBody(request, openAi), {
      model: 'gpt-4.1',
      messages: [
        { role: 'developer', content: 'Use the tools when they help.' },
        { role: 'user', content: "What's the weather like in Paris today?" },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get current temperature for a given location.',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' } },
              required: ['location'],
              additionalProperties: false,
            },
            strict: true,
          },
        },
        { type: 'custom', custom: { name: 'code_exec', description: 'Executes arbitrary Python code.' } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      reasoning_effort: 'low',
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'weather_report',
          schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
          strict: true,
        },
      },
      metadata: { session: 'abc' },
      store: false,
      service_tier: 'auto',
      logprobs: false,
      n: 1,
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
    });
  });

  it('encodes a text request for a compatible provider: system role and max_tokens', () => {
    const request = decodeChatRequest({ ...readJsonFixture('request-text.json'), messages: [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: 'Name three primary colors.' },
    ] });
    assert.deepEqual(encodeBody(request, groq), {
      model: 'llama-3.3-70b-versatile',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Name three primary colors.' },
      ],
      max_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 42,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      user: 'user-1234',
    });
    assert.equal((encodeBody(request, openAi) as { max_completion_tokens?: number }).max_completion_tokens, 256);
  });

  it('encodes a tool round trip, dropping assistant reasoning', () => {
    const request = decodeChatRequest(readJsonFixture('request-parallel-tool-calls.json'));
    assert.deepEqual(encodeBody(request, { ...groq, model: 'deepseek-r1-distill-llama-70b' }), {
      model: 'deepseek-r1-distill-llama-70b',
      messages: [
        { role: 'user', content: 'Weather in Paris and in Bogotá?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } },
            { id: 'call_b2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Bogotá, Colombia"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a1', content: '14°C, cloudy' },
        { role: 'tool', tool_call_id: 'call_b2', content: '19°C, rain' },
        { role: 'user', content: 'Which is warmer?' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('encodes images, files and audio, and tool-result images as a following user message', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: 'iVBORw0KGgo=' }, providerOptions: { openai: { imageDetail: 'high' } } },
            { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'file', mediaType: 'application/pdf', data: { type: 'base64', data: 'JVBERi0xLjQK' } },
            { type: 'file', mediaType: 'application/pdf', data: { type: 'file-id', id: 'file-abc' }, filename: 'spec.pdf' },
            { type: 'file', mediaType: 'audio/mpeg', data: { type: 'base64', data: 'SUQzBAAAAAAA' } },
            { type: 'file', mediaType: 'text/plain', data: { type: 'base64', data: Buffer.from('notes ✓').toString('base64') } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_1', name: 'screenshot', input: '' }] },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'toolu_1',
              content: [
                { type: 'text', text: 'Captured.' },
                { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: 'iVBORw0KGgo=' } },
              ],
            },
          ],
        },
      ],
    };
    assert.deepEqual((encodeBody(request, openAi) as { messages: unknown }).messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
          { type: 'file', file: { file_id: 'file-abc', filename: 'spec.pdf' } },
          { type: 'input_audio', input_audio: { data: 'SUQzBAAAAAAA', format: 'mp3' } },
          { type: 'text', text: 'notes ✓' },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Captured.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Image returned by tool call toolu_1:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ]);
  });

  it('drops tools of other APIs, and tool_choice with them when none is left', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Search the web' }] }],
      tools: [{ type: 'provider', api: 'anthropic-messages', name: 'web_search', raw: { type: 'web_search_20250305', name: 'web_search' } }],
      toolChoice: { type: 'required' },
      parallelToolCalls: true,
    };
    assert.deepEqual(encodeBody(request, groq), {
      model: 'llama-3.3-70b-versatile',
      messages: [{ role: 'user', content: 'Search the web' }],
    });
  });

  it('ignores extras from other client formats and sends the kept reasoning_effort value', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      reasoning: { enabled: false },
      providerOptions: { openai: { reasoningEffort: 'none' } },
      responseFormat: { type: 'json-schema', schema: { type: 'object' } },
      extraBody: { format: 'anthropic-messages', fields: { metadata: { user_id: 'u1' }, stream_options: { include_usage: true } } },
    };
    assert.deepEqual(encodeBody(request, { ...openAi, model: 'gpt-5.1' }), {
      model: 'gpt-5.1',
      messages: [{ role: 'user', content: 'Hi' }],
      reasoning_effort: 'none',
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } },
    });
  });

  it('does not send stream_options on a non-streamed request', () => {
    const request = decodeChatRequest({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: false,
      stream_options: { include_usage: true },
    });
    assert.deepEqual(encodeBody(request, openAi), { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('gives Mistral nine-character tool call ids, the same for a call and its result', () => {
    const request = decodeChatRequest(readJsonFixture('request-tool-round-trip.json'));
    request.messages.push(
      { role: 'assistant', content: [{ type: 'tool-call', id: 'D681PevKs', name: 'get_weather', input: '{}' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'D681PevKs', content: [{ type: 'text', text: 'sunny' }] }] },
    );
    const body = encodeBody(request, { provider: 'mistral', baseUrl: 'https://api.mistral.ai/v1', model: 'mistral-large-latest', chatDialect: providerPresets.mistral?.chatDialect }) as {
      messages: Array<{ tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
    };
    const callId = body.messages[2]?.tool_calls?.[0]?.id;
    assert.match(callId ?? '', /^[a-zA-Z0-9]{9}$/);
    assert.equal(body.messages[3]?.tool_call_id, callId);
    assert.equal(body.messages[6]?.tool_calls?.[0]?.id, 'D681PevKs');
    assert.equal(body.messages[7]?.tool_call_id, 'D681PevKs');
    const openAiBody = encodeBody(request, openAi) as typeof body;
    assert.equal(openAiBody.messages[2]?.tool_calls?.[0]?.id, 'call_12345xyz');
  });

  it('refuses a non-image file given by URL with a clear message', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: { type: 'url', url: 'https://example.com/a.pdf' } }] }],
    };
    assert.throws(
      () => openAiChatAdapter.encodeRequest(request, openAi),
      (error: unknown) => error instanceof ProxyError && error.kind === 'invalid_request' && /send it inline as base64/.test(error.message),
    );
  });
});
