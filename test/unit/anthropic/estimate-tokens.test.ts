import assert from 'node:assert/strict';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { decodeCountTokensRequest } from '../../../proxy/inbound/anthropic-messages/decode-request';
import { estimateInputTokens, imageTokens } from '../../../proxy/tokens/estimate-tokens';
import { imageSizeFromBase64 } from '../../../proxy/tokens/image-size';

/** Asserts the estimate is within `tolerance` (a fraction) of Anthropic's documented count. */
function assertNear(estimate: number, actual: number, tolerance: number): void {
  assert.ok(Math.abs(estimate - actual) <= actual * tolerance, `estimate ${estimate} is not within ${tolerance * 100}% of ${actual}`);
}

function request(messages: CanonicalRequest['messages'], extra: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { model: 'claude-sonnet-4-5', messages, stream: false, ...extra };
}

describe('estimateInputTokens', () => {
  // Counts from the examples of https://docs.anthropic.com/en/docs/build-with-claude/token-counting
  it('comes near Anthropic’s count for a short conversation (14 tokens)', () => {
    const estimate = estimateInputTokens(
      decodeCountTokensRequest({ model: 'claude-sonnet-4-5', system: 'You are a scientist', messages: [{ role: 'user', content: 'Hello, Claude' }] }),
    );
    assert.equal(estimate, 15);
  });

  it('comes near Anthropic’s count with a tool (403 tokens)', () => {
    const estimate = estimateInputTokens(
      decodeCountTokensRequest({
        model: 'claude-sonnet-4-5',
        tools: [
          {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            input_schema: {
              type: 'object',
              properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' } },
              required: ['location'],
            },
          },
        ],
        messages: [{ role: 'user', content: "What's the weather like in San Francisco?" }],
      }),
    );
    assertNear(estimate, 403, 0.1);
  });

  it('counts CJK characters as about a token each', () => {
    const english = estimateInputTokens(request([{ role: 'user', content: [{ type: 'text', text: 'a'.repeat(700) }] }]));
    const chinese = estimateInputTokens(request([{ role: 'user', content: [{ type: 'text', text: '汉'.repeat(700) }] }]));
    assert.equal(english, 204);
    assert.equal(chinese, 704);
  });

  it('costs images by their pixel size, read from the header', () => {
    const withImage = (data: string): number =>
      estimateInputTokens(request([{ role: 'user', content: [{ type: 'file', mediaType: 'image/png', data: { type: 'base64', data } }] }]));
    const small = withImage(png(200, 100));
    const screenshot = withImage(png(1280, 800));
    assert.equal(small - withImage('not an image'), 27 - 1600);
    assert.equal(screenshot, 1 + 3 + 1366);
    assert.equal(imageTokens(4000, 3000), 1534);
    assert.equal(imageTokens(1568, 300), 628);
  });

  it('reads PNG, GIF, JPEG and WebP sizes', () => {
    assert.deepEqual(imageSizeFromBase64(png(1280, 800)), { width: 1280, height: 800 });
    const gif = Buffer.alloc(32);
    gif.write('GIF89a');
    gif.writeUInt16LE(640, 6);
    gif.writeUInt16LE(480, 8);
    assert.deepEqual(imageSizeFromBase64(gif.toString('base64')), { width: 640, height: 480 });
    // JPEG: SOI, an APP1 segment to skip, then SOF0 with height before width.
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0x01, 0x02]), Buffer.alloc(0x0100, 0x41)]);
    const sof0 = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0xd0, 0x05, 0x00, 0x03]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof0, Buffer.alloc(40)]);
    assert.deepEqual(imageSizeFromBase64(jpeg.toString('base64')), { width: 1280, height: 720 });
    const webp = Buffer.alloc(40);
    webp.write('RIFF');
    webp.write('WEBPVP8X', 8);
    webp.writeUIntLE(1919, 24, 3);
    webp.writeUIntLE(1079, 27, 3);
    assert.deepEqual(imageSizeFromBase64(webp.toString('base64')), { width: 1920, height: 1080 });
    assert.equal(imageSizeFromBase64('AAAA'), undefined);
  });

  it('counts thinking only in the current tool-use loop', () => {
    const thinking = { type: 'reasoning' as const, text: 'x'.repeat(3500), signature: 'sig' };
    const older = estimateInputTokens(
      request([
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [thinking, { type: 'text', text: 'Hello' }] },
        { role: 'user', content: [{ type: 'text', text: 'Bye' }] },
      ]),
    );
    const current = estimateInputTokens(
      request([
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [thinking, { type: 'tool-call', id: 'toolu_1', name: 'ls', input: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'Bye' }] }] },
      ]),
    );
    assert.ok(older < 30, `older thinking was counted: ${older}`);
    assert.ok(current > 1000, `current thinking was not counted: ${current}`);
  });

  it('adds the tool system prompt and a fixed cost for Anthropic-defined tools', () => {
    const bare = estimateInputTokens(request([]));
    const withWebSearch = estimateInputTokens(request([], { tools: [{ type: 'provider', api: 'anthropic-messages', name: 'web_search', raw: { type: 'web_search_20250305' } }] }));
    assert.equal(withWebSearch - bare, 346 + 300);
    const forced = estimateInputTokens(
      request([], { tools: [{ type: 'provider', api: 'anthropic-messages', raw: {} }], toolChoice: { type: 'required' } }),
    );
    assert.equal(forced - bare, 313 + 300);
  });
});

/** A PNG signature and IHDR chunk: enough for the size reader. */
function png(width: number, height: number): string {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12);
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header.toString('base64');
}
