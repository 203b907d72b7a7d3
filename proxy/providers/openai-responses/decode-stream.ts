import { ProxyError } from '../../core/errors';
import type { ResponseContent } from '../../core/response';
import type { StreamPart } from '../../core/stream-part';
import type { SseEvent } from '../../sse/sse-parser';
import type { StreamDecoder } from '../adapter';
import { decodeResponsesFailure } from './decode-error';
import {
  decodeOutputItem,
  decodeResponsesUsage,
  reasoningText,
  reasoningTextParts,
  summaryParts,
  summarySeparator,
} from './decode-response';
import { mapResponsesFinishReason } from './map-finish-reason';
import { responsesProviderOptions, withResponsesOptions } from './responses-options';
import { isObject, type JsonObject } from '../../core/json';
import { checkResponsesStreamEvent } from '../../wire/openai-responses/guards';
import { malformedWireError } from '../../wire/checks';

interface ReasoningState {
  /** Whether any reasoning text reached the client, so a later summary part needs a separator. */
  streamed: boolean;
}

interface CallState {
  callId: string;
  streamed: boolean;
}

interface TextState {
  streamed: boolean;
}

/**
 * Turns Responses API stream events into stream parts.
 *
 * Text blocks are keyed by `item_id` and `content_index` (a message may hold several parts),
 * reasoning blocks by the reasoning item's id, and tool inputs by the call id the model gave
 * (`call_id`), which is what tool results refer to. The item id and the reasoning item's
 * encrypted content travel in `providerOptions.openai`, so the next turn can send them back.
 * Servers that skip the delta events and send only the `.done` events (some
 * OpenAI-compatible ones) still produce the whole text.
 *
 * Each event is checked before it is read: a malformed one ends the stream with an `error`
 * part naming the provider and the event, never an exception.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ResponsesStreamDecoder implements StreamDecoder {
  private finished = false;
  private started = false;
  private hasToolCalls = false;
  private readonly texts = new Map<string, TextState>();
  /** Message items whose content arrived through content part events. */
  private readonly streamedMessages = new Set<string>();
  private readonly reasoning = new Map<string, ReasoningState>();
  /** Function and custom tool calls by item id. */
  private readonly calls = new Map<string, CallState>();
  private readonly phases = new Map<string, string>();

  /** `provider` is the id errors name (compatible servers speak this API too). */
  constructor(private readonly provider = 'openai') {}

  decode(event: SseEvent): StreamPart[] {
    if (this.finished || event.data === '[DONE]') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return this.fail(malformedWireError(this.provider, { what: `${event.event ?? 'stream'} event`, problem: 'not JSON' }));
    }
    const checked = checkResponsesStreamEvent(parsed, event.event);
    if (!checked.ok) return this.fail(malformedWireError(this.provider, checked));
    const { type, data } = checked.value;
    const parts: StreamPart[] = [];
    switch (type) {
      case 'response.created':
        this.start(data, parts);
        break;
      case 'response.output_item.added':
        if (isObject(data.item)) this.itemAdded(data.item, parts);
        break;
      case 'response.content_part.added':
        if (isObject(data.part) && (data.part.type === 'output_text' || data.part.type === 'refusal')) {
          this.openText(stringOr(data.item_id), numberOr(data.content_index), data.part.type === 'refusal', parts);
        }
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.textDelta(stringOr(data.item_id), numberOr(data.content_index), stringOr(data.delta), data.type === 'response.refusal.delta', parts);
        break;
      case 'response.output_text.done':
      case 'response.refusal.done': {
        const key = textKey(stringOr(data.item_id), numberOr(data.content_index));
        const full = data.type === 'response.refusal.done' ? data.refusal : data.text;
        if (!this.texts.get(key)?.streamed && typeof full === 'string' && full !== '') {
          this.textDelta(stringOr(data.item_id), numberOr(data.content_index), full, data.type === 'response.refusal.done', parts);
        }
        break;
      }
      case 'response.content_part.done': {
        const key = textKey(stringOr(data.item_id), numberOr(data.content_index));
        if (this.texts.delete(key)) parts.push({ type: 'text-end', id: key });
        break;
      }
      case 'response.reasoning_summary_part.added': {
        const state = this.reasoningState(stringOr(data.item_id), parts);
        if (numberOr(data.summary_index) > 0 && state.streamed) {
          parts.push({ type: 'reasoning-delta', id: stringOr(data.item_id), delta: summarySeparator });
        }
        break;
      }
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta': {
        const delta = stringOr(data.delta);
        if (delta === '') break;
        const id = stringOr(data.item_id);
        this.reasoningState(id, parts).streamed = true;
        parts.push({ type: 'reasoning-delta', id, delta });
        break;
      }
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const call = this.calls.get(stringOr(data.item_id));
        const delta = stringOr(data.delta);
        if (!call || delta === '') break;
        call.streamed = true;
        parts.push({ type: 'tool-input-delta', id: call.callId, delta });
        break;
      }
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.done': {
        const call = this.calls.get(stringOr(data.item_id));
        const full = data.type === 'response.custom_tool_call_input.done' ? data.input : data.arguments;
        if (call && !call.streamed && typeof full === 'string' && full !== '') {
          call.streamed = true;
          parts.push({ type: 'tool-input-delta', id: call.callId, delta: full });
        }
        break;
      }
      case 'response.output_item.done':
        if (isObject(data.item)) this.itemDone(data.item, numberOr(data.output_index), parts);
        break;
      case 'response.completed':
      case 'response.incomplete':
        this.finish(data, parts);
        break;
      case 'response.failed': {
        const response = isObject(data.response) ? data.response : {};
        parts.push(...this.fail(decodeResponsesFailure(response.error, this.provider)));
        break;
      }
      case 'error':
        // Documented flat (`code`, `message`), seen nested under `error` too.
        parts.push(...this.fail(decodeResponsesFailure(isObject(data.error) ? data.error : data, this.provider)));
        break;
    }
    return parts;
  }

  end(): StreamPart[] {
    if (this.finished) return [];
    return this.fail(
      new ProxyError('api_error', 'The provider closed the Responses stream before response.completed; the answer is incomplete.'),
    );
  }

  private start(data: JsonObject, parts: StreamPart[]): void {
    if (this.started) return;
    this.started = true;
    const response = isObject(data.response) ? data.response : {};
    const part: StreamPart = { type: 'stream-start' };
    if (typeof response.id === 'string') part.id = response.id;
    if (typeof response.model === 'string') part.model = response.model;
    parts.push(part);
  }

  private itemAdded(item: JsonObject, parts: StreamPart[]): void {
    const itemId = stringOr(item.id);
    switch (item.type) {
      case 'message':
        if (typeof item.phase === 'string') this.phases.set(itemId, item.phase);
        return;
      case 'reasoning':
        this.reasoningState(itemId, parts);
        return;
      case 'function_call':
      case 'custom_tool_call':
        this.openCall(item, parts);
        return;
    }
  }

  private itemDone(item: JsonObject, outputIndex: number, parts: StreamPart[]): void {
    const itemId = stringOr(item.id);
    switch (item.type) {
      case 'message':
        this.messageDone(item, itemId, parts);
        return;
      case 'reasoning': {
        const state = this.reasoningState(itemId, parts);
        const summary = summaryParts(item.summary);
        const reasoningContent = reasoningTextParts(item.content);
        if (!state.streamed) {
          const text = reasoningText(summary, reasoningContent);
          if (text !== '') parts.push({ type: 'reasoning-delta', id: itemId, delta: text });
        }
        this.reasoning.delete(itemId);
        parts.push({
          type: 'reasoning-end',
          id: itemId,
          providerOptions: responsesProviderOptions({
            itemId,
            encryptedContent: typeof item.encrypted_content === 'string' ? item.encrypted_content : undefined,
            summary,
            reasoningContent,
          }),
        });
        return;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const call = this.calls.get(itemId) ?? this.openCall(item, parts);
        const full = item.type === 'custom_tool_call' ? item.input : item.arguments;
        if (!call.streamed && typeof full === 'string' && full !== '') {
          parts.push({ type: 'tool-input-delta', id: call.callId, delta: full });
        }
        this.calls.delete(itemId);
        parts.push({ type: 'tool-input-end', id: call.callId });
        return;
      }
      default: {
        // An item with no canonical form (web_search_call…): carried verbatim on an empty text part.
        const id = itemId || `item-${outputIndex}`;
        parts.push({ type: 'text-start', id, providerOptions: responsesProviderOptions({ item }) }, { type: 'text-end', id });
      }
    }
  }

  /** Closes the message's open text parts; a message that came only whole is replayed here. */
  private messageDone(item: JsonObject, itemId: string, parts: StreamPart[]): void {
    this.phases.delete(itemId);
    if (!this.streamedMessages.has(itemId)) {
      const content: ResponseContent[] = [];
      decodeOutputItem(item, content);
      content.forEach((part, index) => {
        if (part.type !== 'text') return;
        const id = textKey(itemId, index);
        parts.push({ type: 'text-start', id, providerOptions: part.providerOptions });
        if (part.text !== '') parts.push({ type: 'text-delta', id, delta: part.text });
        parts.push({ type: 'text-end', id });
      });
      return;
    }
    this.streamedMessages.delete(itemId);
    const prefix = `${itemId}:`;
    for (const key of this.texts.keys()) {
      if (!key.startsWith(prefix)) continue;
      this.texts.delete(key);
      parts.push({ type: 'text-end', id: key });
    }
  }

  private openText(itemId: string, contentIndex: number, refusal: boolean, parts: StreamPart[]): TextState {
    const key = textKey(itemId, contentIndex);
    let state = this.texts.get(key);
    if (state) return state;
    state = { streamed: false };
    this.texts.set(key, state);
    this.streamedMessages.add(itemId);
    const options = responsesProviderOptions({
      itemId,
      phase: this.phases.get(itemId),
      contentType: refusal ? 'refusal' : undefined,
    });
    parts.push({ type: 'text-start', id: key, providerOptions: options });
    return state;
  }

  private textDelta(itemId: string, contentIndex: number, delta: string, refusal: boolean, parts: StreamPart[]): void {
    if (delta === '') return;
    const state = this.openText(itemId, contentIndex, refusal, parts);
    state.streamed = true;
    parts.push({ type: 'text-delta', id: textKey(itemId, contentIndex), delta });
  }

  private reasoningState(itemId: string, parts: StreamPart[]): ReasoningState {
    let state = this.reasoning.get(itemId);
    if (!state) {
      state = { streamed: false };
      this.reasoning.set(itemId, state);
      parts.push({ type: 'reasoning-start', id: itemId, providerOptions: responsesProviderOptions({ itemId }) });
    }
    return state;
  }

  private openCall(item: JsonObject, parts: StreamPart[]): CallState {
    const itemId = stringOr(item.id);
    const custom = item.type === 'custom_tool_call';
    // Some compatible servers leave call_id out; the item id is then the only handle there is.
    const call: CallState = { callId: stringOr(item.call_id) || itemId, streamed: false };
    this.calls.set(itemId, call);
    this.hasToolCalls = true;
    const start: Extract<StreamPart, { type: 'tool-input-start' }> = { type: 'tool-input-start', id: call.callId, name: stringOr(item.name) };
    parts.push(
      withResponsesOptions(start, {
        itemId: itemId || undefined,
        namespace: typeof item.namespace === 'string' ? item.namespace : undefined,
        itemType: custom ? 'custom_tool_call' : undefined,
      }),
    );
    return call;
  }

  private finish(data: JsonObject, parts: StreamPart[]): void {
    this.finished = true;
    const response = isObject(data.response) ? data.response : {};
    const incomplete = isObject(response.incomplete_details) ? response.incomplete_details : undefined;
    const status = typeof response.status === 'string' ? response.status : data.type === 'response.incomplete' ? 'incomplete' : 'completed';
    const { finishReason, rawFinishReason } = mapResponsesFinishReason(
      status,
      typeof incomplete?.reason === 'string' ? incomplete.reason : undefined,
      this.hasToolCalls,
    );
    parts.push({ type: 'finish', finishReason, rawFinishReason, usage: decodeResponsesUsage(response.usage) });
  }

  private fail(error: ProxyError): StreamPart[] {
    this.finished = true;
    return [{ type: 'error', error }];
  }
}

function textKey(itemId: string, contentIndex: number): string {
  return `${itemId}:${contentIndex}`;
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function numberOr(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

