import type { ProviderApi } from '../providers/adapter';
import { SseParser, type SseEvent } from '../sse/sse-parser';
import { SseEventSelector, type SelectedEventReader, type SelectedName } from '../sse/sse-event-selector';
import { SseDataEvents, type EventDataReader } from '../sse/sse-data-events';
import type { Usage } from '../core/usage';
import { isObject, type JsonObject } from '../core/json';
import { findTopLevelValue, findTopLevelValueNearEnd, isJsonWhiteSpace, valueRange } from '../inbound/json-scan';
import { decodeAnthropicUsage } from '../providers/anthropic-messages/decode-usage';
import type { AnthropicUsage } from '../wire/anthropic-messages/types';
import { decodeChatUsage } from '../providers/openai-chat/decode-response';
import { decodeResponsesUsage } from '../providers/openai-responses/decode-response';
import { decodeGeminiUsage } from '../providers/gemini/decode-usage';

/**
 * The events of an Anthropic stream the tap reads, by name: usage and the stop reason come in
 * message_start and message_delta (their data is parsed); the first content_block_start or
 * content_block_delta is the first token (only its name is needed).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
const anthropicEvents: readonly SelectedName[] = [
  { name: 'message_start', data: true },
  { name: 'message_delta', data: true },
  { name: 'content_block_start', data: false },
  { name: 'content_block_delta', data: false },
];
const messageStart = 0;
const messageDelta = 1;
const contentBlockStart = 2;
const contentBlockDelta = 3;

/**
 * Reads usage, the finish reason and the first-token time off a passthrough stream while its
 * bytes go to the client untouched. Only the few events that can carry usage or the finish
 * reason are JSON-parsed (cheap string checks skip the text deltas; an Anthropic stream's other
 * events are passed over by name without being decoded); the numbers are mapped by each
 * provider's own usage decoder, the finish reason is kept as the provider wrote it.
 */
export class UsageTap implements SelectedEventReader, EventDataReader {
  /**
   * Anthropic's events are told apart by name: read by a selector. A Chat stream forwarded as is
   * is read in its bytes (`chatEvents`); the rest, and a Chat stream whose usage chunk is hidden
   * (its events are rebuilt from their text), by a full parser.
   */
  private readonly parser: SseParser | undefined;
  private readonly selector: SseEventSelector | undefined;
  private readonly chatEvents: SseDataEvents | undefined;
  private usage: Usage | undefined;
  /** Anthropic spreads usage over message_start and message_delta; later fields win. */
  private anthropicUsage: AnthropicUsage | undefined;
  firstTokenAt: number | undefined;
  /** Why the model stopped, as the provider wrote it (the first choice's, for OpenAI). */
  finishReason: string | undefined;

  /**
   * @param hideUsageChunks Drop OpenAI's usage-only chunk (`choices: []`) from what the client
   * sees: set when Switchyard itself asked for usage, since a client that did not ask may
   * read `choices[0]` of every chunk. Chunks then pass as whole events, not raw bytes.
   */
  constructor(
    private readonly api: ProviderApi,
    private readonly hideUsageChunks = false,
  ) {
    // Usage chunks are asked for (and hidden) only on Chat streams: an Anthropic stream is forwarded as is.
    if (api === 'anthropic-messages') this.selector = new SseEventSelector(anthropicEvents);
    else if (api === 'openai-chat' && !hideUsageChunks) this.chatEvents = new SseDataEvents();
    else this.parser = new SseParser();
  }

  /** `push` returns every chunk itself: the client's bytes need not wait for the tap. */
  get forwardsAsIs(): boolean {
    return !this.hideUsageChunks;
  }

