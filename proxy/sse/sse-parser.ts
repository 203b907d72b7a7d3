/** One server-sent event. `event` is absent when the stream names none (OpenAI, Gemini). */
export interface SseEvent {
  event?: string;
  data: string;
}

import { dataField, eventField, fieldIs, valueStart } from './sse-line';

/** `Buffer#indexOf`, taken once: looked up on every call it is an inline-cache miss (json-scan.ts). */
const bufferIndexOf = Buffer.prototype.indexOf;
const lineFeed = 0x0a;
const carriageReturn = 0x0d;

/**
 * An incremental SSE parser over raw bytes. Chunks may split anywhere, including inside a
 * UTF-8 sequence or a CRLF: bytes are only decoded once a whole line has arrived.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseParser {
  private pending: Buffer | undefined;
  private eventName: string | undefined;
  private dataLines: string[] = [];
  private skipLeadingLineFeed = false;

  /**
   * Nothing of an unfinished line or event is held: the bytes pushed so far ended exactly
   * where an event ended (or held none).
   */
  atEventBoundary(): boolean {
    return this.pending === undefined && this.dataLines.length === 0 && this.eventName === undefined && !this.skipLeadingLineFeed;
  }

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: Buffer): SseEvent[] {
    const events: SseEvent[] = [];
    let buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let start = 0;
    if (this.skipLeadingLineFeed && buffer.length > 0) {
      if (buffer[0] === lineFeed) start = 1;
      this.skipLeadingLineFeed = false;
    }
    if (bufferIndexOf.call(buffer, carriageReturn, start) === -1) {
      // The common case (OpenAI, Anthropic): LF line ends only, found with indexOf, not byte by byte.
      for (let end = bufferIndexOf.call(buffer, lineFeed, start); end !== -1; end = bufferIndexOf.call(buffer, lineFeed, start)) {
        this.line(buffer, start, end, events);
        start = end + 1;
      }
    } else {
      for (let index = start; index < buffer.length; index++) {
        const byte = buffer[index];
        if (byte !== lineFeed && byte !== carriageReturn) continue;
        this.line(buffer, start, index, events);
        if (byte === carriageReturn) {
          if (index + 1 < buffer.length) {
            if (buffer[index + 1] === lineFeed) index++;
          } else {
            this.skipLeadingLineFeed = true;
          }
        }
        start = index + 1;
      }
    }
    if (start < buffer.length) this.pending = buffer.subarray(start);
    return events;
  }

  /** Flushes an event the stream ended without a blank line after. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    const pending = this.pending;
    this.pending = undefined;
    if (pending && pending.length > 0) this.line(pending, 0, pending.length, events);
    this.line(emptyLine, 0, 0, events);
    return events;
  }

  /**
   * Reads the line `[start, end)` of `buffer`. Only a field's value is decoded: making a string
   * of the whole line and then of its name and value cost three strings a line.
   */
  private line(buffer: Buffer, start: number, end: number, events: SseEvent[]): void {
    if (start === end) {
      if (this.dataLines.length > 0) {
        const event: SseEvent = { data: this.dataLines.length === 1 ? this.dataLines[0]! : this.dataLines.join('\n') };
        if (this.eventName !== undefined) event.event = this.eventName;
        events.push(event);
        this.dataLines = [];
      }
      this.eventName = undefined;
      return;
    }
    // A comment (':' first, keep-alive pings) and any other field match neither.
    if (fieldIs(buffer, start, end, dataField)) this.dataLines.push(buffer.toString('utf8', valueStart(buffer, start + dataField.length, end), end));
    else if (fieldIs(buffer, start, end, eventField)) this.eventName = buffer.toString('utf8', valueStart(buffer, start + eventField.length, end), end);
  }
}

const emptyLine = Buffer.alloc(0);

/** Formats one event as SSE text. */
export function formatSseEvent(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}
