import type { ProviderApi } from '../providers/adapter';
import { SseParser, type SseEvent } from '../sse/sse-parser';
import { emptyUsage, type Usage } from '../core/usage';

type JsonObject = Record<string, any>;

/**
 * Reads usage and the first-token time off a passthrough stream while its bytes go to the
 * client untouched. Only the few events that can carry usage are JSON-parsed (cheap string
 * checks skip the text deltas), so the tap costs little more than the SSE line split.
 */
export class UsageTap {
  private readonly parser = new SseParser();
  private usage: Usage | undefined;
  firstTokenAt: number | undefined;

  constructor(private readonly api: ProviderApi) {}

  push(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) this.read(event);
  }

  end(): Usage | undefined {
    for (const event of this.parser.end()) this.read(event);
    return this.usage;
  }

  private read(event: SseEvent): void {
    if (this.firstTokenAt === undefined && carriesContent(this.api, event)) this.firstTokenAt = performance.now();
    switch (this.api) {
      case 'anthropic':
        if (event.event === 'message_start') {
          this.usage = mergeAnthropicUsage(emptyUsage(), parse(event.data)?.message?.usage);
        } else if (event.event === 'message_delta') {
          this.usage = mergeAnthropicUsage(this.usage ?? emptyUsage(), parse(event.data)?.usage);
        }
        return;
      case 'openai-chat':
        if (event.data.includes('"usage":{') || event.data.includes('"x_groq":')) {
          const chunk = parse(event.data);
          const usage = chunk?.usage ?? chunk?.x_groq?.usage;
          if (usage) this.usage = decodeChatUsage(usage);
        }
        return;
      case 'openai-responses':
        if (event.event === 'response.completed' || event.event === 'response.incomplete' || event.event === 'response.failed') {
          const usage = parse(event.data)?.response?.usage;
          if (usage) this.usage = decodeResponsesUsage(usage);
        }
        return;
      case 'gemini':
        if (event.data.includes('"usageMetadata"')) {
          const usage = parse(event.data)?.usageMetadata;
          if (usage) this.usage = decodeGeminiUsage(usage);
        }
        return;
    }
  }
}

/** Usage from a complete (non-streamed) JSON answer of the given API. */
export function readResponseUsage(api: ProviderApi, body: Buffer): Usage | undefined {
  const json = parse(body.toString('utf8'));
  if (!json) return undefined;
  switch (api) {
    case 'anthropic':
      return json.usage ? mergeAnthropicUsage(emptyUsage(), json.usage) : undefined;
    case 'openai-chat': {
      const usage = json.usage ?? json.x_groq?.usage;
      return usage ? decodeChatUsage(usage) : undefined;
    }
    case 'openai-responses':
      return json.usage ? decodeResponsesUsage(json.usage) : undefined;
    case 'gemini':
      return json.usageMetadata ? decodeGeminiUsage(json.usageMetadata) : undefined;
  }
}

/**
 * Anthropic reports uncached input apart from cache reads and writes; message_delta may
 * repeat the input counts with final values, so later non-zero numbers win.
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
function mergeAnthropicUsage(usage: Usage, wire: JsonObject | undefined): Usage {
  if (!wire) return usage;
  const cacheRead = wire.cache_read_input_tokens ?? usage.cacheReadTokens;
  const cacheWrite = wire.cache_creation_input_tokens ?? usage.cacheWriteTokens;
  const uncached = wire.input_tokens ?? usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens;
  return {
    inputTokens: uncached + cacheRead + cacheWrite,
    outputTokens: wire.output_tokens ?? usage.outputTokens,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: 0,
  };
}

/** @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage */
function decodeChatUsage(wire: JsonObject): Usage {
  return {
    inputTokens: wire.prompt_tokens ?? 0,
    outputTokens: wire.completion_tokens ?? 0,
    cacheReadTokens: wire.prompt_tokens_details?.cached_tokens ?? wire.prompt_cache_hit_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: wire.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage */
function decodeResponsesUsage(wire: JsonObject): Usage {
  return {
    inputTokens: wire.input_tokens ?? 0,
    outputTokens: wire.output_tokens ?? 0,
    cacheReadTokens: wire.input_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: wire.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** @see https://ai.google.dev/api/generate-content#UsageMetadata */
function decodeGeminiUsage(wire: JsonObject): Usage {
  const thoughts = wire.thoughtsTokenCount ?? 0;
  return {
    inputTokens: wire.promptTokenCount ?? 0,
    outputTokens: (wire.candidatesTokenCount ?? 0) + thoughts,
    cacheReadTokens: wire.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

/** Whether an event carries generated content (for time to first token), by cheap checks. */
function carriesContent(api: ProviderApi, event: SseEvent): boolean {
  switch (api) {
    case 'anthropic':
      return event.event === 'content_block_delta' || event.event === 'content_block_start';
    case 'openai-responses':
      return event.event !== undefined && event.event.endsWith('.delta');
    case 'openai-chat':
      return event.data.includes('"delta":{"') && !event.data.includes('"delta":{"role":"assistant","content":""}');
    case 'gemini':
      return event.data.includes('"parts"');
  }
}

function parse(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