  /** Reads a chunk; returns what to forward to the client (the chunk itself, normally). */
  push(chunk: Buffer): Buffer | string {
    if (this.selector !== undefined) {
      this.selector.push(chunk, this);
      return chunk;
    }
    if (this.chatEvents !== undefined) {
      this.chatEvents.push(chunk, this);
      return chunk;
    }
    const parser = this.parser!;
    const alignedBefore = parser.atEventBoundary();
    const events = parser.push(chunk);
    for (const event of events) this.read(event);
    if (!this.hideUsageChunks) return chunk;
    // A chunk of whole events none of which is the usage-only one goes out as its own bytes;
    // only a chunk that splits an event or holds the usage chunk is rebuilt from its events.
    if (alignedBefore && parser.atEventBoundary() && !events.some(isUsageOnlyChunk)) return chunk;
    let forwarded = '';
    for (const event of events) if (!isUsageOnlyChunk(event)) forwarded += `data: ${event.data}\n\n`;
    return forwarded;
  }

  end(): Usage | undefined {
    if (this.selector !== undefined) this.selector.end(this);
    else if (this.chatEvents !== undefined) this.chatEvents.end(this);
    else for (const event of this.parser!.end()) this.read(event);
    return this.anthropicUsage ? decodeAnthropicUsage(this.anthropicUsage) : this.usage;
  }

  /** An Anthropic event the selector picked out (its place in {@link anthropicEvents}), its data in bytes. */
  selected(index: number, buffer: Buffer | undefined, start: number, end: number): void {
    if (index !== messageStart && index !== messageDelta) {
      this.firstTokenAt ??= performance.now();
      // Only the first content event's time is wanted: the rest (most of the stream) are passed
      // over from here without their names compared (~19 bytes an event, each against two names).
      this.selector!.drop(contentBlockStart);
      this.selector!.drop(contentBlockDelta);
      return;
    }
    if (index === messageStart) {
      // One message_start a stream: its name need not be compared with the events after it.
      this.selector!.drop(messageStart);
      if (!this.readAnthropicStartBytes(buffer!, start, end)) this.readAnthropic(true, buffer!.toString('utf8', start, end));
    } else if (!this.readAnthropicDeltaBytes(buffer!, start, end)) {
      this.readAnthropic(false, buffer!.toString('utf8', start, end));
    }
  }

  /** A Chat event of several data lines (no provider writes one): read as text. */
  eventText(data: string): void {
    this.read({ data });
  }

  /**
   * A Chat chunk, read in its bytes. Until the first token, and for a chunk whose usage or
   * finish reason cannot be read in place, it is decoded and read as text (\`read\`), as every
   * chunk was. Otherwise the last \`"usage":\` and \`"finish_reason":\` are looked for from the
   * chunk's end, where both sit, in its bytes: a content chunk (\`…"finish_reason":null}],
   * "usage":null}\`) costs two short backward scans and no string; the finish chunk's reason is
   * read where it stands, and the usage chunk parses its usage object alone, not the chunk.
   * The reason read is the chunk's last choice's, where the text path took its first: the same
   * in every provider's stream, which carries one choice a chunk (\`n\` > 1 streams interleave them).
   */
  eventBytes(buffer: Buffer, start: number, end: number): void {
    if (this.firstTokenAt === undefined) {
      this.read({ data: buffer.toString('utf8', start, end) });
      return;
    }
    const usageAt = valueAfterLastKey(buffer, start, end, usageKey);
    let usage: JsonObject | undefined;
    if (usageAt !== -1 && buffer[usageAt] === openBrace) {
      usage = topLevelLastObject(buffer, usageAt, end);
      // Not the chunk's last member (Groq's \`x_groq.usage\`, a field after it), or not JSON: read whole.
      if (usage === undefined) return this.read({ data: buffer.toString('utf8', start, end) });
    }
    let finishReason: string | undefined;
    if (this.finishReason === undefined) {
      const reasonAt = valueAfterLastKey(buffer, start, end, finishReasonKey);
      if (reasonAt !== -1 && buffer[reasonAt] === quote) {
        finishReason = plainString(buffer, reasonAt, end);
        if (finishReason === undefined) return this.read({ data: buffer.toString('utf8', start, end) });
      }
    }
    if (usage !== undefined) this.usage = decodeChatUsage(usage);
    if (finishReason !== undefined) this.finishReason = finishReason;
  }

