import type { StreamPart } from '../core/stream-part';
import { SseParser } from '../sse/sse-parser';
import type { WireAnswer } from './cached-answer';
import { chatLogprobs, withChatLogprobs } from './chat-logprobs';

/**
 * Token log probabilities carried across stream modes. Canonical parts have no place for them
 * (each API has its own shape, and no other format could use another's), so a provider's
 * bytes replayed to a client of the same API in the other stream mode — re-encoded from parts
 * — would lose them: they are read from the stored bytes (once per entry) and written into what
 * the encoder produced.
 */
export interface LogprobsCarrier {
  /** Puts the logprobs into the whole answer the encoder made (a JSON body, before it is written). */
  intoWhole(encoded: unknown): void;
  /**
   * For one streamed replay: a function that takes each event the encoder wrote (for `part`)
   * and gives it back with the logprobs where the API puts them.
   */
  forStream(): (text: string, part: StreamPart) => string;
}

/** The carrier of stored bytes' logprobs; undefined when they have none (or their API has none). */
export function logprobsCarrier(wire: WireAnswer): LogprobsCarrier | undefined {
  if (!wire.bytes.includes(wire.api === 'gemini' ? '"logprobsResult"' : '"logprobs"')) return undefined;
  try {
    if (wire.api === 'openai-chat') return chatCarrier(wire);
    if (wire.api === 'openai-responses') return responsesCarrier(wire);
    if (wire.api === 'gemini') return geminiCarrier(wire);
  } catch {
    // Bytes that do not read are replayed without their logprobs rather than not at all.
  }
  return undefined;
}

/** The JSON bodies of stored bytes: the one body, or every event's data. */
function bodies(wire: WireAnswer): unknown[] {
  if (!wire.stream) return [JSON.parse(wire.bytes.toString('utf8'))];
  const parser = new SseParser();
  const found: unknown[] = [];
  for (const event of [...parser.push(wire.bytes), ...parser.end()]) {
    if (event.data === '[DONE]' || event.data === '') continue;
    found.push(JSON.parse(event.data));
  }
  return found;
}

function chatCarrier(wire: WireAnswer): LogprobsCarrier | undefined {
  const logprobs = chatLogprobs(wire);
  if (logprobs === undefined) return undefined;
  return {
    intoWhole(encoded) {
      (encoded as { choices: Array<{ logprobs: unknown }> }).choices[0]!.logprobs = logprobs;
    },
    // The SDKs join the entries of every chunk: all of them ride on the first content chunk.
    forStream() {
      let sent = false;
      return (text, part) => {
        if (sent || part.type !== 'text-delta' || text === '') return text;
        sent = true;
        return withChatLogprobs(text, logprobs);
      };
    },
  };
}

/**
 * Responses: each `output_text` part's `logprobs`. A stream has them on its deltas (each
 * delta's tokens) and whole on `response.output_text.done`, the part's and item's done events
 * and `response.completed`. Carried only for an answer with one text part, the usual shape: the
 * encoder's `"logprobs":[]` then all belong to it.
 */
function responsesCarrier(wire: WireAnswer): LogprobsCarrier | undefined {
  const logprobs = responsesLogprobs(bodies(wire), wire.stream);
  if (logprobs === undefined) return undefined;
  const written = JSON.stringify(logprobs);
  return {
    intoWhole(encoded) {
      const parts = outputTextParts((encoded as { output?: unknown }).output);
      if (parts.length === 1) parts[0]!.logprobs = logprobs;
    },
    forStream() {
      let deltaSent = false;
      return (text) => {
        // `"logprobs":[]` inside a string is escaped: only the encoder's own fields match.
        if (!text.includes('"logprobs":[]')) return text;
        if (text.startsWith('event: response.output_text.delta')) {
          if (deltaSent) return text;
          deltaSent = true;
          return text.replace('"logprobs":[]', `"logprobs":${written}`);
        }
        return text.replaceAll('"logprobs":[]', `"logprobs":${written}`);
      };
    },
  };
}

interface OutputTextPart {
  type: 'output_text';
  logprobs?: unknown;
}

function outputTextParts(output: unknown): OutputTextPart[] {
  const parts: OutputTextPart[] = [];
  if (!Array.isArray(output)) return parts;
  for (const item of output as Array<{ type?: unknown; content?: unknown }>) {
    if (item?.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content as OutputTextPart[]) if (part?.type === 'output_text') parts.push(part);
  }
  return parts;
}

