import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { decodeMessagesRequest } from '../../../proxy/inbound/anthropic-messages/decode-request';
import {
  defaultMaxOutputTokens,
  encodeAnthropicCountTokensRequest,
  encodeAnthropicRequest,
  encodeMessagesBody,
} from '../../../proxy/providers/anthropic-messages/encode-request';
import { anthropicAdapter } from '../../../proxy/providers/anthropic-messages/adapter';
import type { Target } from '../../../proxy/providers/adapter';

const fixtures = join(__dirname, '../../fixtures/anthropic');
const claudeCodeText = readFileSync(join(fixtures, 'claude-code-request.json'), 'utf8');
const target: Target = { provider: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-test-key', model: 'claude-sonnet-4-5-20250929' };

function encode(request: Partial<CanonicalRequest>, model = 'claude-sonnet-4-5'): Record<string, any> {
  return encodeMessagesBody({ model, messages: [], stream: false, ...request }, { ...target, model });
}

describe('anthropic encodeRequest', () => {
  it('gives a Claude Code request back as it was sent', () => {
    const original = JSON.parse(claudeCodeText);
    const body = encodeMessagesBody(decodeMessagesRequest(JSON.parse(claudeCodeText)), target);
    assert.deepEqual(body, original);
    // Byte for byte where it matters: prompt cache breakpoints, signatures, tool definitions.
    assert.equal(JSON.stringify(body.system), JSON.stringify(original.system));
    assert.equal(JSON.stringify(body.messages), JSON.stringify(original.messages));
    assert.equal(JSON.stringify(body.tools), JSON.stringify(original.tools));
  });

  it('round-trips string shorthands, tool-result blocks and extra block fields', () => {
    const original = {
      model: 'claude-opus-4-1',
      max_tokens: 2048,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'What is in /tmp?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_01', name: 'ls', input: { path: '/tmp' }, caller: { type: 'direct' }, cache_control: { type: 'ephemeral' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'a.txt' }, { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
            { type: 'tool_result', tool_use_id: 'toolu_01', toolset_name: 'files' },
          ],
        },
      ],
      temperature: 0.5,
      stop_sequences: ['###'],
      service_tier: 'auto',
    };
    assert.deepEqual(encodeMessagesBody(decodeMessagesRequest(structuredClone(original)), { ...target, model: 'claude-opus-4-1' }), original);
  });

  it('builds the request: URL, headers, serialised body', () => {
    const request = decodeMessagesRequest({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const upstream = encodeAnthropicRequest(request, { ...target, model: 'claude-sonnet-4-5', headers: { 'x-team': 'blue' } });
    assert.equal(upstream.url, 'https://api.anthropic.com/v1/messages');
    assert.deepEqual(upstream.headers, {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test-key',
      'x-team': 'blue',
    });
    assert.equal(upstream.body, '{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"Hi"}],"stream":true}');
    assert.equal(anthropicAdapter.encodeRequest, encodeAnthropicRequest);
    assert.equal(anthropicAdapter.api, 'anthropic-messages');
    // A base URL configured with /v1 is not doubled; betas the server copied become the header.
    const beta = encodeAnthropicRequest(
      { ...request, providerOptions: { anthropic: { betas: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'] } } },
      { ...target, baseUrl: 'https://gateway.example.com/anthropic/v1' },
    );
    assert.equal(beta.url, 'https://gateway.example.com/anthropic/v1/messages');
    assert.equal(beta.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14,context-1m-2025-08-07');
  });

  it('hoists leading system messages, merges tool results into the user turn, tool results first', () => {
    const body = encode({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }], variant: 'developer' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Lyon?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: '' },
            { type: 'tool-call', id: 'call_abc', name: 'get_weather', input: '{"city":"Paris"}' },
            { type: 'tool-call', id: 'functions.get_weather:1', name: 'get_weather', input: '{"city":"Lyon"' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_abc', content: [{ type: 'text', text: '21°C' }] }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'functions.get_weather:1', content: [{ type: 'text', text: 'unknown city' }], isError: true }] },
        { role: 'user', content: [{ type: 'text', text: 'Thanks.' }] },
        { role: 'system', content: [{ type: 'text', text: 'Keep it short.' }] },
        { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      ],
    });
    assert.deepEqual(body.system, [
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.' },
    ]);
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather in Paris and Lyon?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Paris' } },
          // Anthropic ids allow [a-zA-Z0-9_-] only; broken JSON from history becomes {}.
          { type: 'tool_use', id: 'functions_get_weather_1', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_abc', content: '21°C' },
          { type: 'tool_result', tool_use_id: 'functions_get_weather_1', content: 'unknown city', is_error: true },
          { type: 'text', text: 'Thanks.' },
        ],
      },
      { role: 'system', content: 'Keep it short.' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  });

  it('keeps signed and redacted reasoning, drops unsigned reasoning from other providers', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'OpenAI summary', providerOptions: { openai: { itemId: 'rs_1', encryptedContent: 'gAAAA' } } },
            { type: 'reasoning', text: 'Claude thought', signature: 'EqQBsig' },
            { type: 'reasoning', text: '', redactedData: 'EmwKredacted' },
            { type: 'text', text: 'Hello!' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'Again' }] },
      ],
    });
    assert.deepEqual(body.messages[1], {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Claude thought', signature: 'EqQBsig' },
        { type: 'redacted_thinking', data: 'EmwKredacted' },
        { type: 'text', text: 'Hello!' },
      ],
    });
  });

  it('encodes images and files from other formats, and refuses a file type Anthropic cannot read', () => {
    const body = encode({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'file', mediaType: 'text/markdown', data: { type: 'base64', data: Buffer.from('# Notes ✓').toString('base64') }, filename: 'notes.md' },
            { type: 'file', mediaType: 'application/pdf', data: { type: 'base64', data: 'JVBERi0=' }, filename: 'a.pdf' },
          ],
        },
      ],
    });
    assert.deepEqual(body.messages[0].content, [
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '# Notes ✓' }, title: 'notes.md' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    ]);
    assert.throws(
      () =>
        encode({
          messages: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/vnd.ms-excel', data: { type: 'base64', data: 'AA==' } }] }],
        }),
      (error: unknown) => error instanceof ProxyError && error.kind === 'invalid_request' && error.message.includes('application/vnd.ms-excel'),
    );
  });

  it('defaults max_tokens by model family', () => {
    assert.equal(defaultMaxOutputTokens('claude-sonnet-4-5'), 32000);
    assert.equal(defaultMaxOutputTokens('claude-3-5-haiku-latest'), 8192);
    assert.equal(defaultMaxOutputTokens('claude-3-haiku-20240307'), 4096);
    assert.equal(encode({}).max_tokens, 32000);
    assert.equal(encode({ maxOutputTokens: 500 }).max_tokens, 500);
  });

  it('maps reasoning to a thinking budget below max_tokens', () => {
    assert.deepEqual(pick(encode({ reasoning: { enabled: true, effort: 'high' } })), { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 16384 } });
    assert.deepEqual(pick(encode({ reasoning: { enabled: true } })), { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 8192 } });
    // Effort only, little room: half of max_tokens, at least Anthropic's 1024.
    assert.deepEqual(pick(encode({ maxOutputTokens: 4000, reasoning: { enabled: true, effort: 'medium' } })), {
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2000 },
    });
    // An explicit budget the client's max_tokens cannot hold: max_tokens grows to keep the answer's room.
    assert.deepEqual(pick(encode({ maxOutputTokens: 1000, reasoning: { enabled: true, budgetTokens: 500 } })), {
      max_tokens: 2024,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    assert.deepEqual(pick(encode({ reasoning: { enabled: false } })), { max_tokens: 32000, thinking: { type: 'disabled' } });
    const adaptive = { type: 'adaptive', display: 'summarized' };
    assert.deepEqual(pick(encode({ reasoning: { enabled: true }, providerOptions: { anthropic: { thinking: adaptive } } })), { max_tokens: 32000, thinking: adaptive });
  });

  it('keeps max_tokens and the thinking budget within the target\'s ceiling: budget_tokens ≥ 1024 and < max_tokens ≤ ceiling, never another combination', () => {
    const within = (request: Partial<CanonicalRequest>, ceiling: number, model = 'claude-opus-4-1'): Record<string, any> =>
      pick(encodeMessagesBody({ model, messages: [], stream: false, ...request }, { ...target, model, maxOutputTokens: ceiling }));
    // The default is lowered to the ceiling.
    assert.deepEqual(within({}, 8192), { max_tokens: 8192 });
    // An explicit budget that would grow max_tokens past the ceiling: max_tokens stops at it, the budget halves.
    assert.deepEqual(within({ maxOutputTokens: 32000, reasoning: { enabled: true, budgetTokens: 32000 } }, 32000), { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 16000 } });
    assert.deepEqual(within({ maxOutputTokens: 20000, reasoning: { enabled: true, budgetTokens: 30000 } }, 32000), { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 30000 } });
    // Effort high (16384) under a ceiling of 8192.
    assert.deepEqual(within({ reasoning: { enabled: true, effort: 'high' } }, 8192), { max_tokens: 8192, thinking: { type: 'enabled', budget_tokens: 4096 } });
    // A ceiling below Anthropic's minimum budget: no room to think, answered without.
    assert.deepEqual(within({ maxOutputTokens: 4000, reasoning: { enabled: true, budgetTokens: 2000 } }, 1024), { max_tokens: 1024 });
    // A client's own thinking object (an Anthropic client translated) is lowered below a clamped max_tokens.
    assert.deepEqual(within({ maxOutputTokens: 8192, providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 10000 } } } }, 8192), {
      max_tokens: 8192,
      thinking: { type: 'enabled', budget_tokens: 4096 },
    });
    // Every combination a translated call can produce is valid.
    for (const ceiling of [1000, 1024, 1025, 2048, 8192, 32000, 64000]) {
      for (const maxOutputTokens of [undefined, 1, 1024, 4000, 32000, 100000]) {
        for (const reasoning of [{ enabled: true, budgetTokens: 1 }, { enabled: true, budgetTokens: 50000 }, { enabled: true, effort: 'high' as const }, undefined]) {
          const body = within({ maxOutputTokens, reasoning }, ceiling);
          assert.ok(body.max_tokens >= 1 && body.max_tokens <= ceiling, JSON.stringify({ ceiling, maxOutputTokens, reasoning, body }));
          if (body.thinking?.type === 'enabled') assert.ok(body.thinking.budget_tokens >= 1024 && body.thinking.budget_tokens < body.max_tokens, JSON.stringify({ ceiling, maxOutputTokens, reasoning, body }));
        }
      }
    }
  });

  it('leaves thinking off for a tool loop whose assistant turn has no thinking block', () => {
    const body = encode({
      reasoning: { enabled: true, budgetTokens: 2048 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'get_weather', input: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'sunny' }] }] },
      ],
    });
    assert.equal(body.thinking, undefined);
  });

  it('drops sampling fields thinking forbids, clamps temperature and filters whitespace stop sequences', () => {
    assert.deepEqual(pick(encode({ temperature: 1.6, topP: 0.9, topK: 5, stopSequences: ['\n', 'END'] }), ['temperature', 'top_p', 'top_k', 'stop_sequences']), {
      temperature: 1,
      top_k: 5,
      stop_sequences: ['END'],
    });
    assert.deepEqual(pick(encode({ topP: 0.9 }), ['top_p']), { top_p: 0.9 });
    assert.deepEqual(
      pick(encode({ temperature: 0.3, topP: 0.97, topK: 5, reasoning: { enabled: true, budgetTokens: 2048 } }), ['temperature', 'top_p', 'top_k']),
      { top_p: 0.97 },
    );
    assert.deepEqual(pick(encode({ temperature: 1, reasoning: { enabled: true, budgetTokens: 2048 } }), ['temperature']), { temperature: 1 });
  });

  it('encodes tools, tool choice and parallel tool calls; keeps only Anthropic provider tools', () => {
    const body = encode({
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather by city',
          inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
          strict: true,
          providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' }, eagerInputStreaming: true } },
        },
        { type: 'provider', api: 'openai-responses', name: 'web_search', raw: { type: 'web_search' } },
        { type: 'provider', api: 'anthropic-messages', name: 'bash', raw: { type: 'bash_20250124', name: 'bash' } },
      ],
      toolChoice: { type: 'required' },
      parallelToolCalls: false,
    });
    assert.deepEqual(body.tools, [
      {
        name: 'get_weather',
        description: 'Weather by city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        strict: true,
        eager_input_streaming: true,
        cache_control: { type: 'ephemeral' },
      },
      { type: 'bash_20250124', name: 'bash' },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(encode({ tools: [{ type: 'function', name: 'f', inputSchema: {} }], toolChoice: { type: 'none' }, parallelToolCalls: false }).tool_choice, { type: 'none' });
    // No tools left: no tool_choice either, which the API would reject.
    assert.equal(encode({ tools: [{ type: 'provider', api: 'gemini', raw: {} }], toolChoice: { type: 'auto' } }).tool_choice, undefined);
  });

  it('encodes response formats, effort, user and copies extra fields only from Anthropic clients', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const body = encode({
      responseFormat: { type: 'json-schema', name: 'result', schema },
      providerOptions: { anthropic: { effort: 'low' } },
      user: 'user-42',
      extraBody: { format: 'anthropic-messages', fields: { service_tier: 'standard_only', container: 'container_1' } },
    });
    assert.deepEqual(pick(body, ['output_config', 'metadata', 'service_tier', 'container']), {
      output_config: { effort: 'low', format: { type: 'json_schema', schema } },
      metadata: { user_id: 'user-42' },
      service_tier: 'standard_only',
      container: 'container_1',
    });
    const fromOpenAi = encode({ responseFormat: { type: 'json' }, extraBody: { format: 'openai-chat', fields: { logprobs: true, store: true } } });
    assert.equal(fromOpenAi.output_config, undefined);
    assert.equal(fromOpenAi.logprobs, undefined);
  });

  it('encodes a count_tokens request without the fields that endpoint rejects', () => {
    const request = decodeMessagesRequest(JSON.parse(claudeCodeText));
    const upstream = encodeAnthropicCountTokensRequest(request, target);
    assert.equal(upstream.url, 'https://api.anthropic.com/v1/messages/count_tokens');
    const body = JSON.parse(upstream.body);
    assert.deepEqual(Object.keys(body), ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'context_management']);
  });
});

function pick(body: Record<string, any>, keys: string[] = ['max_tokens', 'thinking']): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (body[key] !== undefined) picked[key] = body[key];
  return picked;
}