  /**
   * message_start's usage read in its bytes: the object after the event's last `"usage":`,
   * parsed alone, when it closes the message and the message closes the event
   * (`…"usage":{…}}}`), as Anthropic writes it (`{"type":"message_start","message":{…,"usage":{…}}}`).
   * The whole event (~450 bytes, the message's id, model and nulls) was decoded and parsed
   * for it on every stream. Anything else is read by the parse ({@link readAnthropic}): false.
   */
  private readAnthropicStartBytes(buffer: Buffer, start: number, end: number): boolean {
    const usageAt = valueAfterLastKey(buffer, start, end, usageKey);
    if (usageAt === -1 || buffer[usageAt] !== openBrace) return false;
    const range = valueRange(buffer, usageAt);
    if (range === undefined || range.end > end) return false;
    const messageEnd = closingBrace(buffer, range.end, end);
    const eventEnd = messageEnd === -1 ? -1 : closingBrace(buffer, messageEnd + 1, end);
    if (eventEnd === -1 || whiteSpaceEnd(buffer, eventEnd + 1, end) !== end) return false;
    const usage = parse(buffer.toString('utf8', range.start, range.end));
    if (usage === undefined) return false;
    this.mergeAnthropicUsage(usage);
    return true;
  }

  /**
   * message_delta read in its bytes (`{"type":"message_delta","delta":{"stop_reason":…},"usage":{…}}`):
   * its usage when it is the event's last member (parsed alone), and the stop reason before it
   * when it is a short plain string or null. Anything else is read by the parse: false.
   */
  private readAnthropicDeltaBytes(buffer: Buffer, start: number, end: number): boolean {
    const usageAt = valueAfterLastKey(buffer, start, end, usageKey);
    if (usageAt === -1 || buffer[usageAt] !== openBrace) return false;
    const usage = topLevelLastObject(buffer, usageAt, end);
    if (usage === undefined) return false;
    // The delta comes before usage; a reason that is neither a plain string nor null takes the parse.
    const reasonAt = valueAfterLastKey(buffer, start, usageAt, stopReasonKey);
    let stopReason: string | undefined;
    if (reasonAt !== -1) {
      if (buffer[reasonAt] === quote) {
        stopReason = plainString(buffer, reasonAt, usageAt);
        if (stopReason === undefined) return false;
      } else if (!startsWithNull(buffer, reasonAt, usageAt)) {
        return false;
      }
    }
    this.mergeAnthropicUsage(usage);
    if (stopReason !== undefined) this.finishReason = stopReason;
    return true;
  }

  /** message_start holds usage in its message, message_delta at its top; later fields win. */
  private readAnthropic(start: boolean, text: string): void {
    const data = parse(text);
    const usage = start ? objectField(objectField(data, 'message'), 'usage') : objectField(data, 'usage');
    if (usage) this.mergeAnthropicUsage(usage);
    const stopReason = objectField(data, 'delta')?.stop_reason;
    if (typeof stopReason === 'string') this.finishReason = stopReason;
  }

  /** Usage fields seen so far, a later event's winning; a null field is no news. */
  private mergeAnthropicUsage(usage: JsonObject): void {
    const merged = (this.anthropicUsage ?? {}) as JsonObject;
    for (const key in usage) if (usage[key] !== null) merged[key] = usage[key]!;
    this.anthropicUsage = merged as AnthropicUsage;
  }