/** The logprobs of a Responses answer with exactly one text part; undefined otherwise or when it has none. */
function responsesLogprobs(found: unknown[], stream: boolean): unknown[] | undefined {
  let response: unknown;
  if (!stream) response = found[0];
  else {
    const completed = found.find((body) => (body as { type?: unknown } | null)?.type === 'response.completed') as { response?: unknown } | undefined;
    response = completed?.response;
  }
  if (response !== undefined) {
    const parts = outputTextParts((response as { output?: unknown } | null)?.output);
    if (parts.length !== 1 || !Array.isArray(parts[0]!.logprobs) || parts[0]!.logprobs.length === 0) return undefined;
    return parts[0]!.logprobs;
  }
  // A stream without its completed event: the deltas' entries, joined.
  const joined: unknown[] = [];
  for (const body of found as Array<{ type?: unknown; logprobs?: unknown }>) {
    if (body?.type === 'response.output_text.delta' && Array.isArray(body.logprobs)) joined.push(...(body.logprobs as unknown[]));
  }
  return joined.length === 0 ? undefined : joined;
}

/** Gemini's `logprobsResult` of the first candidate, and `avgLogprobs`. */
interface GeminiLogprobs {
  logprobsResult: { topCandidates?: unknown[]; chosenCandidates?: unknown[]; [field: string]: unknown };
  avgLogprobs: number | undefined;
}

/**
 * Gemini: the first candidate's `logprobsResult` (chosen and top candidates per token) and
 * `avgLogprobs`. A stream has them per chunk, for the chunk's tokens: joined in order, the
 * average taken over every chosen token. Replayed as a stream, they ride on the first text
 * chunk (the SDK hands chunks over as they are).
 */
function geminiCarrier(wire: WireAnswer): LogprobsCarrier | undefined {
  const logprobs = geminiLogprobs(bodies(wire));
  if (logprobs === undefined) return undefined;
  const fields = `"logprobsResult":${JSON.stringify(logprobs.logprobsResult)}${logprobs.avgLogprobs === undefined ? '' : `,"avgLogprobs":${logprobs.avgLogprobs}`},`;
  return {
    intoWhole(encoded) {
      const candidate = (encoded as { candidates?: Array<Record<string, unknown>> }).candidates?.[0];
      if (candidate === undefined) return;
      candidate.logprobsResult = logprobs.logprobsResult;
      if (logprobs.avgLogprobs !== undefined) candidate.avgLogprobs = logprobs.avgLogprobs;
    },
    forStream() {
      let sent = false;
      return (text, part) => {
        if (sent || part.type !== 'text-delta' || text === '') return text;
        // The candidate's own `"index":0}]` is the last in the chunk: after its parts, before
        // usage; one inside the parts would be followed by more of the candidate.
        const at = text.lastIndexOf('"index":0}]');
        if (at === -1) return text;
        sent = true;
        return `${text.slice(0, at)}${fields}${text.slice(at)}`;
      };
    },
  };
}

function geminiLogprobs(found: unknown[]): GeminiLogprobs | undefined {
  let joined: GeminiLogprobs | undefined;
  let chunks = 0;
  for (const body of found) {
    const candidate = (body as { candidates?: Array<{ index?: unknown; logprobsResult?: unknown; avgLogprobs?: unknown }> } | null)?.candidates?.find((item) => (item?.index ?? 0) === 0);
    const result = candidate?.logprobsResult as GeminiLogprobs['logprobsResult'] | undefined;
    if (result === undefined || result === null || typeof result !== 'object') continue;
    chunks++;
    if (joined === undefined) {
      joined = { logprobsResult: { ...result }, avgLogprobs: typeof candidate!.avgLogprobs === 'number' ? candidate!.avgLogprobs : undefined };
      continue;
    }
    const into = joined.logprobsResult;
    if (Array.isArray(result.topCandidates)) into.topCandidates = [...(into.topCandidates ?? []), ...result.topCandidates];
    if (Array.isArray(result.chosenCandidates)) into.chosenCandidates = [...(into.chosenCandidates ?? []), ...result.chosenCandidates];
  }
  if (joined === undefined) return undefined;
  if (chunks > 1) joined.avgLogprobs = averageOf(joined.logprobsResult.chosenCandidates) ?? joined.avgLogprobs;
  return joined;
}

/** The mean log probability of the chosen tokens; undefined when any lacks one. */
function averageOf(chosen: unknown[] | undefined): number | undefined {
  if (chosen === undefined || chosen.length === 0) return undefined;
  let sum = 0;
  for (const token of chosen as Array<{ logProbability?: unknown }>) {
    if (typeof token?.logProbability !== 'number') return undefined;
    sum += token.logProbability;
  }
  return sum / chosen.length;
}
