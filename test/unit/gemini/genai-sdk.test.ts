import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalResponse } from '../../../proxy/core/response';
import { responseToParts } from '../../../proxy/core/response';
import type { StreamPart } from '../../../proxy/core/stream-part';
import type { ResponseContext } from '../../../proxy/inbound/codec';
import { geminiCodec } from '../../../proxy/inbound/gemini/codec';

/** Visible text of a response, read from the parts (the SDK's `.text` warns when calls are present). */
function visibleText(response: GenerateContentResponse): string {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  return parts.map((part) => (part.thought === true ? '' : (part.text ?? ''))).join('');
}

/** What the official SDK makes of our encoders' output, served over a local socket. */
describe('Gemini inbound encoders read by @google/genai', () => {
  let server: http.Server;
  let reply: (path: string) => { status: number; contentType: string; body: string };
  let client: GoogleGenAI;

  const context: ResponseContext = {
    requestId: 'req_sdk_1',
    model: 'anthropic/claude-sonnet-4-5',
    created: 1_745_000_000,
    request: { model: 'anthropic/claude-sonnet-4-5', messages: [], stream: true },
  };
  const answer: CanonicalResponse = {
    id: 'msg_01',
    content: [
      { type: 'reasoning', text: 'User wants weather.' },
      { type: 'text', text: 'Checking Paris.' },
      { type: 'tool-call', id: 'toolu_01', name: 'get_weather', input: '{"city":"Paris"}' },
    ],
    finishReason: 'tool-calls',
    usage: { inputTokens: 40, outputTokens: 25, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 5 },
  };

  function streamed(parts: Iterable<StreamPart>): string {
    const encoder = geminiCodec.createStreamEncoder(context);
    let text = '';
    for (const part of parts) text += encoder.encode(part);
    return text;
  }

  before(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const { status, contentType, body } = reply(request.url ?? '');
        response.writeHead(status, { 'content-type': contentType });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    client = new GoogleGenAI({ apiKey: 'sk-local', httpOptions: { baseUrl: `http://127.0.0.1:${port}` } });
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a whole response', async () => {
    reply = () => ({ status: 200, contentType: 'application/json', body: JSON.stringify(geminiCodec.encodeResponse(answer, context)) });
    const response = await client.models.generateContent({ model: 'anthropic/claude-sonnet-4-5', contents: 'Weather?' });
    assert.equal(visibleText(response), 'Checking Paris.');
    assert.deepEqual(response.functionCalls, [{ id: 'toolu_01', name: 'get_weather', args: { city: 'Paris' } }]);
    assert.equal(response.usageMetadata?.thoughtsTokenCount, 5);
  });

  it('reads a stream and keeps the streamed turn in a chat history', async () => {
    reply = () => ({ status: 200, contentType: 'text/event-stream', body: streamed(responseToParts(answer)) });
    const chat = client.chats.create({ model: 'anthropic/claude-sonnet-4-5' });
    let text = '';
    let finishReason: string | undefined;
    for await (const chunk of await chat.sendMessageStream({ message: 'Weather?' })) {
      text += visibleText(chunk);
      finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
    }
    assert.equal(text, 'Checking Paris.');
    assert.equal(finishReason, 'STOP');
    // The Chat keeps one model content per chunk, and none at all if any chunk was invalid.
    const history = chat.getHistory(true);
    assert.equal(history[0]?.role, 'user');
    assert.ok(history.length > 2);
    assert.ok(history.slice(1).every((content) => content.role === 'model'));
    const calls = history.slice(1).flatMap((content) => content.parts ?? []).filter((part) => part.functionCall);
    assert.deepEqual(calls[0]?.functionCall, { id: 'toolu_01', name: 'get_weather', args: { city: 'Paris' } });
    // Sent back to us, the chunked turn decodes to the answer it was streamed from.
    const next = geminiCodec.decodeRequest({ contents: history });
    assert.deepEqual(next.messages[1], {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'User wants weather.' },
        { type: 'text', text: 'Checking Paris.' },
        { type: 'tool-call', id: 'toolu_01', name: 'get_weather', input: '{"city":"Paris"}' },
      ],
    });
  });

  it('throws an ApiError for an error event mid-stream', async () => {
    const parts: StreamPart[] = [
      { type: 'stream-start' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', id: '0', delta: 'Partial' },
      { type: 'error', error: new ProxyError('overloaded', 'anthropic: Overloaded') },
    ];
    reply = () => ({ status: 200, contentType: 'text/event-stream', body: streamed(parts) });
    const seen: string[] = [];
    await assert.rejects(
      async () => {
        for await (const chunk of await client.models.generateContentStream({ model: 'x', contents: 'Hi' })) seen.push(visibleText(chunk));
      },
      (error: unknown) => error instanceof ApiError && error.status === 503 && error.message.includes('anthropic: Overloaded'),
    );
    assert.deepEqual(seen, ['Partial']);
  });

  it('throws an ApiError with the status for an error answer', async () => {
    const { status, body } = geminiCodec.encodeError(new ProxyError('not_found', 'Switchyard knows no model named x.'));
    reply = () => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    await assert.rejects(
      client.models.generateContent({ model: 'x', contents: 'Hi' }),
      (error: unknown) => error instanceof ApiError && error.status === 404 && error.message.includes('Switchyard knows no model named x.'),
    );
  });
});
