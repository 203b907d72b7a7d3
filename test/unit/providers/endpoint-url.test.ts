import assert from 'node:assert/strict';
import { ProxyError } from '../../../proxy/core/errors';
import type { ProviderAdapter, WireOperation } from '../../../proxy/providers/adapter';
import { anthropicAdapter } from '../../../proxy/providers/anthropic-messages/adapter';
import { requireEndpointUrl } from '../../../proxy/providers/endpoint-url';
import { geminiAdapter } from '../../../proxy/providers/gemini/adapter';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { openAiResponsesAdapter } from '../../../proxy/providers/openai-responses/adapter';

const operations: WireOperation[] = ['generate', 'stream', 'count-tokens', 'embed', 'list-models'];

function endpoints(adapter: ProviderAdapter, baseUrl: string, model: string): Record<WireOperation, string | undefined> {
  const urls = {} as Record<WireOperation, string | undefined>;
  for (const operation of operations) urls[operation] = adapter.endpointUrl(operation, { baseUrl, model });
  return urls;
}

describe('provider adapters own the wire', () => {
  it('gives Anthropic its endpoints under /v1, none for embeddings, tolerating a base URL that ends in /v1', () => {
    assert.deepEqual(endpoints(anthropicAdapter, 'https://api.anthropic.com', 'claude-sonnet-4-5'), {
      generate: 'https://api.anthropic.com/v1/messages',
      stream: 'https://api.anthropic.com/v1/messages',
      'count-tokens': 'https://api.anthropic.com/v1/messages/count_tokens',
      embed: undefined,
      'list-models': 'https://api.anthropic.com/v1/models?limit=1000',
    });
    assert.equal(anthropicAdapter.endpointUrl('generate', { baseUrl: 'https://gateway.example/anthropic/v1', model: 'claude' }), 'https://gateway.example/anthropic/v1/messages');
  });

  it('gives Gemini per-model methods, SSE for streams, without a doubled models/ prefix', () => {
    assert.deepEqual(endpoints(geminiAdapter, 'https://generativelanguage.googleapis.com/v1beta', 'models/gemini-2.5-flash'), {
      generate: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
      stream: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      'count-tokens': 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens',
      embed: 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:batchEmbedContents',
      'list-models': 'https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000',
    });
  });

  it('puts a Gemini model in its URL as one segment and refuses names that would steer the URL', () => {
    for (const model of ['x/../escape', 'x?key=1&', 'cached#', '..', '.', 'a:b', 'a%2Fb', '']) {
      assert.throws(
        () => geminiAdapter.endpointUrl('generate', { baseUrl: 'https://g.example/v1beta', model }),
        (error: unknown) => error instanceof ProxyError && error.status === 400 && error.param === 'model',
        model,
      );
    }
    assert.equal(geminiAdapter.endpointUrl('generate', { baseUrl: 'https://g.example/v1beta', model: 'gemini-2.0-flash_001' }), 'https://g.example/v1beta/models/gemini-2.0-flash_001:generateContent');
  });

  it('gives Chat Completions providers no token counting, and Responses its input_tokens endpoint', () => {
    assert.deepEqual(endpoints(openAiChatAdapter, 'https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile'), {
      generate: 'https://api.groq.com/openai/v1/chat/completions',
      stream: 'https://api.groq.com/openai/v1/chat/completions',
      'count-tokens': undefined,
      embed: 'https://api.groq.com/openai/v1/embeddings',
      'list-models': 'https://api.groq.com/openai/v1/models',
    });
    assert.deepEqual(endpoints(openAiResponsesAdapter, 'https://api.openai.com/v1', 'gpt-5'), {
      generate: 'https://api.openai.com/v1/responses',
      stream: 'https://api.openai.com/v1/responses',
      'count-tokens': 'https://api.openai.com/v1/responses/input_tokens',
      embed: 'https://api.openai.com/v1/embeddings',
      'list-models': 'https://api.openai.com/v1/models',
    });
  });

  it('authenticates each API its own way, and sends the version header even without a key', () => {
    assert.deepEqual(anthropicAdapter.authHeaders('sk-ant-test'), { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' });
    assert.deepEqual(anthropicAdapter.authHeaders(undefined), { 'anthropic-version': '2023-06-01' });
    assert.deepEqual(geminiAdapter.authHeaders('AIza-test'), { 'x-goog-api-key': 'AIza-test' });
    assert.deepEqual(geminiAdapter.authHeaders(undefined), {});
    assert.deepEqual(openAiChatAdapter.authHeaders('gsk_test'), { authorization: 'Bearer gsk_test' });
    assert.deepEqual(openAiResponsesAdapter.authHeaders('sk-test'), { authorization: 'Bearer sk-test' });
    assert.deepEqual(openAiChatAdapter.authHeaders(''), {});
  });

  it('forwards the whole client query, but to Gemini only its documented system parameters that carry no credential', () => {
    assert.equal(anthropicAdapter.forwardedQuery, 'all');
    assert.notEqual(geminiAdapter.forwardedQuery, 'all');
    const gemini = geminiAdapter.forwardedQuery as ReadonlySet<string>;
    for (const name of ['prettyPrint', 'quotaUser']) assert.ok(gemini.has(name), name);
    for (const name of ['key', 'access_token', 'oauth_token', 'alt', 'fields', 'callback', '$userProject']) assert.ok(!gemini.has(name), name);
  });

  it('refuses an operation the API lacks with a message naming the provider', () => {
    assert.throws(
      () => requireEndpointUrl(anthropicAdapter, 'embed', { baseUrl: 'https://api.anthropic.com', model: 'claude' }, 'anthropic'),
      (error: unknown) =>
        error instanceof ProxyError && error.kind === 'invalid_request' && error.status === 400 && error.provider === 'anthropic' && /anthropic has no embeddings endpoint/.test(error.message),
    );
    assert.equal(requireEndpointUrl(openAiChatAdapter, 'embed', { baseUrl: 'http://127.0.0.1:11434/v1', model: 'nomic' }, 'ollama'), 'http://127.0.0.1:11434/v1/embeddings');
  });
});
