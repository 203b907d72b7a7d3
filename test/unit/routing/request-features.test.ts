import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClientFormat } from '../../../proxy/core/request';
import type { JsonObject } from '../../../proxy/core/json';
import { inboundCodecs } from '../../../proxy/codecs/registry';
import { createRequestFeatures, type RequestFeatures } from '../../../proxy/routing/request-features';
import { estimateInputTokens } from '../../../proxy/tokens/estimate-tokens';

function fixture(name: string): JsonObject {
  return JSON.parse(readFileSync(path.join(__dirname, '../../fixtures', name), 'utf8')) as JsonObject;
}

function features(format: ClientFormat, body: JsonObject, headers: Record<string, string | string[]> = {}): RequestFeatures {
  return createRequestFeatures({
    format,
    body: () => body,
    endpoint: '/v1/chat/completions',
    model: typeof body.model === 'string' ? body.model : 'gemini-2.5-flash',
    clientKey: '…k7Qz',
    headers,
  });
}

/** A 1×1 PNG. */
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('createRequestFeatures', () => {
  it('carries the plain facts as given', () => {
    const request = features('openai-chat', fixture('openai-chat/request-text.json'));
    assert.equal(request.format, 'openai-chat');
    assert.equal(request.model, 'gpt-4o-mini');
    assert.equal(request.endpoint, '/v1/chat/completions');
    assert.equal(request.clientKey, '…k7Qz');
  });

  it('reads headers by lower-case name and joins repeated ones', () => {
    const request = features('openai-chat', fixture('openai-chat/request-text.json'), { 'x-team': 'search', 'x-tags': ['a', 'b'] });
    assert.equal(request.header('x-team'), 'search');
    assert.equal(request.header('x-tags'), 'a, b');
    assert.equal(request.header('x-missing'), undefined);
  });

  describe('hasTools', () => {
    it('is true for Chat tools and for the legacy functions list', () => {
      assert.equal(features('openai-chat', fixture('openai-chat/request-tools.json')).hasTools, true);
      assert.equal(features('openai-chat', fixture('openai-chat/request-legacy-functions.json')).hasTools, true);
    });

    it('is false for a history of tool calls without tool definitions', () => {
      assert.equal(features('openai-chat', fixture('openai-chat/request-parallel-tool-calls.json')).hasTools, false);
    });

    it('is false without tools, with an empty list, or with a malformed one', () => {
      assert.equal(features('openai-chat', fixture('openai-chat/request-text.json')).hasTools, false);
      assert.equal(features('openai-chat', { model: 'gpt-4o', messages: [], tools: [] }).hasTools, false);
      assert.equal(features('openai-chat', { model: 'gpt-4o', messages: [], tools: 'get_weather' }).hasTools, false);
      assert.equal(features('openai-chat', { model: 'gpt-4o', messages: [], tools: [], functions: [] }).hasTools, false);
    });

    it('reads Anthropic and Responses tools, built-in tools included', () => {
      assert.equal(features('anthropic-messages', fixture('anthropic/claude-code-request.json')).hasTools, true);
      assert.equal(features('anthropic-messages', { model: 'claude-sonnet-4-5', messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).hasTools, true);
      assert.equal(features('anthropic-messages', { model: 'claude-sonnet-4-5', messages: [] }).hasTools, false);
      assert.equal(features('openai-responses', { model: 'gpt-5', input: 'hi', tools: [{ type: 'web_search' }] }).hasTools, true);
      // `functions` is a Chat field only.
      assert.equal(features('openai-responses', { model: 'gpt-5', input: 'hi', functions: [{ name: 'f' }] }).hasTools, false);
    });

    it('reads Gemini function declarations in either spelling and built-in tools', () => {
      assert.equal(features('gemini', fixture('gemini/client-request-rest.json')).hasTools, true);
      assert.equal(features('gemini', { contents: [], tools: [{ functionDeclarations: [{ name: 'f' }] }] }).hasTools, true);
      assert.equal(features('gemini', { contents: [], tools: [{ googleSearch: {} }] }).hasTools, true);
      assert.equal(features('gemini', { contents: [], tools: [{ functionDeclarations: [] }] }).hasTools, false);
      assert.equal(features('gemini', { contents: [], tools: [{}] }).hasTools, false);
      assert.equal(features('gemini', fixture('gemini/request-system-image.json')).hasTools, false);
    });

    it('does not decode the body', () => {
      const request = features('openai-chat', fixture('openai-chat/request-tools.json'));
      assert.equal(request.hasTools, true);
      assert.equal(request.decoded(), undefined);
    });
  });

  describe('hasImages', () => {
    it('finds images in user turns of each format', () => {
      assert.equal(features('openai-chat', fixture('openai-chat/request-image.json')).hasImages, true);
      assert.equal(features('gemini', fixture('gemini/request-system-image.json')).hasImages, true);
      assert.equal(
        features('anthropic-messages', {
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] }],
        }).hasImages,
        true,
      );
      assert.equal(
        features('openai-responses', {
          model: 'gpt-5',
          input: [{ role: 'user', content: [{ type: 'input_image', image_url: `data:image/png;base64,${png}` }] }],
        }).hasImages,
        true,
      );
    });

    it('finds an image returned by a tool', () => {
      const body = {
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Take a screenshot.' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A', name: 'screenshot', input: {} }] },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] }],
          },
        ],
      };
      assert.equal(features('anthropic-messages', body).hasImages, true);
    });

    it('is false for text, and for files that are not images', () => {
      assert.equal(features('openai-chat', fixture('openai-chat/request-text.json')).hasImages, false);
      assert.equal(features('gemini', fixture('gemini/client-request-rest.json')).hasImages, false);
    });

    it('is false for a body that does not decode, and decoded() stays undefined', () => {
      const request = features('openai-chat', { model: 'gpt-4o', messages: 'hello' });
      assert.equal(request.hasImages, false);
      assert.equal(request.estimatedInputTokens, 0);
      assert.equal(request.decoded(), undefined);
    });
  });

  describe('estimatedInputTokens', () => {
    it('is the local estimate of the decoded request', () => {
      const body = fixture('anthropic/claude-code-request.json');
      const expected = estimateInputTokens(inboundCodecs['anthropic-messages'].decodeRequest(body));
      assert.ok(expected > 100);
      assert.equal(features('anthropic-messages', body).estimatedInputTokens, expected);
    });

    it('decodes a Gemini body, whose model lives in the path', () => {
      const body = fixture('gemini/request-tool-round-trip.json');
      const request = features('gemini', body);
      assert.equal(request.estimatedInputTokens, estimateInputTokens(inboundCodecs.gemini.decodeRequest(body)));
      assert.equal(request.decoded()?.model, '');
    });
  });

  describe('decoding', () => {
    it('decodes nothing until images or tokens are asked for', () => {
      const request = features('openai-chat', fixture('openai-chat/request-image.json'), { 'x-team': 'search' });
      void request.model;
      void request.header('x-team');
      void request.hasTools;
      assert.equal(request.decoded(), undefined);
    });

    it('decodes once and shares the result between images, tokens and the pipeline', () => {
      const body = fixture('openai-chat/request-image.json');
      const request = features('openai-chat', body);
      assert.equal(request.hasImages, true);
      const first = request.decoded();
      assert.ok(first);
      assert.equal(first.messages.length, 1);
      const tokens = request.estimatedInputTokens;
      assert.equal(tokens, estimateInputTokens(first));
      assert.equal(request.decoded(), first);
      assert.equal(request.hasImages, true);
      assert.equal(request.decoded(), first);
    });

    it('calls the codec exactly once however often the lazy features are read', () => {
      const codec = inboundCodecs['openai-chat'];
      const original = codec.decodeRequest;
      let decodes = 0;
      codec.decodeRequest = (body) => {
        decodes++;
        return original(body);
      };
      try {
        const request = features('openai-chat', fixture('openai-chat/request-image.json'));
        assert.equal(decodes, 0);
        void request.estimatedInputTokens;
        void request.hasImages;
        void request.estimatedInputTokens;
        void request.hasImages;
        assert.equal(decodes, 1);
        const broken = features('openai-chat', { model: 'gpt-4o', messages: 'hello' });
        void broken.hasImages;
        void broken.estimatedInputTokens;
        assert.equal(decodes, 2);
      } finally {
        codec.decodeRequest = original;
      }
    });
  });
});
