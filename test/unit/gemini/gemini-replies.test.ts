import assert from 'node:assert/strict';
import { collectResponse } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { decodeGeminiResponse } from '../../../proxy/providers/gemini/decode-response';
import { createGeminiStreamDecoder } from '../../../proxy/providers/gemini/decode-stream';
import { SseParser } from '../../../proxy/sse/sse-parser';
import { geminiChunks, geminiErrorJson, geminiResponseJson, type GeminiReplyOptions } from '../../fakes/gemini-replies';

const options: GeminiReplyOptions = {
  model: 'gemini-2.5-flash',
  thought: { text: 'The user wants the weather in Paris.', signature: 'CiQBFakeSignature==' },
  text: 'Checking the weather now.',
  functionCalls: [{ name: 'get_weather', args: { city: 'Paris' } }],
  usage: { prompt: 120, candidates: 20, cached: 64, thoughts: 30 },
};

function streamed(chunks: string[]): StreamPart[] {
  const parser = new SseParser();
  const decoder = createGeminiStreamDecoder({ generateToolCallId: (index) => `call_${index}` });
  const parts: StreamPart[] = [];
  for (const chunk of chunks) for (const event of parser.push(Buffer.from(chunk))) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}

describe('Gemini fake replies', () => {
  it('stream the same answer the whole body carries', () => {
    const chunks = geminiChunks(options);
    assert.ok(chunks.length > 3);
    assert.ok(chunks.every((chunk) => chunk.startsWith('data: {') && chunk.endsWith('}\r\n\r\n')));
    const fromStream = collectResponse(streamed(chunks));
    const whole = decodeGeminiResponse(geminiResponseJson(options), { generateToolCallId: (index) => `call_${index}` });
    assert.deepEqual(fromStream, whole);
    assert.deepEqual(whole.content, [
      {
        type: 'reasoning',
        text: 'The user wants the weather in Paris.',
        providerOptions: { gemini: { thoughtSignature: 'CiQBFakeSignature==' } },
      },
      { type: 'text', text: 'Checking the weather now.' },
      { type: 'tool-call', id: 'call_0', name: 'get_weather', input: '{"city":"Paris"}' },
    ]);
    assert.equal(whole.finishReason, 'tool-calls');
    assert.deepEqual(whole.usage, { inputTokens: 120, outputTokens: 50, cacheReadTokens: 64, cacheWriteTokens: 0, reasoningTokens: 30 });
  });

  it('put the finish reason and full usage on the last event only', () => {
    const chunks = geminiChunks({ model: 'gemini-2.5-flash', text: 'Hello there, friend.', usage: { prompt: 5, candidates: 4 } });
    const bodies = chunks.map((chunk) => JSON.parse(chunk.slice('data: '.length)) as Record<string, any>);
    assert.ok(bodies.slice(0, -1).every((body) => body.candidates[0].finishReason === undefined));
    assert.equal(bodies[bodies.length - 1]?.candidates[0].finishReason, 'STOP');
    assert.deepEqual(bodies[bodies.length - 1]?.usageMetadata, {
      promptTokenCount: 5,
      candidatesTokenCount: 4,
      totalTokenCount: 9,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
    });
  });

  it('build an error body', () => {
    assert.deepEqual(geminiErrorJson(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.'), {
      error: { code: 429, message: 'Quota exceeded.', status: 'RESOURCE_EXHAUSTED' },
    });
  });
});
