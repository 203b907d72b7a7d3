/** SSE in bytes: the lines of a stream, and the field a line holds, shared by the full parser and the event selector. */

const colon = 0x3a;
const space = 0x20;

/** The two fields an event's readers use, as bytes to compare a line's start with. */
export const dataField = Buffer.from('data');
export const eventField = Buffer.from('event');

/**
 * Whether the line `[start, end)` is the field `field`: its name, then a colon or the line's end
 * (a line without a colon is a field with an empty value). A comment (`:` first) matches none.
 */
export function fieldIs(buffer: Buffer, start: number, end: number, field: Buffer): boolean {
  const length = field.length;
  if (end - start < length) return false;
  for (let at = 0; at < length; at++) if (buffer[start + at] !== field[at]) return false;
  return end - start === length || buffer[start + length] === colon;
}

/** Where a field's value starts: after the colon and one space, if there is one. */
export function valueStart(buffer: Buffer, afterName: number, end: number): number {
  if (afterName === end) return end;
  const afterColon = afterName + 1;
  return afterColon < end && buffer[afterColon] === space ? afterColon + 1 : afterColon;
}

const lineFeed = 0x0a;
const carriageReturn = 0x0d;
/** `Buffer#indexOf`, taken once: looked up on every call it is an inline-cache miss (json-scan.ts). */
const bufferIndexOf = Buffer.prototype.indexOf;

/**
 * Splits an SSE byte stream into lines for a reader of its fields ({@link SseParser},
 * {@link SseEventSelector}). Lines end with LF, CR or CRLF, and chunks may split anywhere
 * (inside a line, a UTF-8 sequence or a CRLF): a line is handed on once it is whole, as the
 * bytes `[start, end)` of a buffer, with whatever the subclass reads it into (`sink`).
 */
export abstract class SseLines<Sink> {
  /** The start of a line whose end has not arrived. */
  protected pending: Buffer | undefined;
  /** The last chunk ended with CR: an LF first in the next one ends no second line. */
  protected skipLeadingLineFeed = false;

  /** One whole line (empty: `start === end`, the end of an event). */
  protected abstract line(buffer: Buffer, start: number, end: number, sink: Sink): void;

  /** Hands each line `chunk` completes to {@link line}; keeps the rest for the next chunk. */
  protected split(chunk: Buffer, sink: Sink): void {
    const buffer = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let start = 0;
    if (this.skipLeadingLineFeed && buffer.length > 0) {
      if (buffer[0] === lineFeed) start = 1;
      this.skipLeadingLineFeed = false;
    }
    const length = buffer.length;
    if (bufferIndexOf.call(buffer, carriageReturn, start) === -1) {
      // The common case (Anthropic, OpenAI): LF line ends only, found with indexOf, not byte by
      // byte. The blank line that ends an event is seen by its byte after the line before it, and
      // no search starts at the chunk's end: a Chat chunk (`data: …\n\n`) takes one indexOf, not
      // three (each ~200 instructions through Buffer#indexOf's checks, callgrind, hot12).
      let end = bufferIndexOf.call(buffer, lineFeed, start);
      while (end !== -1) {
        this.line(buffer, start, end, sink);
        start = end + 1;
        if (buffer[start] === lineFeed) {
          this.line(buffer, start, start, sink);
          start++;
        }
        end = start < length ? bufferIndexOf.call(buffer, lineFeed, start) : -1;
      }
    } else {
      for (let index = start; index < length; index++) {
        const byte = buffer[index];
        if (byte !== lineFeed && byte !== carriageReturn) continue;
        this.line(buffer, start, index, sink);
        if (byte === carriageReturn) {
          if (index + 1 < length) {
            if (buffer[index + 1] === lineFeed) index++;
          } else {
            this.skipLeadingLineFeed = true;
          }
        }
        start = index + 1;
      }
    }
    if (start < length) this.pending = buffer.subarray(start);
  }

  /** The line the stream ended in without a line end, if any, handed to {@link line}. */
  protected splitLast(sink: Sink): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined && pending.length > 0) this.line(pending, 0, pending.length, sink);
  }
}
