import assert from 'node:assert/strict';
import { defaultConfig, type SwitchyardConfig } from '../../../proxy/config/config';
import { resolveProviders } from '../../../proxy/config/resolve-providers';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { wireTarget } from '../../../proxy/providers/wire-target';

const request: CanonicalRequest = {
  model: 'any',
  stream: false,
  maxOutputTokens: 100,
  messages: [
    { role: 'system', variant: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
    { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'read', input: '{}' }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_01A09q90qw90lq917835lq9', content: [{ type: 'text', text: 'ok' }] }] },
  ],
};

interface EncodedBody {
  max_tokens?: number;
  max_completion_tokens?: number;
  messages: Array<{ role: string; tool_calls?: Array<{ id: string }>; tool_call_id?: string }>;
}

function encodeFor(providerId: string, config: SwitchyardConfig = defaultConfig()): EncodedBody {
  const provider = resolveProviders(config, {}).get(providerId);
  assert.ok(provider, `no provider ${providerId}`);
  return JSON.parse(openAiChatAdapter.encodeRequest(request, wireTarget(provider, 'model-1', 'key')).body) as EncodedBody;
}

describe('Chat dialect flags from presets and config', () => {
  it('gives OpenAI max_completion_tokens and the developer role, other providers max_tokens and system', () => {
    const openAi = encodeFor('openai');
    assert.equal(openAi.max_completion_tokens, 100);
    assert.equal(openAi.max_tokens, undefined);
    assert.equal(openAi.messages[0]?.role, 'developer');
    const groq = encodeFor('groq');
    assert.equal(groq.max_tokens, 100);
    assert.equal(groq.max_completion_tokens, undefined);
    assert.equal(groq.messages[0]?.role, 'system');
    assert.equal(groq.messages[1]?.tool_calls?.[0]?.id, 'toolu_01A09q90qw90lq917835lq9');
  });

  it('gives Mistral nine-character tool call ids through its preset', () => {
    const mistral = encodeFor('mistral');
    assert.match(mistral.messages[1]?.tool_calls?.[0]?.id ?? '', /^[A-Za-z0-9]{9}$/);
    assert.equal(mistral.messages[2]?.tool_call_id, mistral.messages[1]?.tool_calls?.[0]?.id);
  });

  it('lets a custom provider set the flags in config, and a preset entry turn one off', () => {
    const config = defaultConfig();
    config.providers.gateway = { type: 'openai-compatible', baseUrl: 'https://llm.example.com/v1', chatDialect: { maxCompletionTokens: true, nineCharacterToolCallIds: true } };
    config.providers.openai = { chatDialect: { developerRole: false } };
    const gateway = encodeFor('gateway', config);
    assert.equal(gateway.max_completion_tokens, 100);
    assert.match(gateway.messages[1]?.tool_calls?.[0]?.id ?? '', /^[A-Za-z0-9]{9}$/);
    const openAi = encodeFor('openai', config);
    assert.equal(openAi.messages[0]?.role, 'system');
    assert.equal(openAi.max_completion_tokens, 100, 'the preset flags the entry does not name stay');
  });

  it('sends an assistant turn’s reasoning as reasoning_content only where the dialect asks for it', () => {
    const withReasoning: CanonicalRequest = {
      ...request,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Read it.' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Read the file ', signature: 'sig' },
            { type: 'reasoning', text: '', redactedData: 'opaque' },
            { type: 'reasoning', text: 'first.' },
            { type: 'tool-call', id: 'call_1', name: 'read', input: '{}' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'ok' }] }] },
      ],
    };
    const config = defaultConfig();
    config.providers.deepseek = { type: 'openai-compatible', baseUrl: 'https://api.deepseek.com/v1', chatDialect: { reasoningContent: true } };
    const encode = (providerId: string): Record<string, unknown> => {
      const provider = resolveProviders(config, {}).get(providerId);
      assert.ok(provider);
      const body = JSON.parse(openAiChatAdapter.encodeRequest(withReasoning, wireTarget(provider, 'model-1', 'key')).body) as { messages: Array<Record<string, unknown>> };
      return body.messages[1]!;
    };
    assert.deepEqual(encode('deepseek'), {
      role: 'assistant',
      content: null,
      reasoning_content: 'Read the file first.',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } }],
    });
    assert.equal('reasoning_content' in encode('openai'), false, 'OpenAI refuses unknown message fields');
    assert.equal('reasoning_content' in encode('groq'), false);
  });
});
