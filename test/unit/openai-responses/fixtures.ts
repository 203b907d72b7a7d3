import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StreamPart } from '../../../proxy/core/stream-part';
import { ResponsesStreamDecoder } from '../../../proxy/providers/openai-responses/decode-stream';
import { SseParser, type SseEvent } from '../../../proxy/sse/sse-parser';

const directory = path.join(__dirname, '../../fixtures/openai-responses');

/** A JSON fixture of `test/fixtures/openai-responses`, parsed. */
export function jsonFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as Record<string, unknown>;
}

/** A `.chunks.txt` fixture's SSE events. */
export function sseFixture(name: string): SseEvent[] {
  return parseSse(readFileSync(path.join(directory, name)));
}

export function parseSse(text: string | Buffer): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text), ...parser.end()];
}

/** Runs events through a fresh provider stream decoder, including its end(). */
export function decodeEvents(events: SseEvent[]): StreamPart[] {
  const decoder = new ResponsesStreamDecoder();
  const parts: StreamPart[] = [];
  for (const event of events) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}

/** Parsed `data` of each event, for exact comparisons of what an encoder wrote. */
export function eventData(text: string): Array<Record<string, unknown>> {
  return parseSse(text).map((event) => JSON.parse(event.data) as Record<string, unknown>);
}
