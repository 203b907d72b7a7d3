/** One server-sent event. `event` is absent when the stream names none (OpenAI, Gemini). */
export interface SseEvent {
  event?: string;
  data: string;
}

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
    if (buffer.indexOf(carriageReturn, start) === -1) {
      // The common case (OpenAI, Anthropic): LF line ends only, found with indexOf, not byte by byte.
      for (let end = buffer.indexOf(lineFeed, start); end !== -1; end = buffer.indexOf(lineFeed, start)) {
        this.line(buffer.toString('utf8', start, end), events);
        start = end + 1;
      }
    } else {
      for (let index = start; index < buffer.length; index++) {
        const byte = buffer[index];
        if (byte !== lineFeed && byte !== carriageReturn) continue;
        this.line(buffer.toString('utf8', start, index), events);
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
    if (this.pending && this.pending.length > 0) this.line(this.pending.toString('utf8'), events);
    this.pending = undefined;
    this.line('', events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) {
        const event: SseEvent = { data: this.dataLines.join('\n') };
        if (this.eventName !== undefined) event.event = this.eventName;
        events.push(event);
      }
      this.dataLines = [];
      this.eventName = undefined;
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ':' starts a comment (keep-alive pings)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }
}

/** Formats one event as SSE text. */
export function formatSseEvent(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}
