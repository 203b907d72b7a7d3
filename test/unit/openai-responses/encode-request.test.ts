import assert from 'node:assert/strict';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { decodeResponsesRequest } from '../../../proxy/inbound/openai-responses/decode-request';
import type { Target } from '../../../proxy/providers/adapter';
import { encodeResponsesRequest } from '../../../proxy/providers/openai-responses/encode-request';
import { jsonFixture } from './fixtures';

const target: Target = { provider: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test-1234', model: 'gpt-5-codex' };

function encodedBody(request: CanonicalRequest, to: Target = target): Record<string, unknown> {
  return JSON.parse(encodeResponsesRequest(request, to).body) as Record<string, unknown>;
}

describe('openai-responses encodeRequest', () => {
  it('sends a Codex request back as Codex sent it', () => {
    const body = jsonFixture('codex-request.json');
    const upstream = encodeResponsesRequest(decodeResponsesRequest(body), { ...target, headers: { 'openai-organization': 'org-1' } });
    assert.equal(upstream.url, 'https://api.openai.com/v1/responses');
    assert.deepEqual(upstream.headers, {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: 'Bearer sk-test-1234',
      'openai-organization': 'org-1',
    });
    const expected = structuredClone(body);
    // The one normalisation: a text-only output list becomes the equivalent string.
    const input = expected.input as Array<Record<string, unknown>>;
    input[9].output = 'export class SseParser {\n  private pending: Buffer | undefined;\n}';
    assert.deepEqual(JSON.parse(upstream.body), expected);
  });

  it('sends the instructions field back as instructions and a routed model name', () => {
    const request = decodeResponsesRequest({
      model: 'smart',
      instructions: 'Be brief.',
      input: [{ role: 'system', content: 'Also be kind.' }, { role: 'user', content: 'Hi' }],
      max_output_tokens: 8,
      temperature: 0.5,
      tool_choice: { type: 'custom', name: 'apply_patch' },
      tools: [{ type: 'custom', name: 'apply_patch' }],
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      reasoning: { effort: 'xhigh' },
    });
    request.stream = false;
    assert.deepEqual(encodedBody(request, { ...target, model: 'gpt-5.1-codex-max' }), {
      model: 'gpt-5.1-codex-max',
      text: { verbosity: 'low', format: { type: 'json_object' } },
      instructions: 'Be brief.',
      input: [
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Also be kind.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
      ],
      tools: [{ type: 'custom', name: 'apply_patch' }],
      tool_choice: { type: 'custom', name: 'apply_patch' },
      max_output_tokens: 8,
      temperature: 0.5,
      reasoning: { effort: 'xhigh' },
    });
  });

  it('gives other clients safe defaults: store off, encrypted reasoning, explicit strict, no sampling on reasoning models', () => {
    const request: CanonicalRequest = {
      model: 'claude-sonnet-4-5',
      stream: true,
      maxOutputTokens: 1,
      temperature: 1,
      topP: 0.9,
      stopSequences: ['END'],
      reasoning: { enabled: true, budgetTokens: 8000 },
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are Claude Code.' }, { type: 'text', text: 'Use tools.' }] },
        { role: 'system', variant: 'developer', content: [{ type: 'text', text: 'Repository rules.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in the image and the report?' },
            { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: 'iVBORw0KGgo=' } },
            { type: 'file', mediaType: 'application/pdf', data: { type: 'base64', data: 'JVBERi0=' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Thinking from Anthropic.', signature: 'EqQBCkgIARAB' },
            { type: 'text', text: 'Let me check.' },
            { type: 'text', text: ' One moment.' },
            { type: 'tool-call', id: 'toolu_01', name: 'read', input: '{"path":"a.txt"}' },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'toolu_01', content: [{ type: 'text', text: 'line 1' }, { type: 'text', text: 'line 2' }] },
          ],
        },
      ],
      tools: [
        { type: 'function', name: 'read', description: 'Reads a file.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
        { type: 'provider', api: 'anthropic-messages', name: 'web_search', raw: { type: 'web_search_20250305', name: 'web_search' } },
      ],
      toolChoice: { type: 'tool', name: 'read' },
      extraBody: { format: 'anthropic-messages', fields: { metadata: { user_id: 'u1' } } },
    };
    assert.deepEqual(encodedBody(request, { ...target, model: 'gpt-5' }), {
      model: 'gpt-5',
      instructions: 'You are Claude Code.\n\nUse tools.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Repository rules.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in the image and the report?' },
            { type: 'input_image', detail: 'auto', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'input_file', filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
          ],
        },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Let me check.' },
            { type: 'output_text', text: ' One moment.' },
          ],
        },
        { type: 'function_call', call_id: 'toolu_01', name: 'read', arguments: '{"path":"a.txt"}' },
        { type: 'function_call_output', call_id: 'toolu_01', output: 'line 1\nline 2' },
      ],
      tools: [
        {
          type: 'function',
          name: 'read',
          description: 'Reads a file.',
          parameters: { type: 'object', properties: { path: { type: 'string' } } },
          strict: false,
        },
      ],
      tool_choice: { type: 'function', name: 'read' },
      max_output_tokens: 16,
      reasoning: { effort: 'medium', summary: 'auto' },
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
    });
  });

  it('keeps sampling and leaves reasoning out for a model that does not reason', () => {
    const request: CanonicalRequest = {
      model: 'gpt-4.1',
      stream: false,
      temperature: 0.3,
      reasoning: { enabled: true, effort: 'high' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    };
    const upstream = encodeResponsesRequest(request, { ...target, model: 'gpt-4.1', apiKey: undefined });
    assert.deepEqual(upstream.headers, { 'content-type': 'application/json', accept: 'application/json' });
    assert.deepEqual(JSON.parse(upstream.body), {
      model: 'gpt-4.1',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      temperature: 0.3,
      store: false,
    });
  });

  it('resends OpenAI reasoning with its encrypted content, ids, phase and carried items', () => {
    const request: CanonicalRequest = {
      model: 'gpt-5',
      stream: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Search and answer.' }] },
        {
          role: 'assistant',
          content: [
            {
              type: 'reasoning',
              text: 'First.\n\nSecond.',
              providerOptions: {
                openai: {
                  itemId: 'rs_1',
                  encryptedContent: 'gAAAA-enc',
                  summary: [
                    { type: 'summary_text', text: 'First.' },
                    { type: 'summary_text', text: 'Second.' },
                  ],
                },
              },
            },
            { type: 'text', text: '', providerOptions: { openai: { item: { id: 'ws_1', type: 'web_search_call', status: 'completed' } } } },
            { type: 'text', text: 'Searching.', providerOptions: { openai: { itemId: 'msg_1', phase: 'commentary' } } },
            { type: 'text', text: 'Done.', providerOptions: { openai: { itemId: 'msg_2', phase: 'final_answer' } } },
            { type: 'text', text: 'Cannot.', providerOptions: { openai: { itemId: 'msg_2', phase: 'final_answer', contentType: 'refusal' } } },
          ],
        },
      ],
      extraBody: { format: 'openai-responses', fields: { store: true, stream_options: { include_obfuscation: false } } },
    };
    const body = encodedBody(request);
    assert.deepEqual(body.input, [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Search and answer.' }] },
      {
        type: 'reasoning',
        id: 'rs_1',
        summary: [
          { type: 'summary_text', text: 'First.' },
          { type: 'summary_text', text: 'Second.' },
        ],
        encrypted_content: 'gAAAA-enc',
      },
      { id: 'ws_1', type: 'web_search_call', status: 'completed' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Searching.' }], id: 'msg_1', phase: 'commentary' },
      {
        type: 'message',
        role: 'assistant',
        content: [
          { type: 'output_text', text: 'Done.' },
          { type: 'refusal', refusal: 'Cannot.' },
        ],
        id: 'msg_2',
        phase: 'final_answer',
      },
    ]);
    assert.equal(body.store, true);
    assert.deepEqual(body.stream_options, { include_obfuscation: false });
    assert.equal(body.include, undefined);
  });
});
