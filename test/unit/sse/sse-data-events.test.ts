import assert from 'node:assert/strict';
import { SseDataEvents, type EventDataReader } from '../../../proxy/sse/sse-data-events';
import { SseParser } from '../../../proxy/sse/sse-parser';

/** What the reader was told, each event's data as `bytes:` (one line, undecoded) or `text:`. */
function read(chunks: readonly Buffer[]): string[] {
  const seen: string[] = [];
  const reader: EventDataReader = {
    eventBytes: (buffer, start, end) => seen.push(`bytes:${buffer.toString('utf8', start, end)}`),
    eventText: (data) => seen.push(`text:${data}`),
  };
  const events = new SseDataEvents();
  for (const chunk of chunks) events.push(chunk, reader);
  events.end(reader);
  return seen;
}

/** Each event's data as the full parser reads it: what the reader must agree with. */
function expected(stream: Buffer): string[] {
  const parser = new SseParser();
  return [...parser.push(stream), ...parser.end()].map((event) => event.data);
}

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return chunks;
}

const stream = [
  'data: {"choices":[{"index":0,"delta":{"content":"héllo ✓"},"finish_reason":null}],"usage":null}\n\n',
  ': keep-alive\n\n',
  'event: named\nid: 7\ndata: {"a":1}\n\n',
  // Two data lines, an empty data line, and a field with no value.
  'data: {"b":\ndata: 2}\nretry\n\n',
  'data:\n\n',
  'data: [DONE]\n\n',
];

describe('SseDataEvents', () => {
  it('hands a one-line event over as its bytes and joins the lines of any other', () => {
    assert.deepEqual(read([Buffer.from(stream.join(''))]), [
      'bytes:{"choices":[{"index":0,"delta":{"content":"héllo ✓"},"finish_reason":null}],"usage":null}',
      'bytes:{"a":1}',
      'text:{"b":\n2}',
      'bytes:',
      'bytes:[DONE]',
    ]);
  });

  it('agrees with the full parser wherever the stream is split, even mid-UTF-8, with LF, CRLF or CR line ends', () => {
    for (const ending of ['\n', '\r\n', '\r']) {
      // No blank line at the very end: the last event is read at the stream's end.
      const bytes = Buffer.from(stream.join('').replaceAll('\n', ending).slice(0, -ending.length));
      const whole = expected(bytes);
      assert.equal(whole.length, 5);
      for (let size = 1; size <= bytes.length; size += size < 24 ? 1 : 13) {
        const data = read(splitEvery(bytes, size)).map((seen) => seen.replace(/^(bytes|text):/, ''));
        assert.deepEqual(data, whole, `chunks of ${size} bytes, ${JSON.stringify(ending)} line ends`);
      }
    }
  });
});
