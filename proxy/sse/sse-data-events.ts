import { dataField, fieldIs, SseLines, valueStart } from './sse-line';

/** What an {@link SseDataEvents} reports: each event's data, in its bytes when it is one line. */
export interface EventDataReader {
  /** An event whose data is the one line `[start, end)` of `buffer`, not decoded. */
  eventBytes(buffer: Buffer, start: number, end: number): void;
  /** An event with several data lines: their values decoded and joined by `\n`, as the spec joins them. */
  eventText(data: string): void;
}

/**
 * An SSE parser for unnamed events (OpenAI's Chat Completions stream) whose reader looks at an
 * event's data before deciding whether to decode it: an event of one data line (every Chat
 * chunk) is handed over as its bytes, and nothing is allocated for it. The usage tap reads two
 * of a Chat stream's ~24 chunks (the finish reason, the usage); {@link SseParser} decoded every
 * one into a string, which the tap then searched twice (`lastIndexOf`, a call into V8's runtime
 * each) — ~70,000 of a 1 KB stream's ~1,050,000 main-thread instructions (callgrind, hot12).
 *
 * Event names are not read (a reader of named events wants {@link SseEventSelector}); events
 * end at a blank line and are reported only when they had a data line, as the spec says.
 * Lines end with LF, CR or CRLF, and chunks may split anywhere: a line is read once it is whole,
 * and a one-line event's bytes are held (not copied) until its blank line arrives.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseDataEvents extends SseLines<EventDataReader> {
  /** The current event's one data line so far: its buffer and the value's range in it. */
  private lineBuffer: Buffer | undefined;
  private lineStart = 0;
  private lineEnd = 0;
  /** The current event's data lines, decoded, once it has more than one. */
  private lines: string[] | undefined;

  /** Reads a chunk, telling `reader` of each event it completes. */
  push(chunk: Buffer, reader: EventDataReader): void {
    this.split(chunk, reader);
  }

  /** Ends the stream: an event it ended without a blank line after is read as if it had one. */
  end(reader: EventDataReader): void {
    this.splitLast(reader);
    this.dispatch(reader);
  }

  protected line(buffer: Buffer, start: number, end: number, reader: EventDataReader): void {
    if (start === end) {
      this.dispatch(reader);
      return;
    }
    // Only data lines matter: a comment (`:` first), `event`, `id` and `retry` are passed over.
    if (!fieldIs(buffer, start, end, dataField)) return;
    const value = valueStart(buffer, start + dataField.length, end);
    if (this.lines !== undefined) {
      this.lines.push(buffer.toString('utf8', value, end));
    } else if (this.lineBuffer === undefined) {
      this.lineBuffer = buffer;
      this.lineStart = value;
      this.lineEnd = end;
    } else {
      this.lines = [this.lineBuffer.toString('utf8', this.lineStart, this.lineEnd), buffer.toString('utf8', value, end)];
      this.lineBuffer = undefined;
    }
  }

  private dispatch(reader: EventDataReader): void {
    const { lineBuffer, lines } = this;
    if (lineBuffer !== undefined) {
      this.lineBuffer = undefined;
      reader.eventBytes(lineBuffer, this.lineStart, this.lineEnd);
    } else if (lines !== undefined) {
      this.lines = undefined;
      reader.eventText(lines.join('\n'));
    }
  }
}
