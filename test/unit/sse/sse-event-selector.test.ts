import assert from 'node:assert/strict';
import { SseEventSelector, type SelectedEventReader } from '../../../proxy/sse/sse-event-selector';
import { SseParser } from '../../../proxy/sse/sse-parser';

const names = [
  { name: 'message_start', data: true },
  { name: 'message_delta', data: true },
  { name: 'content_block_delta', data: false },
];

/** An event as the tests compare it: `name`, or `name=data` when its data was handed over. */
function shown(index: number, buffer: Buffer | undefined, start: number, end: number): string {
  return buffer === undefined ? names[index]!.name : `${names[index]!.name}=${buffer.toString('utf8', start, end)}`;
}

/** What the selector reported, as `name` or `name=data`. */
function selected(chunks: readonly Buffer[]): string[] {
  const seen: string[] = [];
  const reader: SelectedEventReader = { selected: (index, buffer, start, end) => seen.push(shown(index, buffer, start, end)) };
  const selector = new SseEventSelector(names);
  for (const chunk of chunks) selector.push(chunk, reader);
  selector.end(reader);
  return seen;
}

/** The same stream read by the full parser and filtered: what the selector must agree with. */
function expected(stream: Buffer): string[] {
  const parser = new SseParser();
  return [...parser.push(stream), ...parser.end()].flatMap((event) => {
    const index = names.findIndex(({ name }) => name === event.event);
    if (index === -1) return [];
    return [names[index]!.data ? `${event.event}=${event.data}` : event.event!];
  });
}

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  return chunks;
}

const stream = Buffer.from(
  [
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3}}}\n\n',
    'event: ping\ndata: {"type":"ping"}\n\n',
    // A name longer than the stretch an event line is looked through byte by byte.
    `event: ${'e'.repeat(90)}\ndata: {"type":"long"}\n\n`,
    ': a comment\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"héllo ✓"}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop"}\n\n',
    // Two data lines, and a field with no value.
    'event: message_delta\ndata: {"type":"message_delta",\ndata:"usage":{"output_tokens":9}}\nid\n\n',
    'event: message_stop\ndata: {}\n\n',
  ].join(''),
);

describe('SseEventSelector', () => {
  it('reports the selected events, with data only where asked, and passes over the rest', () => {
    assert.deepEqual(selected([stream]), [
      'message_start={"type":"message_start","message":{"usage":{"input_tokens":3}}}',
      'content_block_delta',
      'message_delta={"type":"message_delta",\n"usage":{"output_tokens":9}}',
    ]);
  });

  it('agrees with the full parser wherever the stream is split, even mid-UTF-8, with LF, CRLF or CR line ends', () => {
    for (const ending of ['\n', '\r\n', '\r']) {
      const bytes = Buffer.from(stream.toString('utf8').replaceAll('\n', ending));
      const want = expected(bytes);
      assert.equal(want.length, 3);
      for (let size = 1; size <= bytes.length; size += size < 24 ? 1 : 13) assert.deepEqual(selected(splitEvery(bytes, size)), want, `${JSON.stringify(ending)}, chunks of ${size} bytes`);
    }
  });

  it('reads a name written after the data, and an event the stream ends without a blank line after', () => {
    const bytes = Buffer.from('data: {"late":true}\nevent: message_delta\n\nevent:message_start\ndata:{"last":1}');
    assert.deepEqual(selected([bytes]), ['message_delta={"late":true}', 'message_start={"last":1}']);
    assert.deepEqual(selected([bytes]), expected(bytes));
  });

  it('does not report a selected name that has no data, a name that only starts like one, or a comment', () => {
    const bytes = Buffer.from('event: message_start\n\nevent: message_start_extra\ndata: x\n\nevent: message_delt\ndata: y\n\n:event: message_delta\ndata: z\n\nevents: message_delta\ndata: w\n\neventXmessage_delta\ndata: v\n\n');
    assert.deepEqual(selected([bytes]), []);
    assert.deepEqual(expected(bytes), []);
  });

  it('passes over a dropped name from then on, and keeps reporting the others', () => {
    const seen: string[] = [];
    const selector = new SseEventSelector(names);
    const reader: SelectedEventReader = {
      selected: (index, buffer, start, end) => {
        seen.push(shown(index, buffer, start, end));
        if (index === 2) selector.drop(2);
      },
    };
    const delta = 'event: content_block_delta\ndata: {"text":"a"}\n\n';
    selector.push(Buffer.from(`${delta}${delta}event: message_delta\ndata: {"n":1}\n\n${delta}`), reader);
    selector.end(reader);
    assert.deepEqual(seen, ['content_block_delta', 'message_delta={"n":1}']);
  });
});
