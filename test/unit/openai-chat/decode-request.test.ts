import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import { decodeChatRequest } from '../../../proxy/inbound/openai-chat/decode-request';
import { readJsonFixture } from './fixtures';

const pngBase64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('openai-chat decodeRequest', () => {
  it('decodes a text request with sampling options', () => {
    assert.deepEqual(decodeChatRequest(readJsonFixture('request-text.json')), {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are a terse assistant.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Name three primary colors.' }] },
      ],
      stream: false,
      maxOutputTokens: 256,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['\n\n'],
      seed: 42,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      user: 'user-1234',
    });
  });

  it('decodes images, files and audio', () => {
    const request = decodeChatRequest(readJsonFixture('request-image.json'));
    assert.equal(request.maxOutputTokens, 1024);
    assert.deepEqual(request.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these two pictures and summarise the attached report.' },
          {
            type: 'file',
            mediaType: 'image/png',
            data: { type: 'base64', data: pngBase64 },
            providerOptions: { openai: { imageDetail: 'low' } },
          },
          {
            type: 'file',
            mediaType: 'image/jpeg',
            data: {
              type: 'url',
              url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
            },
          },
          {
            type: 'file',
            mediaType: 'application/pdf',
            data: { type: 'base64', data: 'JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoK' },
            filename: 'report.pdf',
          },
          { type: 'file', mediaType: 'application/octet-stream', data: { type: 'file-id', id: 'file-6F2ksmvXxt4VdoqmHRw6kL' } },
          {
            type: 'file',
            mediaType: 'audio/wav',
            data: { type: 'base64', data: 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=' },
          },
        ],
      },
    ]);
  });

  it('decodes tools, tool choice, response format, reasoning effort and keeps the rest in extraBody', () => {
    assert.deepEqual(decodeChatRequest(readJsonFixture('request-tools.json')), {
      model: 'gpt-4.1',
      messages: [
        { role: 'system', variant: 'developer', content: [{ type: 'text', text: 'Use the tools when they help.' }] },
        { role: 'user', content: [{ type: 'text', text: "What's the weather like in Paris today?" }] },
      ],
      stream: true,
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Get current temperature for a given location.',
          inputSchema: {
            type: 'object',
            properties: { location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' } },
            required: ['location'],
            additionalProperties: false,
          },
          strict: true,
        },
        {
          type: 'provider',
          api: 'openai-chat',
          name: 'code_exec',
          raw: { type: 'custom', custom: { name: 'code_exec', description: 'Executes arbitrary Python code.' } },
        },
      ],
      toolChoice: { type: 'tool', name: 'get_weather' },
      parallelToolCalls: false,
      reasoning: { enabled: true, effort: 'low' },
      responseFormat: {
        type: 'json-schema',
        name: 'weather_report',
        schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
        strict: true,
      },
      extraBody: {
        format: 'openai-chat',
        fields: {
          stream_options: { include_usage: true },
          metadata: { session: 'abc' },
          store: false,
          service_tier: 'auto',
          logprobs: false,
          n: 1,
        },
      },
    });
  });

  it('decodes a tool round trip', () => {
    assert.deepEqual(decodeChatRequest(readJsonFixture('request-tool-round-trip.json')).messages, [
      { role: 'system', variant: 'developer', content: [{ type: 'text', text: 'You are a weather bot.' }] },
      { role: 'user', content: [{ type: 'text', text: "What's the weather like in Paris today?" }] },
      {
        role: 'assistant',
        content: [{ type: 'tool-call', id: 'call_12345xyz', name: 'get_weather', input: '{"location":"Paris, France"}' }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_12345xyz',
            content: [{ type: 'text', text: '{"temperature_c":14,"condition":"cloudy"}' }],
          },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 14°C and cloudy in Paris.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Thanks!' }] },
    ]);
  });

  it('decodes parallel tool calls with reasoning and merges consecutive tool messages', () => {
    const request = decodeChatRequest(readJsonFixture('request-parallel-tool-calls.json'));
    assert.equal(request.stream, true);
    assert.equal(request.extraBody, undefined);
    assert.deepEqual(request.messages.slice(1), [
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Two cities, so two calls.' },
          { type: 'tool-call', id: 'call_a1', name: 'get_weather', input: '{"location":"Paris, France"}' },
          { type: 'tool-call', id: 'call_b2', name: 'get_weather', input: '{"location":"Bogotá, Colombia"}' },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'call_a1', content: [{ type: 'text', text: '14°C, cloudy' }] },
          {
            type: 'tool-result',
            toolCallId: 'call_b2',
            content: [
              { type: 'text', text: '19°C, ' },
              { type: 'text', text: 'rain' },
            ],
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Which is warmer?' }] },
    ]);
  });

  it('decodes the legacy functions API into tool calls with matching ids', () => {
    const request = decodeChatRequest(readJsonFixture('request-legacy-functions.json'));
    assert.deepEqual(request.tools, [
      {
        type: 'function',
        name: 'get_time',
        description: 'Current time in a zone.',
        inputSchema: { type: 'object', properties: { zone: { type: 'string' } } },
      },
    ]);
    assert.deepEqual(request.toolChoice, { type: 'auto' });
    assert.deepEqual(request.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1_get_time', name: 'get_time', input: '{"zone":"Asia/Tokyo"}' }] },
      {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId: 'call_1_get_time', toolName: 'get_time', content: [{ type: 'text', text: '21:04' }] }],
      },
    ]);
  });

  it('keeps reasoning_effort values without a canonical twin for the OpenAI encoder', () => {
    const none = decodeChatRequest({ model: 'gpt-5.1', messages: [], reasoning_effort: 'none' });
    assert.deepEqual(none.reasoning, { enabled: false });
    assert.deepEqual(none.providerOptions, { openai: { reasoningEffort: 'none' } });
    const xhigh = decodeChatRequest({ model: 'gpt-5.1', messages: [], reasoning_effort: 'xhigh' });
    assert.deepEqual(xhigh.reasoning, { enabled: true, effort: 'high' });
    assert.deepEqual(xhigh.providerOptions, { openai: { reasoningEffort: 'xhigh' } });
  });

  it('decodes string stop lists, json_object and OpenRouter-style reasoning', () => {
    const request = decodeChatRequest({
      model: 'deepseek/deepseek-r1',
      messages: [{ role: 'assistant', content: 'ok', reasoning: 'thinking…' }],
      stop: ['END', 'STOP'],
      response_format: { type: 'json_object' },
      max_tokens: 10,
      max_completion_tokens: 20,
    });
    assert.deepEqual(request.stopSequences, ['END', 'STOP']);
    assert.deepEqual(request.responseFormat, { type: 'json' });
    assert.equal(request.maxOutputTokens, 20);
    assert.deepEqual(request.messages, [
      { role: 'assistant', content: [{ type: 'reasoning', text: 'thinking…' }, { type: 'text', text: 'ok' }] },
    ]);
  });

  it('decodes a Mistral answer echoed back: its thinking part as reasoning, its references passed over', () => {
    const request = decodeChatRequest({
      model: 'magistral-medium-latest',
      messages: [
        { role: 'user', content: 'Which is larger, 9.11 or 9.8?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: [{ type: 'text', text: 'Compare the tenths.' }, { type: 'reference', reference_ids: [0] }, { type: 'text', text: ' 1 < 8.' }] },
            { type: 'text', text: '9.8' },
            { type: 'reference', reference_ids: [0] },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages[1], {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Compare the tenths. 1 < 8.' },
        { type: 'text', text: '9.8' },
      ],
    });
  });

  describe('rejects bad shapes with a ProxyError naming the field', () => {
    const cases: Array<[string, unknown, string | undefined, RegExp]> = [
      ['a body that is not an object', 'hello', undefined, /JSON object/],
      ['a missing model', { messages: [] }, 'model', /`model` must be a non-empty string/],
      ['a non-string model', { model: 4, messages: [] }, 'model', /`model`/],
      ['missing messages', { model: 'gpt-4o' }, 'messages', /`messages` must be an array/],
      ['messages that are not an array', { model: 'gpt-4o', messages: {} }, 'messages', /`messages` must be an array/],
      ['a message without a role', { model: 'gpt-4o', messages: [{ content: 'hi' }] }, 'messages[0].role', /role` is missing/],
      [
        'an unknown role',
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }, { role: 'human', content: 'hi' }] },
        'messages[1].role',
        /"human".*use system, developer, user, assistant or tool/,
      ],
      ['a tool message without its call id', { model: 'gpt-4o', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /tool_call_id/],
      [
        'an unknown content part',
        { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] },
        'messages[0].content[0].type',
        /text, image_url, input_audio or file/,
      ],
      [
        'an unknown part in an assistant message',
        { model: 'gpt-4o', messages: [{ role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] },
        'messages[0].content[0]',
        /text, refusal or thinking part/,
      ],
      ['a string temperature', { model: 'gpt-4o', messages: [], temperature: '0.5' }, 'temperature', /must be a number/],
      ['a numeric stop', { model: 'gpt-4o', messages: [], stop: 5 }, 'stop', /string or an array/],
      ['an unknown tool_choice', { model: 'gpt-4o', messages: [], tool_choice: 'sometimes' }, 'tool_choice', /tool_choice/],
      ['an unknown response_format', { model: 'gpt-4o', messages: [], response_format: { type: 'yaml' } }, 'response_format', /json_schema/],
    ];
    for (const [name, body, param, message] of cases) {
      it(name, () => {
        assert.throws(
          () => decodeChatRequest(body),
          (error: unknown) => {
            assert.ok(error instanceof ProxyError);
            assert.equal(error.kind, 'invalid_request');
            assert.equal(error.status, 400);
            assert.equal(error.param, param);
            assert.match(error.message, message);
            return true;
          },
        );
      });
    }
  });
});
