import { ProxyError } from '../../core/errors';
import type { StreamPart } from '../../core/stream-part';
import { emptyUsage, type Usage } from '../../core/usage';
import type { SseEvent } from '../../sse/sse-parser';
import type { StreamDecoder } from '../adapter';
import { decodeChatErrorObject } from './decode-error';
import { decodeChatUsage } from './decode-response';
import type { ChatMessageFields, ChatReplyContentPart } from '../../wire/openai-chat/types';
import { checkChatChunk } from '../../wire/openai-chat/guards';
import { malformedWireError } from '../../wire/checks';
import { isObject } from '../../core/json';
import { mapChatFinishReason } from './map-finish-reason';
import { ChatChunkReader } from './read-chunk';
import { decodeContentParts } from './decode-content-parts';

/**
 * Decodes a Chat Completions SSE stream into stream parts.
 *
 * The finish reason arrives before the usage: OpenAI sends usage in a later chunk with
 * `choices: []`, Groq in `x_groq.usage`, others in the finishing chunk itself. So the
 * `finish` part is held until `data: [DONE]` (or the end of the body). A `[DONE]` without
 * any finish reason still counts as a clean end; a body that stops before both is reported
 * as an error, since the answer may be cut short.
 *
 * Each chunk is checked before it is read: a malformed one ends the stream with an `error`
 * part naming the provider, never an exception.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export class ChatStreamDecoder implements StreamDecoder {
  private phase: 'waiting' | 'streaming' | 'finishing' | 'ended' = 'waiting';
  private textId: string | undefined;
  private reasoningId: string | undefined;
  /** Open tool calls: the wire's index to the call id. */
  private readonly toolIds = new Map<number, string>();
  private blockCount = 0;
  private rawFinishReason: string | undefined;
  private usage: Usage | undefined;
  private readonly reader = new ChatChunkReader();

  /** `provider` is the id errors name: this decoder serves Groq, Mistral, OpenRouter… */
  constructor(private readonly provider = 'openai') {}

  decode(event: SseEvent): StreamPart[] {
    if (this.phase === 'ended') return [];
    if (event.data === '[DONE]') return this.finish();
    // The common chunk is read from its text; anything else (an error, several choices, text
    // that is not JSON, the stream's first chunk) is parsed whole.
    let parsed: unknown = this.reader.read(event.data);
    if (parsed === undefined) {
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return this.fail(malformedWireError(this.provider, { what: 'chat.completion.chunk', problem: 'not JSON' }));
      }
      if (isObject(parsed) && parsed.error !== undefined && parsed.error !== null) return this.fail(decodeChatErrorObject(parsed.error));
    }
    const checked = checkChatChunk(parsed);
    if (!checked.ok) return this.fail(malformedWireError(this.provider, checked));
    const chunk = checked.value;

    const parts: StreamPart[] = [];
    if (this.phase === 'waiting') {
      this.phase = 'streaming';
      parts.push({ type: 'stream-start', id: chunk.id ?? undefined, model: chunk.model ?? undefined });
    }
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage) this.usage = decodeChatUsage(usage);

    // With `n` > 1 in a client's extras, other choices interleave; the canonical answer is the first.
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((candidate) => !candidate.index) : undefined;
    if (choice && this.phase === 'streaming') {
      if (choice.delta) this.decodeDelta(choice.delta, parts);
      if (choice.finish_reason) {
        this.closeBlocks(parts);
        this.rawFinishReason = choice.finish_reason;
        this.phase = 'finishing';
      }
    }
    return parts;
  }

  end(): StreamPart[] {
    if (this.phase === 'ended') return [];
    if (this.phase === 'finishing') return this.finish();
    return this.fail(new ProxyError('api_error', 'the upstream stream ended before the response was complete'));
  }

  private decodeDelta(delta: ChatMessageFields, parts: StreamPart[]): void {
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') this.reasoningDelta(reasoning, parts);
    const content = delta.content;
    if (typeof content === 'string' && content !== '') {
      this.textDelta(content, parts);
    } else {
      // Mistral's reasoning models send a list of parts (thinking, then text) where others send a
      // string; a stream may switch between the two (text after the thinking comes as strings).
      if (Array.isArray(content)) this.contentPartsDelta(content, parts);
      const refusal = delta.refusal;
      if (typeof refusal === 'string' && refusal !== '') this.textDelta(refusal, parts);
    }
    const toolCalls = delta.tool_calls;
    if (!Array.isArray(toolCalls)) return;
    for (let position = 0; position < toolCalls.length; position++) {
      const call = toolCalls[position];
      if (!call) continue;
      const index = call.index ?? position;
      let id = this.toolIds.get(index);
      // A new id on a known index is a new call (some servers number every call 0).
      if (id === undefined || (call.id && call.id !== id)) {
        if (id !== undefined) parts.push({ type: 'tool-input-end', id });
        if (this.textId !== undefined) this.closeText(parts);
        if (this.reasoningId !== undefined) this.closeReasoning(parts);
        id = call.id || `call_${index}`;
        this.toolIds.set(index, id);
        parts.push({ type: 'tool-input-start', id, name: call.function?.name ?? call.custom?.name ?? '' });
      }
      const input = call.function?.arguments ?? call.custom?.input;
      if (input) parts.push({ type: 'tool-input-delta', id, delta: input });
    }
  }

  private contentPartsDelta(content: ChatReplyContentPart[], parts: StreamPart[]): void {
    for (const run of decodeContentParts(content)) {
      if (run.type === 'text') this.textDelta(run.text, parts);
      else this.reasoningDelta(run.text, parts);
    }
  }

  private reasoningDelta(delta: string, parts: StreamPart[]): void {
    if (this.textId !== undefined) this.closeText(parts);
    this.reasoningId ??= this.openBlock('reasoning-start', 'reasoning', parts);
    parts.push({ type: 'reasoning-delta', id: this.reasoningId, delta });
  }

  private textDelta(delta: string, parts: StreamPart[]): void {
    if (this.reasoningId !== undefined) this.closeReasoning(parts);
    this.textId ??= this.openBlock('text-start', 'text', parts);
    parts.push({ type: 'text-delta', id: this.textId, delta });
  }

  private openBlock(type: 'text-start' | 'reasoning-start', prefix: string, parts: StreamPart[]): string {
    const id = `${prefix}-${this.blockCount++}`;
    parts.push({ type, id });
    return id;
  }

  private closeText(parts: StreamPart[]): void {
    parts.push({ type: 'text-end', id: this.textId as string });
    this.textId = undefined;
  }

  private closeReasoning(parts: StreamPart[]): void {
    parts.push({ type: 'reasoning-end', id: this.reasoningId as string });
    this.reasoningId = undefined;
  }

  private closeBlocks(parts: StreamPart[]): void {
    if (this.reasoningId !== undefined) this.closeReasoning(parts);
    if (this.textId !== undefined) this.closeText(parts);
    for (const id of this.toolIds.values()) parts.push({ type: 'tool-input-end', id });
    this.toolIds.clear();
  }

  private finish(): StreamPart[] {
    const parts: StreamPart[] = [];
    if (this.phase === 'waiting') {
      return this.fail(new ProxyError('api_error', 'the upstream stream ended before the response was complete'));
    }
    this.closeBlocks(parts);
    this.phase = 'ended';
    const raw = this.rawFinishReason;
    parts.push(
      raw === undefined
        ? { type: 'finish', finishReason: 'other', usage: this.usage ?? emptyUsage() }
        : { type: 'finish', finishReason: mapChatFinishReason(raw), usage: this.usage ?? emptyUsage(), rawFinishReason: raw },
    );
    return parts;
  }

  private fail(error: ProxyError): StreamPart[] {
    this.phase = 'ended';
    return [{ type: 'error', error }];
  }
}
