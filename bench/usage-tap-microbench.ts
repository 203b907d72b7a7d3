/**
 * `node --import tsx bench/usage-tap-microbench.ts`: CPU per 1 KB stream of the passthrough
 * usage tap (`proxy/passthrough/usage-tap.ts`) over the fake upstream's OpenAI and Anthropic
 * streams, one event per chunk as the fake upstream writes them, and of its SSE readers alone
 * (the full parser; for Chat's stream the data events the tap reads it with, for Anthropic's the
 * event selector).
 * An in-process loop: the tap runs on every relayed stream, and its cost per event is small
 * enough that CPU per request under load cannot show a change to it.
 */
import { upstreamReplies } from './upstream-replies';
import { UsageTap } from '../proxy/passthrough/usage-tap';
import { SseParser } from '../proxy/sse/sse-parser';
import { SseEventSelector, type SelectedEventReader } from '../proxy/sse/sse-event-selector';
import { SseDataEvents, type EventDataReader } from '../proxy/sse/sse-data-events';

const streams = 20_000;
/** The names the tap selects on an Anthropic stream (usage-tap.ts), for timing the selector alone. */
const anthropicNames = [
  { name: 'message_start', data: true },
  { name: 'message_delta', data: true },
  { name: 'content_block_start', data: false },
  { name: 'content_block_delta', data: false },
];

for (const [path, api] of [
  ['/v1/chat/completions', 'openai-chat'],
  ['/v1/messages', 'anthropic-messages'],
] as const) {
  const chunks = upstreamReplies[path]!.events;
  const time = (label: string, run: () => unknown): void => {
    for (let index = 0; index < streams; index++) run();
    const before = process.cpuUsage();
    for (let index = 0; index < streams; index++) run();
    const used = process.cpuUsage(before);
    console.log(`${api} ${label}: ${((used.user + used.system) / streams).toFixed(2)} µs per stream (${chunks.length} events)`);
  };
  time('usage tap', () => {
    const tap = new UsageTap(api);
    for (const chunk of chunks) tap.push(chunk);
    return tap.end();
  });
  time('SSE parser alone', () => {
    const parser = new SseParser();
    let events = 0;
    for (const chunk of chunks) events += parser.push(chunk).length;
    return events;
  });
  if (api === 'openai-chat') {
    // What the tap reads a Chat stream forwarded as is with: each event's bytes, undecoded.
    time('data events alone', () => {
      const reader = new SseDataEvents();
      let events = 0;
      const counter: EventDataReader = { eventBytes: () => (events += 1), eventText: () => (events += 1) };
      for (const chunk of chunks) reader.push(chunk, counter);
      reader.end(counter);
      return events;
    });
  }
  if (api === 'anthropic-messages') {
    time('event selector alone', () => {
      const selector = new SseEventSelector(anthropicNames);
      let events = 0;
      const reader: SelectedEventReader = { selected: () => (events += 1) };
      for (const chunk of chunks) selector.push(chunk, reader);
      selector.end(reader);
      return events;
    });
  }
}
