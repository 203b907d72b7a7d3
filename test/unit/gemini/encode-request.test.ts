import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalRequest } from '../../../proxy/core/request';
import type { Target } from '../../../proxy/providers/adapter';
import { encodeGeminiRequest } from '../../../proxy/providers/gemini/encode-request';

const fixtures = path.join(__dirname, '../../fixtures/gemini');

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
}

const target: Target = {
  provider: 'gemini',
  baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  apiKey: 'test-key',
  model: 'gemini-2.5-flash',
};

function body(request: CanonicalRequest, model = 'gemini-2.5-flash'): Record<string, unknown> {
  return JSON.parse(encodeGeminiRequest(request, { ...target, model }).body) as Record<string, unknown>;
}

function userAsks(text: string): CanonicalRequest {
  return { model: 'smart', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text }] }] };
}

describe('Gemini request encoder', () => {
  it('addresses generateContent with the key header and the configured headers', () => {
    const upstream = encodeGeminiRequest(userAsks('Hi'), { ...target, headers: { 'x-team': 'blue' } });
    assert.equal(upstream.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    assert.deepEqual(upstream.headers, { 'content-type': 'application/json', 'x-goog-api-key': 'test-key', 'x-team': 'blue' });
    assert.deepEqual(JSON.parse(upstream.body), { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });

  it('addresses streamGenerateContent with alt=sse when streaming, without a models/ prefix twice', () => {
    const upstream = encodeGeminiRequest(
      { ...userAsks('Hi'), stream: true },
      { ...target, baseUrl: '', model: 'models/gemini-2.5-pro', apiKey: undefined },
    );
    assert.equal(
      upstream.url,
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
    assert.deepEqual(upstream.headers, { 'content-type': 'application/json' });
  });

  it('encodes system messages, files, sampling, a JSON schema and Gemini extras', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are a terse art critic.' }] },
        { role: 'system', variant: 'developer', content: [{ type: 'text', text: 'Answer in one sentence.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these files?' },
            {
              type: 'file',
              mediaType: 'image/png',
              data: {
                type: 'base64',
                data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
              },
            },
            {
              type: 'file',
              mediaType: 'application/pdf',
              data: { type: 'url', url: 'https://generativelanguage.googleapis.com/v1beta/files/m4x8kq2r7zpa' },
            },
            {
              type: 'file',
              mediaType: 'application/octet-stream',
              data: { type: 'url', url: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==' },
            },
            { type: 'text', text: '' },
          ],
        },
      ],
      maxOutputTokens: 256,
      temperature: 0.4,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      user: 'user-1234',
      responseFormat: {
        type: 'json-schema',
        name: 'caption',
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          properties: { caption: { type: 'string' } },
          required: ['caption'],
        },
      },
      extraBody: {
        format: 'gemini',
        fields: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }] },
      },
    };
    assert.deepEqual(body(request), fixture('request-system-image.json'));
  });

  it('leaves out extra fields that came from another client format', () => {
    const request: CanonicalRequest = {
      ...userAsks('Hi'),
      extraBody: { format: 'openai-chat', fields: { store: true, service_tier: 'flex' } },
    };
    assert.deepEqual(body(request), { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });

  it('encodes tools and a tool round trip, resolving result names from the calls', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and London?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Two cities, two calls.', signature: 'EqQBCkYIBxgCKkBanthropic' },
            { type: 'text', text: "I'll check both." },
            {
              type: 'tool-call',
              id: 'call_0',
              name: 'get_weather',
              input: '{"city":"Paris"}',
              providerOptions: { gemini: { thoughtSignature: 'CuUBAdHtim+RmlyC3RQYXJhbGxlbENhbGxTaWc=' } },
            },
            { type: 'tool-call', id: 'call_1', name: 'get_weather', input: '{"city":"London"}' },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'call_0', content: [{ type: 'text', text: '18°C, sunny' }] },
            {
              type: 'tool-result',
              toolCallId: 'call_1',
              toolName: 'get_weather',
              content: [{ type: 'text', text: 'city not found' }],
              isError: true,
            },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'Thanks. And tomorrow in Paris?' }] },
        {
          role: 'assistant',
          content: [{ type: 'tool-call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_forecast', input: '{"city":"Paris","days":1}' }],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'toolu_01A09q90qw90lq917835lq9',
              content: [
                { type: 'text', text: 'high 21°C' },
                { type: 'text', text: 'low 12°C' },
                { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: 'iVBORw0KGgo=' } },
              ],
            },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Current weather for a city.',
          inputSchema: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
            additionalProperties: false,
          },
        },
        {
          type: 'function',
          name: 'get_forecast',
          inputSchema: {
            $schema: 'https://json-schema.org/draft/2020-12/schema',
            type: 'object',
            properties: {
              city: { type: 'string' },
              days: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
            },
            required: ['city'],
          },
        },
        { type: 'provider', api: 'gemini', name: 'googleSearch', raw: { googleSearch: {} } },
        { type: 'provider', api: 'anthropic-messages', name: 'web_search', raw: { type: 'web_search_20250305', name: 'web_search' } },
      ],
      toolChoice: { type: 'required' },
      parallelToolCalls: true,
    };
    assert.deepEqual(body(request), fixture('request-tool-round-trip.json'));
  });

  it('sends function call ids back only when Gemini made them', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'List files' }] },
        {
          role: 'assistant',
          content: [
            {
              type: 'tool-call',
              id: 'fc_7d1c2a9e',
              name: 'ls',
              input: '',
              providerOptions: { gemini: { functionCallId: 'fc_7d1c2a9e', thoughtSignature: 'SIG' } },
            },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'fc_7d1c2a9e', content: [{ type: 'text', text: 'a.txt' }] }] },
      ],
    };
    assert.deepEqual(body(request).contents, [
      { role: 'user', parts: [{ text: 'List files' }] },
      { role: 'model', parts: [{ functionCall: { id: 'fc_7d1c2a9e', name: 'ls', args: {} }, thoughtSignature: 'SIG' }] },
      { role: 'user', parts: [{ functionResponse: { id: 'fc_7d1c2a9e', name: 'ls', response: { output: 'a.txt' } } }] },
    ]);
  });

  it('rejects a tool result that answers no call and names no function', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_9', content: [] }] }],
    };
    assert.throws(
      () => body(request),
      (error: unknown) => error instanceof ProxyError && error.kind === 'invalid_request' && error.message.includes("'call_9'"),
    );
  });

  it('maps each tool choice to a function calling mode', () => {
    assert.deepEqual(body({ ...userAsks('Hi'), toolChoice: { type: 'auto' } }).toolConfig, {
      functionCallingConfig: { mode: 'AUTO' },
    });
    assert.deepEqual(body({ ...userAsks('Hi'), toolChoice: { type: 'none' } }).toolConfig, {
      functionCallingConfig: { mode: 'NONE' },
    });
    assert.deepEqual(body({ ...userAsks('Hi'), toolChoice: { type: 'tool', name: 'get_weather' } }).toolConfig, {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
  });

  it('encodes thinking as a budget with thought summaries, kept within the model range', () => {
    const thinking = (request: Partial<CanonicalRequest>, model?: string) =>
      (body({ ...userAsks('Hi'), ...request }, model).generationConfig as Record<string, unknown> | undefined)
        ?.thinkingConfig;
    assert.deepEqual(thinking({ reasoning: { enabled: true, budgetTokens: 4096 } }), {
      includeThoughts: true,
      thinkingBudget: 4096,
    });
    assert.deepEqual(thinking({ reasoning: { enabled: true, budgetTokens: 64000 } }), {
      includeThoughts: true,
      thinkingBudget: 24576,
    });
    assert.deepEqual(thinking({ reasoning: { enabled: true, budgetTokens: 64000 } }, 'gemini-2.5-pro'), {
      includeThoughts: true,
      thinkingBudget: 32768,
    });
    assert.deepEqual(thinking({ reasoning: { enabled: true, effort: 'medium' } }), {
      includeThoughts: true,
      thinkingBudget: 8192,
    });
    assert.deepEqual(
      thinking({ reasoning: { enabled: true, effort: 'low' }, providerOptions: { gemini: { thinkingLevel: 'low' } } }, 'gemini-3-pro-preview'),
      { includeThoughts: true, thinkingLevel: 'low' },
    );
    assert.deepEqual(thinking({ reasoning: { enabled: true } }), { includeThoughts: true });
    assert.equal(thinking({ reasoning: { enabled: false } }), undefined);
    assert.deepEqual(thinking({ reasoning: { enabled: false, budgetTokens: 0 } }), { thinkingBudget: 0 });
  });

  it('sends signed Gemini thoughts back as thought parts and drops unsigned reasoning', () => {
    const request: CanonicalRequest = {
      model: 'smart',
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: '17 × 23?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Summary.', providerOptions: { gemini: { thoughtSignature: 'T1' } } },
            { type: 'reasoning', text: 'Unsigned summary.' },
            { type: 'text', text: '391.' },
            { type: 'text', text: '', providerOptions: { gemini: { thoughtSignature: 'T2' } } },
            { type: 'text', text: '' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
    };
    assert.deepEqual(body(request).contents, [
      { role: 'user', parts: [{ text: '17 × 23?' }] },
      {
        role: 'model',
        parts: [{ text: 'Summary.', thought: true, thoughtSignature: 'T1' }, { text: '391.' }, { text: '', thoughtSignature: 'T2' }],
      },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  it('passes a Gemini client’s other generation settings through underneath canonical ones', () => {
    const request: CanonicalRequest = {
      ...userAsks('Hi'),
      temperature: 1,
      providerOptions: { gemini: { generationConfig: { candidateCount: 1, responseModalities: ['TEXT'], temperature: 0 } } },
    };
    assert.deepEqual(body(request).generationConfig, { candidateCount: 1, responseModalities: ['TEXT'], temperature: 1 });
  });
});
