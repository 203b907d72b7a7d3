/**
 * Checks that a reply a client received carries the whole answer the fake upstream sent:
 * every text delta, in order, and for passthrough streams every SSE event.
 */
import type { ClientApi } from './payloads';
import { replyDeltas, replyText } from './payloads';

/** What one reply held. */
export interface ReplyCheck {
  ok: boolean;
  /** SSE events received (`\n\n`-terminated), 0 for a JSON reply. */
  events: number;
  /** Text-delta events received, 0 for a JSON reply. */
  deltas: number;
  /** Why the reply is not whole, when it is not. */
  problem?: string;
}

/** The answer a reply must carry: by default the fake upstream's usual one. */
export interface ExpectedAnswer {
  text: string;
  deltas: number;
}

const usualAnswer: ExpectedAnswer = { text: replyText, deltas: replyDeltas.length };

interface AnthropicEventData {
  type?: string;
  delta?: { type?: string; text?: string };
}

interface OpenaiChunkData {
  choices?: Array<{ delta?: { content?: string | null } }>;
}

function dataOf(event: string): string | undefined {
  for (const line of event.split('\n')) {
    if (line.startsWith('data:')) return line.slice(line[5] === ' ' ? 6 : 5);
  }
  return undefined;
}

/** Reads one streamed body: counts events and text deltas, and rebuilds the text. */
function checkStream(api: ClientApi, body: string, expectedEvents: number | undefined, compareText: boolean, answer: ExpectedAnswer): ReplyCheck {
  const events = body.split('\n\n');
  // The last piece is whatever followed the last terminator: empty when the stream ended cleanly.
  const trailing = events.pop() ?? '';
  let deltas = 0;
  let text = '';
  for (const event of events) {
    const data = dataOf(event);
    if (data === undefined || data === '[DONE]') continue;
    if (api === 'anthropic') {
      const parsed = JSON.parse(data) as AnthropicEventData;
      if (parsed.type === 'content_block_delta' && parsed.delta?.type === 'text_delta') {
        deltas++;
        text += parsed.delta.text ?? '';
      }
    } else {
      const content = (JSON.parse(data) as OpenaiChunkData).choices?.[0]?.delta?.content;
      if (typeof content === 'string' && content !== '') {
        deltas++;
        text += content;
      }
    }
  }
  const result: ReplyCheck = { ok: true, events: events.length, deltas };
  if (trailing.trim() !== '') result.problem = 'stream ended inside an event';
  else if (deltas !== answer.deltas) result.problem = `${deltas} text deltas, ${answer.deltas} sent`;
  else if (compareText && text !== answer.text) result.problem = 'reassembled text differs from the text sent';
  else if (expectedEvents !== undefined && events.length !== expectedEvents) {
    result.problem = `${events.length} SSE events, ${expectedEvents} sent`;
  }
  result.ok = result.problem === undefined;
  return result;
}

function checkJson(api: ClientApi, body: string, compareText: boolean, answer: ExpectedAnswer): ReplyCheck {
  const parsed = JSON.parse(body) as {
    content?: Array<{ type?: string; text?: string }>;
    choices?: Array<{ message?: { content?: string | null } }>;
  };
  const text = api === 'anthropic' ? parsed.content?.[0]?.text : parsed.choices?.[0]?.message?.content;
  const ok = compareText ? text === answer.text : typeof text === 'string' && text.length > 0;
  return { ok, events: 0, deltas: 0, problem: ok ? undefined : 'reply text differs from the text sent' };
}

/**
 * Checks one reply body in the client's API.
 * `expectedEvents` is the exact SSE event count for a passthrough stream; omit it when the proxy
 * translates and may legitimately emit a different framing. `compareText` is off for bodies
 * decoded chunk by chunk (autocannon), where a character split across reads is garbled.
 * `answer` is what the reply must hold when it is not the fake upstream's usual reply.
 */
export function checkReply(
  api: ClientApi,
  stream: boolean,
  body: string,
  expectedEvents?: number,
  compareText = true,
  answer: ExpectedAnswer = usualAnswer,
): ReplyCheck {
  try {
    return stream ? checkStream(api, body, expectedEvents, compareText, answer) : checkJson(api, body, compareText, answer);
  } catch (error) {
    return { ok: false, events: 0, deltas: 0, problem: `unparseable reply: ${(error as Error).message}` };
  }
}
