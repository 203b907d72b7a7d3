import { SseParser } from '../sse/sse-parser';
import type { WireAnswer } from './cached-answer';

/**
 * OpenAI Chat's `choices[0].logprobs`: the log probabilities of the answer's tokens, when the
 * client asked for them (`logprobs: true`). Canonical parts have no place for them (no other
 * format has them), so an OpenAI Chat answer stored as the provider's bytes and replayed in the
 * other stream mode, which is re-encoded from parts, would lose them: they are read from the
 * bytes instead and put back into what the encoder wrote.
 */
export interface ChatLogprobs {
  content: unknown[] | null;
  refusal: unknown[] | null;
}

/**
 * The logprobs of the first choice in stored OpenAI Chat bytes (a whole `chat.completion`, or a
 * stream whose chunks each carry their tokens' entries, joined in order); undefined when there
 * are none or the bytes are not OpenAI Chat.
 */
export function chatLogprobs(wire: WireAnswer): ChatLogprobs | undefined {
  if (wire.api !== 'openai-chat') return undefined;
  // Read once per entry, and only for a replay in the other stream mode.
  if (!wire.bytes.includes('"logprobs"')) return undefined;
  try {
    if (!wire.stream) return logprobsOf(JSON.parse(wire.bytes.toString('utf8')));
    let joined: ChatLogprobs | undefined;
    const parser = new SseParser();
    for (const event of [...parser.push(wire.bytes), ...parser.end()]) {
      if (event.data === '[DONE]' || !event.data.includes('"logprobs"')) continue;
      const found = logprobsOf(JSON.parse(event.data));
      if (found === undefined) continue;
      joined ??= { content: null, refusal: null };
      if (found.content !== null) joined.content = [...(joined.content ?? []), ...found.content];
      if (found.refusal !== null) joined.refusal = [...(joined.refusal ?? []), ...found.refusal];
    }
    return joined;
  } catch {
    return undefined;
  }
}

function logprobsOf(body: unknown): ChatLogprobs | undefined {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return undefined;
  const first = choices.find((choice) => (choice as { index?: unknown } | null)?.index === 0) as { logprobs?: unknown } | undefined;
  const logprobs = first?.logprobs as { content?: unknown; refusal?: unknown } | null | undefined;
  if (logprobs === null || typeof logprobs !== 'object') return undefined;
  return { content: Array.isArray(logprobs.content) ? logprobs.content : null, refusal: Array.isArray(logprobs.refusal) ? logprobs.refusal : null };
}

/**
 * A chunk the OpenAI Chat stream encoder wrote, with the logprobs in place of its
 * `"logprobs":null` (the field after the delta, so the last one in the chunk: a `"logprobs":null`
 * inside the delta's text is escaped and never matches). The SDKs join the entries of every
 * chunk, so all of them ride on the answer's first content chunk.
 */
export function withChatLogprobs(chunk: string, logprobs: ChatLogprobs): string {
  const at = chunk.lastIndexOf('"logprobs":null');
  if (at === -1) return chunk;
  return `${chunk.slice(0, at)}"logprobs":${JSON.stringify(logprobs)}${chunk.slice(at + '"logprobs":null'.length)}`;
}
