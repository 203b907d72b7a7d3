import type { ProviderApi } from '../providers/adapter';
import { SseParser, type SseEvent } from '../sse/sse-parser';
import type { Usage } from '../core/usage';
import { isObject, type JsonObject } from '../core/json';
import { findTopLevelValue } from '../inbound/json-scan';
import { decodeAnthropicUsage } from '../providers/anthropic-messages/decode-usage';
import type { AnthropicUsage } from '../wire/anthropic-messages/types';
import { decodeChatUsage } from '../providers/openai-chat/decode-response';
import { decodeResponsesUsage } from '../providers/openai-responses/decode-response';
import { decodeGeminiUsage } from '../providers/gemini/decode-usage';

/**
 * Reads usage and the first-token time off a passthrough stream while its bytes go to the
 * client untouched. Only the few events that can carry usage are JSON-parsed (cheap string
 * checks skip the text deltas); the numbers are mapped by each provider's own usage decoder.
 */
export class UsageTap {
  private readonly parser = new SseParser();
  private usage: Usage | undefined;
  /** Anthropic spreads usage over message_start and message_delta; later fields win. */
  private anthropicUsage: AnthropicUsage | undefined;
  firstTokenAt: number | undefined;

  /**
   * @param hideUsageChunks Drop OpenAI's usage-only chunk (`choices: []`) from what the client
   * sees: set when Switchyard itself asked for usage, since a client that did not ask may
   * read `choices[0]` of every chunk. Chunks then pass as whole events, not raw bytes.
   */
  constructor(
    private readonly api: ProviderApi,
    private readonly hideUsageChunks = false,
  ) {}

  /** Reads a chunk; returns what to forward to the client (the chunk itself, normally). */
  push(chunk: Buffer): Buffer | string {
    const alignedBefore = this.parser.atEventBoundary();
    const events = this.parser.push(chunk);
    for (const event of events) this.read(event);
    if (!this.hideUsageChunks) return chunk;
    // A chunk of whole events none of which is the usage-only one goes out as its own bytes;
    // only a chunk that splits an event or holds the usage chunk is rebuilt from its events.
    if (alignedBefore && this.parser.atEventBoundary() && !events.some(isUsageOnlyChunk)) return chunk;
    let forwarded = '';
    for (const event of events) if (!isUsageOnlyChunk(event)) forwarded += `data: ${event.data}\n\n`;
    return forwarded;
  }

  end(): Usage | undefined {
    for (const event of this.parser.end()) this.read(event);
    return this.anthropicUsage ? decodeAnthropicUsage(this.anthropicUsage) : this.usage;
  }

  private read(event: SseEvent): void {
    if (this.firstTokenAt === undefined && carriesContent(this.api, event)) this.firstTokenAt = performance.now();
    switch (this.api) {
      case 'anthropic-messages': {
        if (event.event !== 'message_start' && event.event !== 'message_delta') return;
        const data = parse(event.data);
        const usage = event.event === 'message_start' ? objectField(objectField(data, 'message'), 'usage') : objectField(data, 'usage');
        if (usage) this.anthropicUsage = { ...this.anthropicUsage, ...withoutNulls(usage) } as AnthropicUsage;
        return;
      }
      case 'openai-chat':
        if (event.data.includes('"usage":{') || event.data.includes('"x_groq":')) {
          const chunk = parse(event.data);
          const usage = objectField(chunk, 'usage') ?? objectField(objectField(chunk, 'x_groq'), 'usage');
          if (usage) this.usage = decodeChatUsage(usage);
        }
        return;
      case 'openai-responses':
        if (event.event === 'response.completed' || event.event === 'response.incomplete' || event.event === 'response.failed') {
          const usage = objectField(objectField(parse(event.data), 'response'), 'usage');
          if (usage) this.usage = decodeResponsesUsage(usage);
        }
        return;
      case 'gemini':
        if (event.data.includes('"usageMetadata"')) {
          const usage = objectField(parse(event.data), 'usageMetadata');
          if (usage) this.usage = decodeGeminiUsage(usage);
        }
        return;
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
      const usage = topLevelObject(body, 'usage');
      return usage ? decodeAnthropicUsage(usage) : undefined;
    }
    case 'openai-chat': {
      const usage = topLevelObject(body, 'usage') ?? objectField(topLevelObject(body, 'x_groq'), 'usage');
      return usage ? decodeChatUsage(usage) : undefined;
    }
    case 'openai-responses': {
      const usage = topLevelObject(body, 'usage');
      return usage ? decodeResponsesUsage(usage) : undefined;
    }
    case 'gemini': {
      const usage = topLevelObject(body, 'usageMetadata');
      return usage ? decodeGeminiUsage(usage) : undefined;
    }
  }
}

/** The object value of a top-level key of a JSON object's bytes, parsed alone. */
function topLevelObject(body: Buffer, key: string): JsonObject | undefined {
  const range = findTopLevelValue(body, key);
  if (range === undefined || body[range.start] !== 0x7b) return undefined;
  return parse(body.toString('utf8', range.start, range.end));
}

/** Whether an event carries generated content (for time to first token), by cheap checks. */
function carriesContent(api: ProviderApi, event: SseEvent): boolean {
  switch (api) {
    case 'anthropic-messages':
      return event.event === 'content_block_delta' || event.event === 'content_block_start';
    case 'openai-responses':
      return event.event !== undefined && event.event.endsWith('.delta');
    case 'openai-chat':
      return event.data.includes('"delta":{"') && !event.data.includes('"delta":{"role":"assistant","content":""}');
    case 'gemini':
      return event.data.includes('"parts"');
  }
}

function isUsageOnlyChunk(event: SseEvent): boolean {
  return event.data.includes('"choices":[]') && event.data.includes('"usage":{');
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

function withoutNulls(value: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, field] of Object.entries(value)) if (field !== null) result[key] = field;
  return result;
}
