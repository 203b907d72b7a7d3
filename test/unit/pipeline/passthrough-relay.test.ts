import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrive } from '../../../proxy/call/request-context';
import type { OpenedAttempt } from '../../../proxy/pipeline/attempt';
import type { Delivered } from '../../../proxy/pipeline/delivery';
import { createContext } from '../../../proxy/pipeline/endpoint';
import { relayPassthrough } from '../../../proxy/pipeline/passthrough';
import { TestChunkSource } from '../../support/chunk-source';

const events = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"usage":{"input_tokens":12,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];

/**
 * Relays an Anthropic stream through a real ServerResponse and reports, for each chunk an
 * observer saw, whether the client's response had already been handed that chunk.
 */
async function relayWatched(): Promise<{ seenAfterWrite: boolean[]; delivered: Delivered; received: string }> {
  const seenAfterWrite: boolean[] = [];
  let delivered: Delivered | undefined;
  const server = http.createServer((_request, response) => {
    const written: Buffer[] = [];
    const write = response.write.bind(response) as (chunk: Buffer) => boolean;
    response.write = ((chunk: Buffer) => {
      written.push(chunk);
      return write(chunk);
    }) as typeof response.write;
    const body = new TestChunkSource();
    const context = createContext(arrive({ format: 'anthropic-messages', operation: 'generate', endpoint: '/v1/messages', principal: undefined }), {
      requestedModel: 'claude-sonnet-4-5',
      stream: true,
      headers: {},
      query: '',
      raw: Buffer.from('{}'),
      body: () => ({}),
      signal: new AbortController().signal,
      decode: () => {
        throw new Error('not decoded on the passthrough path');
      },
    });
    const opened = {
      kind: 'stream',
      firstChunk: Buffer.from(events[0]!),
      firstChunkAt: performance.now(),
      target: { api: 'anthropic-messages', provider: { id: 'anthropic' } },
      chunks: body,
      answer: { status: 200, headers: { 'content-type': 'text/event-stream' } },
      abort: new AbortController(),
      addedUsage: false,
      idleMs: undefined,
    } as unknown as OpenedAttempt;
    const observer = {
      wantsParts: false,
      onBytes: (chunk: Buffer) => seenAfterWrite.push(written.some((sent) => sent.equals(chunk))),
    };
    void Promise.resolve(relayPassthrough({ context, opened, response, headers: {}, observers: [observer], price: () => null, log: () => undefined })).then((result) => {
      delivered = result;
    });
    for (const event of events.slice(1)) body.push(event);
    body.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const received = await response.text();
    return { seenAfterWrite, delivered: delivered!, received };
  } finally {
    server.close();
  }
}

describe('passthrough relay', () => {
  it('writes each chunk to the client before the usage tap and observers read it', async () => {
    const { seenAfterWrite, delivered, received } = await relayWatched();
    assert.equal(received, events.join(''), 'the client gets the provider bytes untouched');
    assert.equal(seenAfterWrite.length, events.length);
    assert.deepEqual(seenAfterWrite, events.map(() => true), 'a chunk was read before it was written');
    assert.equal(delivered.usage?.inputTokens, 12);
    assert.equal(delivered.usage?.outputTokens, 5);
    assert.equal(delivered.finishReason, 'end_turn');
  });
});
