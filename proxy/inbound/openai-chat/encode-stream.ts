import type { StreamPart } from '../../core/stream-part';
import type { ResponseContext, StreamEncoder } from '../codec';
import { encodeChatErrorBody } from './encode-error';
import { chatCompletionId, encodeFinishReason, encodeUsage } from './encode-response';

const done = 'data: [DONE]\n\n';

/**
 * Encodes stream parts as `chat.completion.chunk` events. Every chunk shares one id,
 * `created` and model, so their JSON prefix is built once per stream and each part costs
 * one `JSON.stringify` of its small delta.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export class ChatStreamEncoder implements StreamEncoder {
  private readonly context: ResponseContext;
  private readonly includeUsage: boolean;
  /** `data: {"id":…,"object":…,"created":…,"model":…,` — set by the first part. */
  private head = '';
  private phase: 'waiting' | 'streaming' | 'ended' = 'waiting';
  /** Chat Completions numbers tool calls by position; canonical parts name them by call id. */
  private readonly toolIndexes = new Map<string, number>();

  constructor(context: ResponseContext) {
    this.context = context;
    this.includeUsage = requestedUsage(context);
  }

  encode(part: StreamPart): string {
    if (this.phase === 'ended') return '';
    if (this.phase === 'waiting') {
      if (part.type === 'error') return this.fail(part);
      const opening = this.open(part.type === 'stream-start' ? part.id : undefined);
      if (part.type === 'stream-start') return opening;
      return opening + this.encode(part);
    }
    switch (part.type) {
      case 'text-delta':
        return part.delta === '' ? '' : this.chunk(`{"content":${JSON.stringify(part.delta)}}`);
      case 'reasoning-delta':
        return part.delta === '' ? '' : this.chunk(`{"reasoning_content":${JSON.stringify(part.delta)}}`);
      case 'tool-input-start': {
        const index = this.toolIndexes.size;
        this.toolIndexes.set(part.id, index);
        const delta = { tool_calls: [{ index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }] };
        return this.chunk(JSON.stringify(delta));
      }
      case 'tool-input-delta': {
        const index = this.toolIndexes.get(part.id);
        if (index === undefined || part.delta === '') return '';
        return this.chunk(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(part.delta)}}}]}`);
      }
      case 'finish': {
        this.phase = 'ended';
        let text = this.chunk('{}', `"${encodeFinishReason(part.finishReason)}"`);
        if (this.includeUsage) text += `${this.head}"choices":[],"usage":${JSON.stringify(encodeUsage(part.usage))}}\n\n`;
        return text + done;
      }
      case 'error':
        return this.fail(part);
      default:
        // Block starts and ends, and a repeated stream-start, have no wire form here.
        return '';
    }
  }

  /** The first chunk: the assistant role with empty content, as OpenAI sends it. */
  private open(providerId: string | undefined): string {
    this.phase = 'streaming';
    const context = this.context;
    this.head =
      `data: {"id":${JSON.stringify(chatCompletionId(providerId, context))},"object":"chat.completion.chunk",` +
      `"created":${context.created},"model":${JSON.stringify(context.model)},`;
    return this.chunk('{"role":"assistant","content":""}');
  }

  private chunk(delta: string, finishReason = 'null'): string {
    return `${this.head}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]}\n\n`;
  }

  /** An `error` event in place of `[DONE]`: the openai SDKs throw an APIError when they read it. */
  private fail(part: Extract<StreamPart, { type: 'error' }>): string {
    this.phase = 'ended';
    return `data: ${JSON.stringify(encodeChatErrorBody(part.error))}\n\n`;
  }
}

/** Usage is sent only to clients that asked with `stream_options.include_usage`, as OpenAI does. */
function requestedUsage(context: ResponseContext): boolean {
  const extraBody = context.request.extraBody;
  if (extraBody?.format !== 'openai-chat') return false;
  const options = extraBody.fields.stream_options;
  return typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
}
