import assert from 'node:assert/strict';
import { decodeGeminiPath } from '../../../proxy/inbound/gemini/decode-path';

describe('decodeGeminiPath', () => {
  it('reads the model and method', () => {
    assert.deepEqual(decodeGeminiPath('/v1beta/models/gemini-2.5-flash:generateContent'), {
      model: 'gemini-2.5-flash',
      stream: false,
      action: 'generateContent',
    });
    assert.deepEqual(decodeGeminiPath('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'), {
      model: 'gemini-2.5-flash',
      stream: true,
      action: 'streamGenerateContent',
    });
    assert.deepEqual(decodeGeminiPath('/v1/models/gemini-1.5-pro-002:countTokens'), {
      model: 'gemini-1.5-pro-002',
      stream: false,
      action: 'countTokens',
    });
  });

  it('reads a provider prefix sent raw (as @google/genai does) or encoded', () => {
    assert.equal(decodeGeminiPath('/v1beta/models/openai/gpt-4.1-mini:generateContent')?.model, 'openai/gpt-4.1-mini');
    assert.equal(decodeGeminiPath('/v1beta/models/openai%2Fgpt-4.1-mini:generateContent')?.model, 'openai/gpt-4.1-mini');
    assert.equal(decodeGeminiPath('/v1beta/models/ollama%2Fllama3.1:8b:streamGenerateContent')?.model, 'ollama/llama3.1:8b');
  });

  it('rejects paths without a model or with a method we do not serve', () => {
    assert.equal(decodeGeminiPath('/v1beta/models'), undefined);
    assert.equal(decodeGeminiPath('/v1beta/models/gemini-2.5-flash'), undefined);
    assert.equal(decodeGeminiPath('/v1beta/models/:generateContent'), undefined);
    assert.equal(decodeGeminiPath('/v1beta/models/gemini-2.5-flash:embedContent'), undefined);
    assert.equal(decodeGeminiPath('/v1beta/models/bad%E0%A4%A:generateContent'), undefined);
    assert.equal(decodeGeminiPath('/v1/chat/completions'), undefined);
  });
});
