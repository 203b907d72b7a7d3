import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { ProxyError } from '../../../proxy/core/errors';
import { createGeminiStreamDecoder } from '../../../proxy/providers/gemini/decode-stream';
import { SseParser, type SseEvent } from '../../../proxy/sse/sse-parser';

const fixtures = path.join(__dirname, '../../fixtures/gemini');

function events(name: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(readFileSync(path.join(fixtures, name))), ...parser.end()];
}

function decode(list: SseEvent[]): StreamPart[] {
  const decoder = createGeminiStreamDecoder({ generateToolCallId: (index) => `call_${index}` });
  const parts: StreamPart[] = [];
  for (const event of list) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}

describe('Gemini stream decoder', () => {
  it('decodes streamed text into one block and finishes with the last usage', () => {
    assert.deepEqual(decode(events('stream-text.chunks.txt')), [
      { type: 'stream-start', id: '3r1WaOfbHfSKxN8Pp-WywAw', model: 'gemini-2.5-flash' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'Why' },
      { type: 'text-delta', id: '0', delta: ' did the scarecrow win an award? Because he was' },
      { type: 'text-delta', id: '0', delta: ' outstanding in his field! 🌾' },
      { type: 'text-end', id: '0' },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'STOP',
        usage: { inputTokens: 9, outputTokens: 640, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 623 },
      },
    ]);
  });

  it('keeps thought signatures on the reasoning block and on the text part that carried them', () => {
    const signatureOnThought = 'CqIBAdHtim9vTnZ2mX1kQpL0c3VhZ2VTaWduYXR1cmVPbmU=';
    const signatureOnText = 'CsMBAdHtim8zTGFzdFBhcnRTaWduYXR1cmVUd28=';
    assert.deepEqual(decode(events('stream-thoughts.chunks.txt')), [
      { type: 'stream-start', id: 'n8lXaP2kJ4-Fz7IPwqS1yQk', model: 'gemini-3-pro-preview' },
      { type: 'reasoning-start', id: '0' },
      {
        type: 'reasoning-delta',
        id: '0',
        delta: "**Multiplying step by step**\n\nI'm splitting 17 × 23 into 17 × 20 and 17 × 3.",
      },
      { type: 'reasoning-delta', id: '0', delta: ' That gives 340 + 51.' },
      { type: 'reasoning-end', id: '0', providerOptions: { gemini: { thoughtSignature: signatureOnThought } } },
      { type: 'text-start', id: '1' },
      { type: 'text-delta', id: '1', delta: '17 × 23 = ' },
      { type: 'text-delta', id: '1', delta: '391.' },
      { type: 'text-end', id: '1', providerOptions: { gemini: { thoughtSignature: signatureOnText } } },
      {
        type: 'finish',
        finishReason: 'stop',
        rawFinishReason: 'STOP',
        usage: { inputTokens: 14, outputTokens: 256, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 248 },
      },
    ]);
  });

  it('decodes parallel function calls whole, with generated ids, and finishes with tool-calls', () => {
    assert.deepEqual(decode(events('stream-parallel-calls.chunks.txt')), [
      { type: 'stream-start', id: 'Ub5WaMqBKIm3xN8Pup2X8QE', model: 'gemini-2.5-flash' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: "I'll check both cities." },
      { type: 'text-end', id: '0' },
      {
        type: 'tool-input-start',
        id: 'call_0',
        name: 'get_weather',
        providerOptions: { gemini: { thoughtSignature: 'CuUBAdHtim+RmlyC3RQYXJhbGxlbENhbGxTaWc=' } },
      },
      { type: 'tool-input-delta', id: 'call_0', delta: '{"city":"Paris","unit":"celsius"}' },
      { type: 'tool-input-end', id: 'call_0' },
      { type: 'tool-input-start', id: 'call_1', name: 'get_weather' },
      { type: 'tool-input-delta', id: 'call_1', delta: '{"city":"London","unit":"celsius"}' },
      { type: 'tool-input-end', id: 'call_1' },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        rawFinishReason: 'STOP',
        usage: { inputTokens: 96, outputTokens: 166, cacheReadTokens: 64, cacheWriteTokens: 0, reasoningTokens: 120 },
      },
    ]);
  });

  it('uses the id Gemini gave a function call and remembers that Gemini made it', () => {
    const decoder = createGeminiStreamDecoder();
    const parts = decoder.decode({
      data: JSON.stringify({
        candidates: [{ content: { role: 'model', parts: [{ functionCall: { id: 'fc_1', name: 'ls', args: {} } }] } }],
      }),
    });
    assert.deepEqual(parts.slice(1), [
      { type: 'tool-input-start', id: 'fc_1', name: 'ls', providerOptions: { gemini: { functionCallId: 'fc_1' } } },
      { type: 'tool-input-delta', id: 'fc_1', delta: '{}' },
      { type: 'tool-input-end', id: 'fc_1' },
    ]);
  });

  it('generates call ids that differ between responses by default', () => {
    const call = { data: JSON.stringify({ candidates: [{ content: { parts: [{ functionCall: { name: 'ls' } }] } }] }) };
    const first = createGeminiStreamDecoder().decode(call)[1];
    const second = createGeminiStreamDecoder().decode(call)[1];
    assert.equal(first?.type, 'tool-input-start');
    assert.equal(second?.type, 'tool-input-start');
    if (first?.type !== 'tool-input-start' || second?.type !== 'tool-input-start') return;
    assert.match(first.id, /^call_[0-9a-f]{12}_0$/);
    assert.notEqual(first.id, second.id);
  });

  it('finishes a prompt blocked by safety as content-filter', () => {
    assert.deepEqual(decode(events('stream-prompt-blocked.chunks.txt')), [
      { type: 'stream-start', id: 'kL9WaL3-Gs2Oz7IP8aWpsQ0', model: 'gemini-2.5-flash' },
      {
        type: 'finish',
        finishReason: 'content-filter',
        rawFinishReason: 'PROHIBITED_CONTENT',
        usage: { inputTokens: 12, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      },
    ]);
  });

  it('finishes an answer stopped by safety as content-filter', () => {
    const decoder = createGeminiStreamDecoder();
    decoder.decode({ data: '{"candidates": [{"content": {"role": "model"},"finishReason": "SAFETY","index": 0}]}' });
    const [finish] = decoder.end();
    assert.equal(finish?.type === 'finish' && finish.finishReason, 'content-filter');
  });

  it('reports a stream cut before the finish reason as an error, after closing the open block', () => {
    const cut = events('stream-text.chunks.txt').slice(0, 2);
    const parts = decode(cut);
    assert.deepEqual(parts.slice(-2, -1), [{ type: 'text-end', id: '0' }]);
    const last = parts[parts.length - 1];
    assert.equal(last?.type, 'error');
    if (last?.type !== 'error') return;
    assert.ok(last.error instanceof ProxyError);
    assert.equal(last.error.kind, 'api_error');
    assert.equal(
      last.error.message,
      'gemini: the stream ended before the answer was complete (no finishReason); the connection was probably cut.',
    );
  });

  it('reports an empty stream as an error', () => {
    const parts = decode([]);
    assert.equal(parts.length, 1);
    assert.equal(parts[0]?.type === 'error' && parts[0].error.message, 'gemini: the stream ended before any answer arrived.');
  });

  it('turns an error event into one error part and ignores the rest', () => {
    const parts = decode(events('stream-error.chunks.txt'));
    assert.deepEqual(parts.slice(0, 3), [
      { type: 'stream-start', id: 'xM9WaJ6vDoaJz7IPsbSa-Qs', model: 'gemini-2.5-pro' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'Here is' },
    ]);
    assert.equal(parts.length, 4);
    const last = parts[3];
    assert.equal(last?.type, 'error');
    if (last?.type !== 'error') return;
    assert.equal(last.error.kind, 'overloaded');
    assert.equal(last.error.status, 503);
    assert.equal(last.error.message, 'gemini: The model is overloaded. Please try again later.');
  });

  it('reports an event that is not JSON', () => {
    const decoder = createGeminiStreamDecoder();
    const parts = decoder.decode({ data: '<html>' });
    assert.equal(parts[0]?.type === 'error' && parts[0].error.message, 'gemini sent a malformed GenerateContentResponse (not JSON).');
    assert.deepEqual(decoder.end(), []);
  });

  it('opens no block for an empty text part without a signature', () => {
    const decoder = createGeminiStreamDecoder({ generateToolCallId: (index) => `call_${index}` });
    const parts = decoder.decode({
      data: JSON.stringify({
        candidates: [{ content: { parts: [{ functionCall: { name: 'ls', args: {} } }, { text: '' }] }, finishReason: 'STOP' }],
      }),
    });
    assert.deepEqual(parts.slice(1), [
      { type: 'tool-input-start', id: 'call_0', name: 'ls' },
      { type: 'tool-input-delta', id: 'call_0', delta: '{}' },
      { type: 'tool-input-end', id: 'call_0' },
    ]);
  });

  it('starts a new block when a second signature arrives in the same block', () => {
    const decoder = createGeminiStreamDecoder();
    const parts = decoder.decode({
      data: JSON.stringify({
        candidates: [
          {
            content: {
              parts: [
                { text: 'a', thought: true, thoughtSignature: 'S1' },
                { text: 'b', thought: true, thoughtSignature: 'S2' },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      }),
    });
    assert.deepEqual(parts.slice(1), [
      { type: 'reasoning-start', id: '0' },
      { type: 'reasoning-delta', id: '0', delta: 'a' },
      { type: 'reasoning-end', id: '0', providerOptions: { gemini: { thoughtSignature: 'S1' } } },
      { type: 'reasoning-start', id: '1' },
      { type: 'reasoning-delta', id: '1', delta: 'b' },
    ]);
  });
});
