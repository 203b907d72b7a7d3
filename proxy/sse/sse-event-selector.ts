/** What a selector reports: one event of a selected name, by its place in the selector's list. */
export interface SelectedEventReader {
  /**
   * An event named `names[index]` ended. `data` is its data (lines joined by `\n`) when that
   * name was selected with its data, undefined when only its name was.
   */
  selected(index: number, data: string | undefined): void;
}

/** A name to look for, and whether its events' data is wanted or only that one passed. */
export interface SelectedName {
  name: string;
  data: boolean;
}

import { dataField, eventField, fieldIs, SseLines, valueStart } from './sse-line';

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
  private dataLines: string[] = [];

  constructor(names: readonly SelectedName[]) {
    super();
    this.names = names.map(({ name }) => Buffer.from(name));
    this.wantsData = names.map(({ data }) => data);
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
    // only `data` and `event` matter here, and a comment (`:` first) matches neither.
    if (fieldIs(buffer, start, end, dataField)) {
      this.hasData = true;
      if (this.nameIndex === unselected || (this.nameIndex !== unnamed && !this.wantsData[this.nameIndex])) {
        this.dataSkipped = true;
        return;
      }
      this.dataLines.push(buffer.toString('utf8', valueStart(buffer, start + dataField.length, end), end));
    } else if (fieldIs(buffer, start, end, eventField)) {
      this.nameIndex = this.nameAt(buffer, valueStart(buffer, start + eventField.length, end), end);
    }
  }

  /** A blank line: the event ends, and is reported when it had data and a selected name. */
  private dispatch(reader: SelectedEventReader): void {
    const index = this.nameIndex;
    const report = this.hasData && index >= 0 && !(this.dataSkipped && this.wantsData[index]);
    const data = report && this.wantsData[index] ? (this.dataLines.length === 1 ? this.dataLines[0] : this.dataLines.join('\n')) : undefined;
    this.nameIndex = unnamed;
    this.hasData = false;
    this.dataSkipped = false;
    if (this.dataLines.length > 0) this.dataLines = [];
    if (report) reader.selected(index, data);
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
