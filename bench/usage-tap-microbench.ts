/**
 * `node --import tsx bench/usage-tap-microbench.ts`: CPU per 1 KB stream of the passthrough
 * usage tap (`proxy/passthrough/usage-tap.ts`) over the fake upstream's OpenAI and Anthropic
 * streams, one event per chunk as the fake upstream writes them, and of its SSE parser alone.
 * An in-process loop: the tap runs on every relayed stream, and its cost per event is small
 * enough that CPU per request under load cannot show a change to it.
 */
import { upstreamReplies } from './upstream-replies';
import { UsageTap } from '../proxy/passthrough/usage-tap';
import { SseParser } from '../proxy/sse/sse-parser';

const streams = 20_000;

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
}
