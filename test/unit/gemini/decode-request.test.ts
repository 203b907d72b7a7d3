import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { decodeGeminiRequest } from '../../../proxy/inbound/gemini/decode-request';

const fixtures = path.join(__dirname, '../../fixtures/gemini');

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
}

function rejects(body: unknown, param: string | undefined): void {
  assert.throws(
    () => decodeGeminiRequest(body),
    (error: unknown) => error instanceof ProxyError && error.kind === 'invalid_request' && error.param === param,
  );
}

describe('Gemini request decoder', () => {
  it('decodes the body @google/genai sends', () => {
    const expected: CanonicalRequest = {
      model: '',
      stream: false,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are a weather assistant.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather in Paris?' },
            { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Checking the forecast.', providerOptions: { gemini: { thoughtSignature: 'CiQBSig1' } } },
            {
              type: 'tool-call',
              id: 'fc_1',
              name: 'get_weather',
              input: '{"city":"Paris"}',
              providerOptions: { gemini: { thoughtSignature: 'CiQBSig2' } },
            },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'fc_1', toolName: 'get_weather', content: [{ type: 'text', text: '18°C, sunny' }] },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather for a city',
          inputSchema: { type: 'object', properties: { city: { type: ['string', 'null'] } }, required: ['city'] },
        },
        { type: 'provider', api: 'gemini', name: 'googleSearch', raw: { googleSearch: {} } },
      ],
      toolChoice: { type: 'tool', name: 'get_weather' },
      temperature: 0.2,
      maxOutputTokens: 1024,
      stopSequences: ['END'],
      reasoning: { enabled: true, budgetTokens: 2048 },
      providerOptions: { gemini: { generationConfig: { candidateCount: 1 } } },
      extraBody: {
        format: 'gemini',
        fields: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }] },
      },
    };
    assert.deepEqual(decodeGeminiRequest(fixture('client-request-sdk.json')), expected);
  });

  it('decodes snake_case REST bodies and pairs id-less function responses with their calls by name', () => {
    const expected: CanonicalRequest = {
      model: '',
      stream: false,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Reply in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'List the files, then read README.md.' },
            {
              type: 'file',
              mediaType: 'application/pdf',
              data: { type: 'url', url: 'https://generativelanguage.googleapis.com/v1beta/files/8c2w1m0xq3' },
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', id: 'call_1_0', name: 'list_files', input: '{"path":"."}' },
            { type: 'tool-call', id: 'call_1_1', name: 'read_file', input: '{"path":"README.md"}' },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'call_1_1', toolName: 'read_file', content: [{ type: 'text', text: '# Switchyard' }] },
            {
              type: 'tool-result',
              toolCallId: 'call_1_0',
              toolName: 'list_files',
              content: [{ type: 'text', text: '{"files":["README.md","package.json"]}' }],
            },
          ],
        },
      ],
      tools: [
        { type: 'function', name: 'list_files', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
        { type: 'function', name: 'read_file', description: 'Reads a file.', inputSchema: { type: 'object', properties: {} } },
      ],
      toolChoice: { type: 'auto' },
      responseFormat: { type: 'json-schema', schema: { type: 'array', items: { type: 'string' } } },
      reasoning: { enabled: false, budgetTokens: 0 },
      extraBody: { format: 'gemini', fields: { cachedContent: 'cachedContents/5m3q8z1k2p' } },
    };
    assert.deepEqual(decodeGeminiRequest(fixture('client-request-rest.json')), expected);
  });

  it('joins a streamed model turn kept chunk by chunk back into blocks, one signature per block', () => {
    const request = decodeGeminiRequest({
      contents: [
        { role: 'user', parts: [{ text: '17 × 23?' }] },
        { role: 'model', parts: [{ text: 'Multiplying', thought: true }] },
        { role: 'model', parts: [{ text: ' in parts.', thought: true, thoughtSignature: 'T1' }] },
        { role: 'model', parts: [{ text: '17 × 23 = ' }] },
        { role: 'model', parts: [{ text: '391.' }] },
        { role: 'model', parts: [{ text: '', thoughtSignature: 'T2' }] },
        { role: 'model', parts: [{ text: '' }] },
        { role: 'user', parts: [{ text: 'Thanks' }] },
      ],
    });
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: '17 × 23?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Multiplying in parts.', providerOptions: { gemini: { thoughtSignature: 'T1' } } },
          { type: 'text', text: '17 × 23 = 391.', providerOptions: { gemini: { thoughtSignature: 'T2' } } },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
    ]);
  });

  it('reads Gemini 3 thinking levels as effort and keeps the level for Gemini', () => {
    const request = decodeGeminiRequest({
      contents: [{ parts: [{ text: 'Hi' }] }],
      generationConfig: { thinkingConfig: { thinkingLevel: 'HIGH', includeThoughts: false } },
    });
    assert.deepEqual(request.reasoning, { enabled: true, effort: 'high' });
    assert.deepEqual(request.providerOptions, { gemini: { thinkingLevel: 'HIGH', includeThoughts: false } });
  });

  it('decodes error results and JSON output without a schema', () => {
    const request = decodeGeminiRequest({
      contents: [
        { role: 'model', parts: [{ functionCall: { name: 'ls', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'ls', response: { error: { code: 'EACCES' } } } }] },
      ],
      generationConfig: { responseMimeType: 'application/json' },
    });
    assert.deepEqual(request.messages[1], {
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'call_0_0', toolName: 'ls', isError: true, content: [{ type: 'text', text: '{"code":"EACCES"}' }] }],
    });
    assert.deepEqual(request.responseFormat, { type: 'json' });
  });

  it('leaves out a model turn with nothing it can carry', () => {
    const request = decodeGeminiRequest({
      contents: [
        { role: 'user', parts: [{ text: 'Draw a cat' }] },
        { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] },
        { role: 'user', parts: [{ text: 'Now a dog' }] },
      ],
    });
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Draw a cat' }] },
      { role: 'user', content: [{ type: 'text', text: 'Now a dog' }] },
    ]);
  });

  it('names the field that is wrong', () => {
    rejects([], undefined);
    rejects({ contents: 'Hi' }, 'contents');
    rejects({ contents: [{ role: 'assistant', parts: [{ text: 'Hi' }] }] }, 'contents[0].role');
    rejects({ contents: [{ parts: { text: 'Hi' } }] }, 'contents[0].parts');
    rejects({ contents: [{ role: 'model', parts: [{ functionCall: { args: {} } }] }] }, 'contents[0].parts[0].functionCall');
    rejects({ contents: [], generationConfig: { temperature: 'hot' } }, 'generationConfig.temperature');
    rejects({ contents: [], tools: {} }, 'tools');
  });
});
