import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import { decodeCountTokensRequest, decodeMessagesRequest } from '../../../proxy/inbound/anthropic-messages/decode-request';
import { anthropicMessagesCodec } from '../../../proxy/inbound/anthropic-messages/codec';

const fixtures = join(__dirname, '../../fixtures/anthropic');
const claudeCode = (): Record<string, any> => JSON.parse(readFileSync(join(fixtures, 'claude-code-request.json'), 'utf8'));

function decodeError(body: unknown): ProxyError {
  try {
    decodeMessagesRequest(body);
  } catch (error) {
    assert.ok(error instanceof ProxyError);
    return error;
  }
  assert.fail('expected a ProxyError');
}

describe('anthropic-messages decodeRequest', () => {
  it('is the codec for the anthropic-messages format', () => {
    assert.equal(anthropicMessagesCodec.format, 'anthropic-messages');
    assert.equal(anthropicMessagesCodec.decodeRequest, decodeMessagesRequest);
  });

  it('decodes a Claude Code request into canonical messages in order', () => {
    const request = decodeMessagesRequest(claudeCode());
    assert.equal(request.model, 'claude-sonnet-4-5-20250929');
    assert.equal(request.stream, true);
    assert.equal(request.maxOutputTokens, 32000);
    assert.deepEqual(request.reasoning, { enabled: true, budgetTokens: 31999 });
    assert.equal(request.user, 'user_2f6c1e0b9a8d7c6b5a4f3e2d1c0b9a8f_account__session_6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a3b');
    assert.deepEqual(request.toolChoice, { type: 'auto' });
    assert.equal(request.providerOptions, undefined);
    assert.deepEqual(request.extraBody, {
      format: 'anthropic-messages',
      fields: { context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] } },
    });
    assert.deepEqual(
      request.messages.map((message) => message.role),
      ['system', 'user', 'assistant', 'tool', 'system', 'assistant', 'tool', 'user'],
    );
  });

  it('keeps system cache_control on the text parts', () => {
    const [system] = decodeMessagesRequest(claudeCode()).messages;
    assert.deepEqual(system, {
      role: 'system',
      content: [
        { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } },
        {
          type: 'text',
          text: '\nYou are an interactive CLI tool that helps users with software engineering tasks. Use the instructions below and the tools available to you to assist the user.\n',
          providerOptions: { anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } },
        },
      ],
    });
  });

  it('decodes images, PDFs, thinking with signatures, redacted thinking and tool calls', () => {
    const body = claudeCode();
    const messages = decodeMessagesRequest(body).messages;
    const user = messages[1]!;
    assert.equal(user.role, 'user');
    assert.deepEqual(user.content.slice(2), [
      { type: 'file', mediaType: 'image/png', data: { type: 'base64', data: body.messages[0].content[2].source.data } },
      {
        type: 'file',
        mediaType: 'application/pdf',
        data: { type: 'base64', data: body.messages[0].content[3].source.data },
        filename: 'build-spec.pdf',
        providerOptions: { anthropic: { title: 'build-spec.pdf' } },
      },
    ]);
    assert.deepEqual(messages[2], {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: body.messages[1].content[0].thinking, signature: body.messages[1].content[0].signature },
        { type: 'reasoning', text: '', redactedData: body.messages[1].content[1].data },
        { type: 'text', text: 'Let me run the build to see the whole error.' },
        {
          type: 'tool-call',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'Bash',
          input: '{"command":"npm run build","description":"Run the TypeScript build"}',
        },
      ],
    });
  });

  it('turns tool_result blocks into a tool message before the rest of the user turn', () => {
    const messages = decodeMessagesRequest(claudeCode()).messages;
    assert.deepEqual(messages[3], {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'toolu_01A09q90qw90lq917835lq9',
          toolName: 'Bash',
          content: [{ type: 'text', text: "src/index.ts(3,10): error TS2305: Module './bar' has no exported member 'baz'." }],
          isError: true,
        },
      ],
    });
    assert.deepEqual(messages[6], {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'toolu_01HQgVcgB4u1nQ6T3y2jX9Wd',
          toolName: 'Read',
          content: [{ type: 'text', text: "     1\texport function bar(): string {\n     2\t  return 'bar';\n     3\t}\n" }],
          providerOptions: { anthropic: { contentAsBlocks: true } },
        },
      ],
    });
    assert.deepEqual(messages[7], {
      role: 'user',
      content: [{ type: 'text', text: 'Also check the tests once it builds.', providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } }],
    });
  });

  it('keeps a role "system" message in place', () => {
    const messages = decodeMessagesRequest(claudeCode()).messages;
    assert.deepEqual(messages[4], {
      role: 'system',
      content: [{ type: 'text', text: "<system-reminder>The TodoWrite tool hasn't been used recently. Consider using it to track progress.</system-reminder>" }],
    });
  });

  it('keeps server tool blocks whole, with a readable description for other providers', () => {
    const body = claudeCode();
    const assistant = decodeMessagesRequest(body).messages[5]!;
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(assistant.content[1], {
      type: 'text',
      text: '[server_tool_use web_search {"query":"bar library baz export removed"}]',
      providerOptions: { anthropic: { block: body.messages[4].content[1] } },
    });
    assert.deepEqual(assistant.content[2], {
      type: 'text',
      text: '[web search results]\nbar changelog <https://example.com/bar/changelog>',
      providerOptions: { anthropic: { block: body.messages[4].content[2] } },
    });
  });

  it('decodes custom tools with cache_control and eager_input_streaming, and typed tools as provider tools', () => {
    const body = claudeCode();
    const tools = decodeMessagesRequest(body).tools!;
    assert.equal(tools.length, 5);
    assert.deepEqual(tools[0], { type: 'function', name: 'Bash', inputSchema: body.tools[0].input_schema, description: body.tools[0].description });
    assert.deepEqual(tools[2], {
      type: 'function',
      name: 'Edit',
      inputSchema: body.tools[2].input_schema,
      description: 'Performs exact string replacements in files.',
      providerOptions: { anthropic: { eagerInputStreaming: true } },
    });
    assert.deepEqual(tools[3]!.type === 'function' && tools[3]!.providerOptions, { anthropic: { cacheControl: { type: 'ephemeral' } } });
    assert.deepEqual(tools[4], { type: 'provider', api: 'anthropic-messages', name: 'web_search', raw: { type: 'web_search_20250305', name: 'web_search', max_uses: 5 } });
  });

  it('maps tool_choice, disable_parallel_tool_use, sampling and stop sequences', () => {
    const request = decodeMessagesRequest({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
    });
    assert.deepEqual(request.toolChoice, { type: 'required' });
    assert.equal(request.parallelToolCalls, false);
    assert.equal(request.temperature, 0.2);
    assert.equal(request.topP, 0.9);
    assert.equal(request.topK, 40);
    assert.deepEqual(request.stopSequences, ['END']);
    assert.equal(request.stream, false);
    assert.deepEqual(request.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    assert.deepEqual(decodeMessagesRequest({ model: 'm', max_tokens: 1, messages: [], tool_choice: { type: 'tool', name: 'lookup' } }).toolChoice, {
      type: 'tool',
      name: 'lookup',
    });
  });

  it('keeps thinking shapes other than enabled-with-budget verbatim', () => {
    const adaptive = decodeMessagesRequest({ model: 'm', max_tokens: 8, messages: [], thinking: { type: 'adaptive', display: 'omitted' } });
    assert.deepEqual(adaptive.reasoning, { enabled: true });
    assert.deepEqual(adaptive.providerOptions, { anthropic: { thinking: { type: 'adaptive', display: 'omitted' } } });
    const disabled = decodeMessagesRequest({ model: 'm', max_tokens: 8, messages: [], thinking: { type: 'disabled' } });
    assert.deepEqual(disabled.reasoning, { enabled: false });
    assert.equal(disabled.providerOptions, undefined);
  });

  it('decodes output_config into a response format and effort, or keeps it whole', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const request = decodeMessagesRequest({ model: 'm', max_tokens: 8, messages: [], output_config: { effort: 'low', format: { type: 'json_schema', schema } } });
    assert.deepEqual(request.responseFormat, { type: 'json-schema', schema });
    assert.deepEqual(request.providerOptions, { anthropic: { effort: 'low' } });
    assert.equal(request.extraBody, undefined);
    const unknown = decodeMessagesRequest({ model: 'm', max_tokens: 8, messages: [], output_config: { effort: 'max', task_budget: 10 } });
    assert.equal(unknown.responseFormat, undefined);
    assert.deepEqual(unknown.extraBody, { format: 'anthropic-messages', fields: { output_config: { effort: 'max', task_budget: 10 } } });
  });

  it('decodes plain-text, URL and file documents and URL and file images', () => {
    const request = decodeMessagesRequest({
      model: 'm',
      max_tokens: 8,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Grass is green. ✓' }, title: 'Notes', citations: { enabled: true } },
            { type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' } },
            { type: 'document', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.JPG?size=large' } },
            { type: 'image', source: { type: 'file', file_id: 'file_011CPMxVD3fHLUhvTqtsQA5w' }, cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    assert.deepEqual(request.messages[0]!.content, [
      {
        type: 'file',
        mediaType: 'text/plain',
        data: { type: 'base64', data: Buffer.from('Grass is green. ✓').toString('base64') },
        filename: 'Notes',
        providerOptions: { anthropic: { sourceType: 'text', title: 'Notes', citations: { enabled: true } } },
      },
      { type: 'file', mediaType: 'application/pdf', data: { type: 'url', url: 'https://example.com/paper.pdf' } },
      { type: 'file', mediaType: 'application/octet-stream', data: { type: 'file-id', id: 'file_011CNha8iCJcU1wXNR6q4V8w' } },
      { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: 'https://example.com/cat.JPG?size=large' } },
      {
        type: 'file',
        mediaType: 'image/*',
        data: { type: 'file-id', id: 'file_011CPMxVD3fHLUhvTqtsQA5w' },
        providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } },
      },
    ]);
  });

  it('requires max_tokens, except when counting tokens', () => {
    const error = decodeError({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.param, 'max_tokens');
    assert.match(error.message, /^max_tokens: Field required/);
    const counted = decodeCountTokensRequest({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(counted.maxOutputTokens, undefined);
  });

  it('names the offending field of bad input', () => {
    assert.equal(decodeError('hello').message, 'The request body must be a JSON object with `model`, `max_tokens` and `messages`.');
    assert.equal(decodeError({ max_tokens: 5, messages: [] }).param, 'model');
    assert.match(decodeError({ model: 'm', max_tokens: 5 }).message, /^messages: Field required/);
    assert.equal(decodeError({ model: 'm', max_tokens: 0, messages: [] }).message, 'max_tokens: must be a positive integer.');
    assert.equal(
      decodeError({ model: 'm', max_tokens: 5, messages: [{ role: 'robot', content: 'x' }] }).message,
      'messages.0.role: must be "user", "assistant" or "system".',
    );
    assert.equal(
      decodeError({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] }).message,
      'messages.0.content.0.text: must be a string.',
    );
    assert.equal(
      decodeError({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }).message,
      'messages.0.content.0.tool_use_id: must be the id of the tool_use block this result answers.',
    );
    assert.match(decodeError({ model: 'm', max_tokens: 5, messages: [], tools: [{ name: 'x' }] }).message, /^tools\.0\.input_schema: Field required/);
    assert.equal(decodeError({ model: 'm', max_tokens: 5, messages: [], tool_choice: { type: 'sometimes' } }).param, 'tool_choice');
    assert.equal(decodeError({ model: 'm', max_tokens: 5, messages: [], thinking: { type: 'enabled' } }).param, 'thinking');
    assert.equal(decodeError({ model: 'm', max_tokens: 5, messages: [], temperature: 'hot' }).message, 'temperature: must be a number.');
    assert.equal(decodeError({ model: 'm', max_tokens: 5, messages: [], system: [{ type: 'image' }] }).param, 'system');
  });
});
