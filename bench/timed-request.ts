/** One request, timed to the first and the last body byte. */
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';

/** Timing and body of one request. */
export interface TimedReply {
  status: number;
  /** Milliseconds from sending the request to the first body byte. */
  firstByteMs: number;
  /** Milliseconds from sending the request to the end of the body. */
  totalMs: number;
  body: string;
  /** When the request was sent and its body's end read, on the machine's monotonic clock (`process.hrtime`), nanoseconds. */
  sentNs: number;
  /** When the first body byte was read, on the same clock. */
  firstByteNs: number;
  endedNs: number;
}

export async function timedRequest(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<TimedReply> {
  const sentNs = Number(process.hrtime.bigint());
  const start = performance.now();
  const reply = await request(url, { dispatcher, method: 'POST', headers, body });
  reply.body.setEncoding('utf8');
  let firstByteMs = -1;
  let firstByteNs = 0;
  let text = '';
  for await (const chunk of reply.body as AsyncIterable<string>) {
    if (firstByteMs < 0) {
      firstByteMs = performance.now() - start;
      firstByteNs = Number(process.hrtime.bigint());
    }
    text += chunk;
  }
  const totalMs = performance.now() - start;
  const endedNs = Number(process.hrtime.bigint());
  return { status: reply.statusCode, firstByteMs: firstByteMs < 0 ? totalMs : firstByteMs, totalMs, body: text, sentNs, firstByteNs: firstByteNs === 0 ? endedNs : firstByteNs, endedNs };
}
