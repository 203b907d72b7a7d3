/** What a selector reports: one event of a selected name, by its place in the selector's list. */
export interface SelectedEventReader {
  /**
   * An event named `names[index]` ended. When that name was selected with its data, the data is
   * the bytes `[start, end)` of `buffer` (lines joined by `\n`, as the spec joins them), not
   * decoded: a reader may read a few fields in place instead of decoding and parsing the whole
   * event. When only the name was selected, `buffer` is undefined.
   */
  selected(index: number, buffer: Buffer | undefined, start: number, end: number): void;
}

/** A name to look for, and whether its events' data is wanted or only that one passed. */
export interface SelectedName {
  name: string;
  data: boolean;
}

import { dataField, eventField, fieldIs, SseLines, valueStart } from './sse-line';

/** What joins an event's data lines. */
const lineFeed = Buffer.from('\n');

/**
 * The names of a list, encoded once per list: a usage tap is made for every stream, and encoding
 * its four names anew (four Buffers) was ~3,000 instructions a stream (callgrind).
 */
const encodedLists = new WeakMap<readonly SelectedName[], { names: readonly Buffer[]; wantsData: readonly boolean[] }>();

function encodedNames(names: readonly SelectedName[]): { names: readonly Buffer[]; wantsData: readonly boolean[] } {
  let encoded = encodedLists.get(names);
  if (encoded === undefined) {
    encoded = { names: names.map(({ name }) => Buffer.from(name)), wantsData: names.map(({ data }) => data) };
    encodedLists.set(names, encoded);
  }
  return encoded;
}

/** The event's name is not known yet (no `event:` line so far). */
const unnamed = -1;
/** The event is named, and not one of the selected names. */
const unselected = -2;

/**
 * An SSE parser for streams whose events are told apart by their `event:` names (Anthropic's,
 * the Responses API's), for readers that need only a few of them: an event of any other name is
 * passed over in its bytes, never decoded, and nothing is allocated for it. The usage tap reads two
 * of an Anthropic stream's ~26 events (message_start, message_delta); decoding every line of the
 * other events into strings, as {@link SseParser} does, was most of its cost per stream.
 *
 * Lines end with LF, CR or CRLF, and chunks may split anywhere (inside a line, a UTF-8 sequence or
 * a CRLF): a line is read once it is whole. The data of an event that has no `event:` line yet is
 * kept until its name is known (the spec allows the name after the data); an event whose data was
 * passed over because an earlier `event:` line named it otherwise is not reported if a later line
 * renames it to a selected name (no provider writes two names in one event).
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseEventSelector extends SseLines<SelectedEventReader> {
  /** The names looked for, by their place in the list given; a name no longer wanted is undefined. */
  private readonly names: (Buffer | undefined)[];
  private readonly wantsData: readonly boolean[];
  /** The current event's name: an index into `names`, {@link unnamed} or {@link unselected}. */
  private nameIndex = unnamed;
  /** The current event has had a data line (only events with data are dispatched). */
  private hasData = false;
  /** Some of the current event's data was passed over (it was named otherwise at the time). */
  private dataSkipped = false;
  /** The current event's one data line so far, held in its buffer (not copied): its value's range. */
  private lineBuffer: Buffer | undefined;
  private lineStart = 0;
  private lineEnd = 0;
  /** The current event's data lines' values, once it has more than one (no provider writes that). */
  private lines: Buffer[] | undefined;

  constructor(names: readonly SelectedName[]) {
    super();
    const encoded = encodedNames(names);
    // A copy: `drop` writes into it.
    this.names = encoded.names.slice();
    this.wantsData = encoded.wantsData;
  }

  /**
   * Stops looking for the name at `index` (its place in the list given): its events are passed
   * over from now on like any other. A reader that needed only the first event of a name (the
   * usage tap's first token) drops it, and the name is no longer compared with every event's:
   * most of a stream's events are of that name (`content_block_delta`).
   */
  drop(index: number): void {
    this.names[index] = undefined;
  }

  /** Reads a chunk, telling `reader` of each selected event it completes. */
  push(chunk: Buffer, reader: SelectedEventReader): void {
    this.split(chunk, reader);
  }

  /** Ends the stream: an event it ended without a blank line after is read as if it had one. */
  end(reader: SelectedEventReader): void {
    this.splitLast(reader);
    this.dispatch(reader);
  }

  protected line(buffer: Buffer, start: number, end: number, reader: SelectedEventReader): void {
    if (start === end) {
      this.dispatch(reader);
      return;
    }
    // A field's name ends at the first colon (a line without one is a field with no value);
    // only `data` and `event` matter here, told apart by their first byte, and a comment (`:`
    // first) matches neither.
    const first = buffer[start];
    if (first === dataField[0] && fieldIs(buffer, start, end, dataField)) {
      this.hasData = true;
      if (this.nameIndex === unselected || (this.nameIndex !== unnamed && !this.wantsData[this.nameIndex])) {
        this.dataSkipped = true;
        return;
      }
      const value = valueStart(buffer, start + dataField.length, end);
      if (this.lines !== undefined) {
        this.lines.push(buffer.subarray(value, end));
      } else if (this.lineBuffer === undefined) {
        this.lineBuffer = buffer;
        this.lineStart = value;
        this.lineEnd = end;
      } else {
        this.lines = [this.lineBuffer.subarray(this.lineStart, this.lineEnd), buffer.subarray(value, end)];
        this.lineBuffer = undefined;
      }
    } else if (first === eventField[0] && fieldIs(buffer, start, end, eventField)) {
      this.nameIndex = this.nameAt(buffer, valueStart(buffer, start + eventField.length, end), end);
    }
  }

  /** A blank line: the event ends, and is reported when it had data and a selected name. */
  private dispatch(reader: SelectedEventReader): void {
    const index = this.nameIndex;
    const report = this.hasData && index >= 0 && !(this.dataSkipped && this.wantsData[index]);
    const { lineBuffer, lineStart, lineEnd, lines } = this;
    this.nameIndex = unnamed;
    this.hasData = false;
    this.dataSkipped = false;
    this.lineBuffer = undefined;
    this.lines = undefined;
    if (!report) return;
    if (!this.wantsData[index]) {
      reader.selected(index, undefined, 0, 0);
    } else if (lines !== undefined) {
      const joined = Buffer.concat(lines.flatMap((line, at) => (at === 0 ? [line] : [lineFeed, line])));
      reader.selected(index, joined, 0, joined.length);
    } else {
      reader.selected(index, lineBuffer, lineStart, lineEnd);
    }
  }

  /** Which selected name the bytes are, compared in place: no string is made of a name. */
  private nameAt(buffer: Buffer, start: number, end: number): number {
    const length = end - start;
    for (let index = 0; index < this.names.length; index++) {
      const name = this.names[index];
      if (name === undefined || name.length !== length) continue;
      let at = 0;
      while (at < length && buffer[start + at] === name[at]) at++;
      if (at === length) return index;
    }
    return unselected;
  }
}
