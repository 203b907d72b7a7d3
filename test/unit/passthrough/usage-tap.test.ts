import assert from 'node:assert/strict';
import { UsageTap } from '../../../proxy/passthrough/usage-tap';

/** An OpenAI chat stream whose last chunk is the usage-only one Switchyard asked for. */
const events = [
  'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"lo é"}}]}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
  'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n',
  'data: [DONE]\n\n',
];
const whole = Buffer.from(events.join(''));
const withoutUsage = events.filter((event) => !event.includes('"choices":[]')).join('');

function relay(chunks: Buffer[], hideUsageChunks: boolean): { text: string; sentAsIs: number; tap: UsageTap } {
  const tap = new UsageTap('openai-chat', hideUsageChunks);
  const out: Buffer[] = [];
  let sentAsIs = 0;
  for (const chunk of chunks) {
    const forwarded = tap.push(chunk);
    if (forwarded === chunk) sentAsIs++;
    out.push(typeof forwarded === 'string' ? Buffer.from(forwarded) : forwarded);
  }
  return { text: Buffer.concat(out).toString('utf8'), sentAsIs, tap };
}

describe('UsageTap (passthrough)', () => {
  it('hides the usage-only chunk it asked for, wherever the stream is split, even mid-UTF-8', () => {
    for (let size = 1; size <= whole.length; size += size < 20 ? 1 : 17) {
      const chunks: Buffer[] = [];
      for (let start = 0; start < whole.length; start += size) chunks.push(whole.subarray(start, start + size));
      const { text, tap } = relay(chunks, true);
      assert.equal(text, withoutUsage, `chunks of ${size} bytes`);
      assert.deepEqual([tap.end()?.inputTokens, tap.end()?.outputTokens], [7, 3]);
    }
  });

  it('sends chunks of whole events as their own bytes, rebuilding only the one with the usage chunk', () => {
    const { text, sentAsIs } = relay(events.map((event) => Buffer.from(event)), true);
    assert.equal(text, withoutUsage);
    assert.equal(sentAsIs, events.length - 1);
  });

  it('forwards every byte untouched when the client asked for usage itself', () => {
    const { text, sentAsIs } = relay([whole.subarray(0, 50), whole.subarray(50)], false);
    assert.equal(text, whole.toString('utf8'));
    assert.equal(sentAsIs, 2);
  });
});
