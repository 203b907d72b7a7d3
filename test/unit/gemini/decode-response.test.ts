import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import { decodeGeminiResponse } from '../../../proxy/providers/gemini/decode-response';

const fixtures = path.join(__dirname, '../../fixtures/gemini');

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
}

describe('Gemini response decoder', () => {
  it('decodes text and a signed function call with its Gemini id', () => {
    assert.deepEqual(decodeGeminiResponse(fixture('response-function-call.json')), {
      id: 'bNFWaKmXA7eDz7IP2ZHn0Ak',
      model: 'gemini-3-flash-preview',
      content: [
        { type: 'text', text: 'Let me look that up.' },
        {
          type: 'tool-call',
          id: 'fc_7d1c2a9e',
          name: 'search_docs',
          input: '{"query":"thought signatures","limit":3}',
          providerOptions: {
            gemini: { thoughtSignature: 'CpcCAdHtim9FdW5jdGlvbkNhbGxTaWduYXR1cmU=', functionCallId: 'fc_7d1c2a9e' },
          },
        },
      ],
      finishReason: 'tool-calls',
      rawFinishReason: 'STOP',
      usage: { inputTokens: 2048, outputTokens: 171, cacheReadTokens: 1536, cacheWriteTokens: 0, reasoningTokens: 140 },
    });
  });

  it('decodes an answer cut by the token limit with no parts', () => {
    assert.deepEqual(decodeGeminiResponse(fixture('response-max-tokens.json')), {
      id: 'Wr1WaPPxJ5q1z7IPj8PzsQ4',
      model: 'gemini-2.5-flash',
      content: [],
      finishReason: 'length',
      rawFinishReason: 'MAX_TOKENS',
      usage: { inputTokens: 58, outputTokens: 255, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 255 },
    });
  });

  it('throws the error a 200 body carries', () => {
    assert.throws(
      () => decodeGeminiResponse({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } }),
      (error: unknown) => error instanceof ProxyError && error.message === 'gemini: Internal error encountered.',
    );
  });
});