  private read(event: SseEvent): void {
    if (this.firstTokenAt === undefined && carriesContent(this.api, event)) this.firstTokenAt = performance.now();
    switch (this.api) {
      case 'anthropic-messages':
        // Read by the selector (`selected`), never parsed whole.
        return;
      case 'openai-chat': {
        // Both keys come at the end of a chunk (…`"finish_reason":null}],"usage":null}`), Groq's
        // `x_groq.usage` too, so each is looked for from the end: a few characters a chunk,
        // where `includes` read every chunk whole, twice or three times (~20 µs a 1 KB stream).
        const carriesUsage = lastValueOpens(event.data, '"usage":', openBrace);
        // Every chunk has `"finish_reason":null`; only the last one names a reason.
        const carriesFinish = this.finishReason === undefined && lastValueOpens(event.data, '"finish_reason":', quote);
        if (!carriesUsage && !carriesFinish) return;
        const chunk = parse(event.data);
        if (carriesUsage) {
          const usage = objectField(chunk, 'usage') ?? objectField(objectField(chunk, 'x_groq'), 'usage');
          if (usage) this.usage = decodeChatUsage(usage);
        }
        if (carriesFinish) this.finishReason = firstElementString(chunk?.choices, 'finish_reason');
        return;
      }
      case 'openai-responses':
        if (event.event === 'response.completed' || event.event === 'response.incomplete' || event.event === 'response.failed') {
          const answer = objectField(parse(event.data), 'response');
          const usage = objectField(answer, 'usage');
          if (usage) this.usage = decodeResponsesUsage(usage);
          this.finishReason = responsesFinishReason(answer);
        }
        return;
      case 'gemini': {
        const carriesUsage = event.data.includes('"usageMetadata"');
        const carriesFinish = this.finishReason === undefined && event.data.includes('"finishReason"');
        if (!carriesUsage && !carriesFinish) return;
        const chunk = parse(event.data);
        const usage = objectField(chunk, 'usageMetadata');
        if (usage) this.usage = decodeGeminiUsage(usage);
        if (carriesFinish) this.finishReason = firstElementString(chunk?.candidates, 'finishReason');
        return;
      }
    }
  }
}

/**
 * Usage from a complete (non-streamed) JSON answer of the given API. Only the usage object is
 * parsed, found by a structural scan: the answer itself goes to the client as the provider
 * sent it, so nothing else of it is needed.
 */
export function readResponseUsage(api: ProviderApi, body: Buffer): Usage | undefined {
  switch (api) {
    case 'anthropic-messages': {
      const usage = usageObject(body, 'usage');
      return usage ? decodeAnthropicUsage(usage) : undefined;
    }
    case 'openai-chat': {
      const usage = usageObject(body, 'usage') ?? objectField(usageObject(body, 'x_groq'), 'usage');
      return usage ? decodeChatUsage(usage) : undefined;
    }
    case 'openai-responses': {
      const usage = usageObject(body, 'usage');
      return usage ? decodeResponsesUsage(usage) : undefined;
    }
    case 'gemini': {
      const usage = usageObject(body, 'usageMetadata');
      return usage ? decodeGeminiUsage(usage) : undefined;
    }
  }
}

/**
 * Why the model stopped, from a complete (non-streamed) JSON answer of the given API, as the
 * provider wrote it. Found by a byte search, never a parse or a scan of the answer: a quoted key
 * followed by a colon cannot occur inside a JSON string (its quotes would be escaped). The
 * reason comes after the content in Anthropic's, Chat's and Gemini's answers, so the search runs
 * from the end (a tool call's input object could hold a key of that name earlier; with several
 * choices it is the last one's); the Responses API's `status` is near the start.
 */
export function readResponseFinishReason(api: ProviderApi, body: Buffer): string | undefined {
  switch (api) {
    case 'anthropic-messages':
      return stringAfterKey(body, 'stop_reason', 'last');
    case 'openai-chat':
      return stringAfterKey(body, 'finish_reason', 'last');
    case 'openai-responses': {
      const status = stringAfterKey(body, 'status', 'first');
      if (status !== 'incomplete') return status;
      const details = topLevelObject(body, 'incomplete_details');
      return typeof details?.reason === 'string' ? details.reason : status;
    }
    case 'gemini':
      return stringAfterKey(body, 'finishReason', 'last');
  }
}

