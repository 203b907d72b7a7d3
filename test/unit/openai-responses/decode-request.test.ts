import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { decodeResponsesRequest } from '../../../proxy/inbound/openai-responses/decode-request';
import { jsonFixture } from './fixtures';

function invalidParam(body: unknown): string | undefined {
  try {
    decodeResponsesRequest(body);
  } catch (error) {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.kind, 'invalid_request');
    return error.param;
  }
  assert.fail('expected the request to be rejected');
}

describe('openai-responses decodeRequest', () => {
  it('decodes a Codex request: developer message, reasoning history, namespace and custom tools', () => {
    const body = jsonFixture('codex-request.json');
    const input = body.input as Array<Record<string, unknown>>;
    const tools = body.tools as Array<Record<string, unknown>>;
    const request = decodeResponsesRequest(body);
    const expected: CanonicalRequest = {
      model: 'gpt-5-codex',
      stream: true,
      messages: [
        { role: 'system', variant: 'developer', content: [{ type: 'text', text: (input[0].content as Array<{ text: string }>)[0].text }] },
        { role: 'user', content: [{ type: 'text', text: (input[1].content as Array<{ text: string }>)[0].text }] },
        { role: 'user', content: [{ type: 'text', text: 'Why does the SSE parser test fail on CRLF?' }] },
        {
          role: 'assistant',
          content: [
            {
              type: 'reasoning',
              text: "**Running the failing test**\n\nI'll run the SSE parser tests to see which case fails.",
              providerOptions: {
                openai: {
                  summary: input[3].summary,
                  encryptedContent: input[3].encrypted_content,
                },
              },
            },
            {
              type: 'tool-call',
              id: 'call_Jc8pT2vQf1kL9xYw3mN4bR6s',
              name: 'shell',
              input: input[4].arguments as string,
            },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'call_Jc8pT2vQf1kL9xYw3mN4bR6s',
              toolName: 'shell',
              content: [{ type: 'text', text: input[5].output as string }],
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: '', providerOptions: { openai: { summary: [], encryptedContent: input[6].encrypted_content } } },
            {
              type: 'tool-call',
              id: 'call_Qm2wE7rT5yU1iO3pA9sD4fG8',
              name: 'read_file',
              input: '{"path":"proxy/sse/sse-parser.ts"}',
              providerOptions: { openai: { namespace: 'mcp__filesystem' } },
            },
            {
              type: 'tool-call',
              id: 'call_Hn6bV1cX8zL4kJ2gF9dS3aP7',
              name: 'read_file',
              input: '{"path":"test/unit/sse/sse-parser.test.ts"}',
              providerOptions: { openai: { namespace: 'mcp__filesystem' } },
            },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'call_Qm2wE7rT5yU1iO3pA9sD4fG8',
              toolName: 'read_file',
              content: [{ type: 'text', text: 'export class SseParser {\n  private pending: Buffer | undefined;\n}' }],
            },
            {
              type: 'tool-result',
              toolCallId: 'call_Hn6bV1cX8zL4kJ2gF9dS3aP7',
              toolName: 'read_file',
              content: [{ type: 'text', text: "it('handles CRLF split between chunks and comments', () => {});" }],
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: '', providerOptions: { openai: { item: input[11] } } },
            {
              type: 'tool-call',
              id: 'call_Zx9cV8bN7mL6kJ5hG4fD3sA2',
              name: 'apply_patch',
              input: input[12].input as string,
              providerOptions: { openai: { status: 'completed', itemType: 'custom_tool_call' } },
            },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'call_Zx9cV8bN7mL6kJ5hG4fD3sA2',
              toolName: 'apply_patch',
              content: [{ type: 'text', text: 'Success. Updated the following files:\nM proxy/sse/sse-parser.ts\n' }],
              providerOptions: { openai: { itemType: 'custom_tool_call_output' } },
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            {
              type: 'text',
              text: 'The parser dropped a CR that ended a chunk; it now remembers it and skips the LF that starts the next one.',
            },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'Thanks. Run the tests again.' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'shell',
          description: 'Runs a shell command and returns its output.',
          inputSchema: tools[0].parameters as Record<string, unknown>,
          strict: false,
        },
        { type: 'provider', api: 'openai-responses', name: 'apply_patch', raw: tools[1] },
        { type: 'provider', api: 'openai-responses', name: 'mcp__filesystem', raw: tools[2] },
        { type: 'provider', api: 'openai-responses', raw: tools[3] },
      ],
      toolChoice: { type: 'auto' },
      parallelToolCalls: false,
      reasoning: { enabled: true, effort: 'medium', summary: 'auto' },
      extraBody: {
        format: 'openai-responses',
        fields: {
          store: false,
          include: ['reasoning.encrypted_content'],
          prompt_cache_key: '0199a4f2-6b1e-7c53-9d8a-3e5f7a9b1c2d',
          text: { verbosity: 'medium' },
        },
      },
    };
    assert.deepEqual(request, expected);
  });

  it('turns instructions into a marked leading system message and a string input into a user message', () => {
    const request = decodeResponsesRequest({ model: 'gpt-4.1', instructions: 'Answer in French.', input: 'Hello' });
    assert.deepEqual(request.messages, [
      { role: 'system', content: [{ type: 'text', text: 'Answer in French.', providerOptions: { openai: { instructions: true } } }] },
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
    ]);
    assert.equal(request.stream, false);
    assert.deepEqual(request.extraBody, { format: 'openai-responses', fields: {} });
  });

  it('decodes images, files, assistant output items with ids and phase, and refusals', () => {
    const request = decodeResponsesRequest({
      model: 'gpt-5',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in these?' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
            { type: 'input_image', image_url: 'https://example.com/cat.jpeg?size=large', detail: 'auto' },
            { type: 'input_image', file_id: 'file-abc123', detail: 'low' },
            { type: 'input_file', filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQ=' },
            { type: 'input_file', file_id: 'file-def456' },
            { type: 'input_file', file_url: 'https://example.com/paper.pdf' },
          ],
        },
        {
          type: 'message',
          id: 'msg_abc',
          status: 'completed',
          role: 'assistant',
          phase: 'final_answer',
          content: [
            { type: 'output_text', text: 'A cat.', annotations: [] },
            { type: 'refusal', refusal: 'I cannot read that file.' },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: 'iVBORw0KGgo=' }, providerOptions: { openai: { imageDetail: 'high' } } },
          { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: 'https://example.com/cat.jpeg?size=large' }, providerOptions: { openai: { imageDetail: 'auto' } } },
          { type: 'file', mediaType: 'image/*', data: { type: 'file-id', id: 'file-abc123' }, providerOptions: { openai: { imageDetail: 'low' } } },
          { type: 'file', mediaType: 'application/pdf', data: { type: 'base64', data: 'JVBERi0xLjQ=' }, filename: 'report.pdf' },
          { type: 'file', mediaType: 'application/octet-stream', data: { type: 'file-id', id: 'file-def456' } },
          { type: 'file', mediaType: 'application/pdf', data: { type: 'url', url: 'https://example.com/paper.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A cat.', providerOptions: { openai: { itemId: 'msg_abc', phase: 'final_answer' } } },
          {
            type: 'text',
            text: 'I cannot read that file.',
            providerOptions: { openai: { itemId: 'msg_abc', phase: 'final_answer', contentType: 'refusal' } },
          },
        ],
      },
    ]);
  });

  it('maps sampling, output, reasoning and format fields, keeping the rest in extraBody', () => {
    const request = decodeResponsesRequest({
      model: 'gpt-5.1-codex-max',
      input: 'Hi',
      max_output_tokens: 2048,
      temperature: 0.2,
      top_p: 0.9,
      user: 'user-42',
      reasoning: { effort: 'xhigh', summary: 'detailed' },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'shell' }] },
      metadata: { run: 'nightly' },
      previous_response_id: 'resp_prev',
      service_tier: 'flex',
      truncation: 'auto',
      background: false,
      safety_identifier: 'hash-1',
    });
    assert.equal(request.maxOutputTokens, 2048);
    assert.equal(request.temperature, 0.2);
    assert.equal(request.topP, 0.9);
    assert.equal(request.user, 'user-42');
    assert.deepEqual(request.reasoning, { enabled: true, effort: 'high', summary: 'detailed' });
    assert.deepEqual(request.providerOptions, { openai: { reasoningEffort: 'xhigh' } });
    assert.deepEqual(request.responseFormat, { type: 'json-schema', name: 'answer', schema: { type: 'object' }, strict: true });
    assert.equal(request.toolChoice, undefined);
    assert.deepEqual(request.extraBody, {
      format: 'openai-responses',
      fields: {
        text: { verbosity: 'low' },
        tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'shell' }] },
        metadata: { run: 'nightly' },
        previous_response_id: 'resp_prev',
        service_tier: 'flex',
        truncation: 'auto',
        background: false,
        safety_identifier: 'hash-1',
      },
    });
  });

  it('reads effort none as reasoning off and a named function choice as a tool choice', () => {
    const request = decodeResponsesRequest({
      model: 'gpt-5.1',
      input: 'Hi',
      reasoning: { effort: 'none' },
      tool_choice: { type: 'function', name: 'shell' },
      text: { format: { type: 'json_object' } },
    });
    assert.deepEqual(request.reasoning, { enabled: false });
    assert.deepEqual(request.providerOptions, { openai: { reasoningEffort: 'none' } });
    assert.deepEqual(request.toolChoice, { type: 'tool', name: 'shell' });
    assert.deepEqual(request.responseFormat, { type: 'json' });
  });

  it('opens reasoning that Switchyard sealed back into its signature', () => {
    const sealed = 'swy1.' + Buffer.from(JSON.stringify({ signature: 'EqQBCkgIARABGAIiQL' }), 'utf8').toString('base64url');
    const request = decodeResponsesRequest({
      model: 'claude-sonnet-4-5',
      input: [
        { role: 'user', content: 'Weather?' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'I should call the tool.' }], encrypted_content: sealed },
      ],
    });
    assert.deepEqual(request.messages[1], {
      role: 'assistant',
      content: [
        {
          type: 'reasoning',
          text: 'I should call the tool.',
          signature: 'EqQBCkgIARABGAIiQL',
          providerOptions: { openai: { itemId: 'rs_1', summary: [{ type: 'summary_text', text: 'I should call the tool.' }] } },
        },
      ],
    });
  });

  it('rejects bad input naming the field', () => {
    assert.equal(invalidParam([]), undefined);
    assert.equal(invalidParam({ input: 'x' }), 'model');
    assert.equal(invalidParam({ model: 'm', input: 42 }), 'input');
    assert.equal(invalidParam({ model: 'm', input: [{ content: 'x' }] }), 'input[0].type');
    assert.equal(invalidParam({ model: 'm', input: [{ role: 'robot', content: 'x' }] }), 'input[0].role');
    assert.equal(invalidParam({ model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }), 'input[0].call_id');
    assert.equal(invalidParam({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_audio' }] }] }), 'input[0].content[0].type');
    assert.equal(invalidParam({ model: 'm', input: [{ role: 'developer', content: [{ type: 'input_image', image_url: 'x' }] }] }), 'input[0].content[0]');
    assert.equal(invalidParam({ model: 'm', input: 'x', tools: [{ type: 'function' }] }), 'tools[0].name');
    assert.equal(invalidParam({ model: 'm', input: 'x', tool_choice: 'always' }), 'tool_choice');
    assert.equal(invalidParam({ model: 'm', input: 'x', max_output_tokens: 0 }), 'max_output_tokens');
    assert.equal(invalidParam({ model: 'm', input: 'x', reasoning: { summary: 'verbose' } }), 'reasoning.summary');
    assert.equal(invalidParam({ model: 'm', input: 'x', text: { format: { type: 'json_schema' } } }), 'text.format.schema');
  });
});
