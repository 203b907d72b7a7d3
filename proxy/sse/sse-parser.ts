/** One server-sent event. `event` is absent when the stream names none (OpenAI, Gemini). */
export interface SseEvent {
  event?: string;
  data: string;
}

import { dataField, eventField, fieldIs, SseLines, valueStart } from './sse-line';

/**
 * An incremental SSE parser over raw bytes. Chunks may split anywhere, including inside a
 * UTF-8 sequence or a CRLF: bytes are only decoded once a whole line has arrived.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseParser extends SseLines<SseEvent[]> {
  private eventName: string | undefined;
  private dataLines: string[] = [];

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
    this.split(chunk, events);
    return events;
  }

  /** Flushes an event the stream ended without a blank line after. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    this.splitLast(events);
    this.line(emptyLine, 0, 0, events);
    return events;
  }

  /**
   * Reads the line `[start, end)` of `buffer`. Only a field's value is decoded: making a string
   * of the whole line and then of its name and value cost three strings a line.
   */
  protected line(buffer: Buffer, start: number, end: number, events: SseEvent[]): void {
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