/** The Responses API's finish reason as the translated path records it: the status, or why it is incomplete. */
function responsesFinishReason(answer: JsonObject | undefined): string | undefined {
  const status = answer?.status;
  if (typeof status !== 'string') return undefined;
  const reason = objectField(answer, 'incomplete_details')?.reason;
  return status === 'incomplete' && typeof reason === 'string' ? reason : status;
}

/** A string field of the first element of an array (the first choice or candidate). */
function firstElementString(list: unknown, key: string): string | undefined {
  const first = Array.isArray(list) ? (list[0] as unknown) : undefined;
  const value = isObject(first) ? first[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The short string value after the first or last `"key":` in the bytes (whitespace allowed
 * around the colon); undefined when that occurrence's value is no short plain string (`null`).
 */
function stringAfterKey(body: Buffer, key: string, occurrence: 'first' | 'last'): string | undefined {
  const needle = `"${key}"`;
  let at = occurrence === 'first' ? body.indexOf(needle) : lastIndexNearEnd(body, needle);
  if (at === -1) return undefined;
  at = skipWhitespace(body, at + needle.length);
  if (body[at] !== 0x3a) return undefined;
  at = skipWhitespace(body, at + 1);
  return body[at] === quote ? plainString(body, at, body.length) : undefined;
}

/** `lastIndexOf`, trying the last 2 KB first: the answer's reason is after its content, near the end. */
function lastIndexNearEnd(body: Buffer, needle: string): number {
  const tailStart = Math.max(0, body.length - 2048);
  const inTail = body.subarray(tailStart).lastIndexOf(needle);
  return inTail !== -1 ? tailStart + inTail : tailStart === 0 ? -1 : body.lastIndexOf(needle, tailStart + needle.length);
}

function skipWhitespace(body: Buffer, at: number): number {
  while (at < body.length && (body[at] === 0x20 || body[at] === 0x0a || body[at] === 0x0d || body[at] === 0x09)) at += 1;
  return at;
}

/** The object value of a top-level key of a JSON object's bytes, parsed alone. */
function topLevelObject(body: Buffer, key: string): JsonObject | undefined {
  return parsedObject(body, findTopLevelValue(body, key));
}

/** {@link topLevelObject} for usage, which every API writes after the content: looked for from the end. */
function usageObject(body: Buffer, key: string): JsonObject | undefined {
  return parsedObject(body, findTopLevelValueNearEnd(body, key));
}

function parsedObject(body: Buffer, range: { start: number; end: number } | undefined): JsonObject | undefined {
  if (range === undefined || body[range.start] !== 0x7b) return undefined;
  return parse(body.toString('utf8', range.start, range.end));
}

const openBrace = 0x7b;
const closeBrace = 0x7d;
const quote = 0x22;
const backslash = 0x5c;
const usageKey = Buffer.from('"usage":');
const stopReasonKey = Buffer.from('"stop_reason":');
const finishReasonKey = Buffer.from('"finish_reason":');

/**
 * How far from a chunk's end the last key is looked for byte by byte before \`Buffer#lastIndexOf\`
 * searches the rest: a Chat chunk's \`"usage":\` is ~14 bytes from its end, its
 * \`"finish_reason":\` ~35, and a native call costs more than a few dozen bytes compared in place.
 */
const tailScanBytes = 96;

/**
 * Where the value after the last \`key\` (a quoted name and its colon) in \`[start, end)\` begins,
 * past white space; -1 when the key is not there. Inside a JSON string the name's closing quote
 * would be escaped, so a match is a key.
 */
function valueAfterLastKey(buffer: Buffer, start: number, end: number, key: Buffer): number {
  const last = key.length - 1;
  const tailStart = Math.max(start, end - tailScanBytes);
  let at = -1;
  for (let index = end - key.length; index >= tailStart; index--) {
    if (buffer[index + last] !== key[last] || buffer[index] !== quote) continue;
    let matched = 1;
    while (matched < last && buffer[index + matched] === key[matched]) matched++;
    if (matched === last) {
      at = index;
      break;
    }
  }
  if (at === -1 && tailStart > start) {
    // Matches starting at tailStart or later were compared above.
    at = buffer.lastIndexOf(key, tailStart - 1);
    if (at < start) return -1;
  }
  if (at === -1) return -1;
  let index = at + key.length;
  while (index < end && isJsonWhiteSpace(buffer[index]!)) index++;
  return index;
}

/**
 * The object at \`at\`, parsed alone, when it is the last member of the chunk's top-level object
 * (only white space, one \`}\` and white space after it to the chunk's end); otherwise undefined.
 */
function topLevelLastObject(buffer: Buffer, at: number, end: number): JsonObject | undefined {
  const range = valueRange(buffer, at);
  if (range === undefined || range.end > end) return undefined;
  let index = range.end;
  while (index < end && isJsonWhiteSpace(buffer[index]!)) index++;
  if (buffer[index] !== closeBrace) return undefined;
  index++;
  while (index < end && isJsonWhiteSpace(buffer[index]!)) index++;
  return index === end ? parse(buffer.toString('utf8', range.start, range.end)) : undefined;
}

/** The string at \`at\` (its opening quote) when it is a short one without escapes: a finish reason. */
function plainString(buffer: Buffer, at: number, end: number): string | undefined {
  const close = buffer.indexOf(quote, at + 1);
  if (close === -1 || close >= end || close - at > 64) return undefined;
  for (let index = at + 1; index < close; index++) if (buffer[index] === backslash) return undefined;
  return buffer.toString('utf8', at + 1, close);
}

/**
 * Whether the value of the last `"key":` in a chunk's JSON starts with `first` (`{` an object,
 * `"` a string), white space allowed before it. Inside a JSON string the key's quotes would be
 * escaped, so a match is a key.
 */
function lastValueOpens(data: string, key: string, first: number): boolean {
  const at = data.lastIndexOf(key);
  if (at === -1) return false;
  let index = at + key.length;
  let code = data.charCodeAt(index);
  while (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) code = data.charCodeAt(++index);
  return code === first;
}

/** Whether an event carries generated content (for time to first token), by cheap checks. */
function carriesContent(api: ProviderApi, event: SseEvent): boolean {
  switch (api) {
    case 'anthropic-messages':
      return false; // the selector's (anthropicEvents)
    case 'openai-responses':
      return event.event !== undefined && event.event.endsWith('.delta');
    case 'openai-chat':
      return event.data.includes('"delta":{"') && !event.data.includes('"delta":{"role":"assistant","content":""}');
    case 'gemini':
      return event.data.includes('"parts"');
  }
}

function isUsageOnlyChunk(event: SseEvent): boolean {
  return lastValueOpens(event.data, '"usage":', openBrace) && event.data.includes('"choices":[]');
}

function parse(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function objectField(value: JsonObject | undefined, key: string): JsonObject | undefined {
  const field = value?.[key];
  return isObject(field) ? field : undefined;
}

/** Where the `}` after white space from `at` stands, or -1 when something else comes first. */
function closingBrace(buffer: Buffer, at: number, end: number): number {
  const index = whiteSpaceEnd(buffer, at, end);
  return index < end && buffer[index] === closeBrace ? index : -1;
}

/** Where the white space from `at` ends, at most `end`. */
function whiteSpaceEnd(buffer: Buffer, at: number, end: number): number {
  while (at < end && isJsonWhiteSpace(buffer[at]!)) at++;
  return at;
}

/** Whether the value at `at` is the literal `null`, ending before `end`. */
function startsWithNull(buffer: Buffer, at: number, end: number): boolean {
  return at + 4 <= end && buffer[at] === 0x6e && buffer[at + 1] === 0x75 && buffer[at + 2] === 0x6c && buffer[at + 3] === 0x6c;
}
