import type { StreamPart } from '../../core/stream-part';
import { anthropicToolUseId } from '../../providers/anthropic-messages/tool-use-id';
import type { ResponseContext, StreamEncoder } from '../codec';
import { anthropicErrorType } from './encode-error';
import { anthropicMessageId, encodeAnthropicUsage } from './encode-response';
import { encodeAnthropicStopReason } from './map-finish-reason';
import { isObject, type JsonObject } from '../../core/json';

type BlockKind = 'text' | 'thinking' | 'redacted' | 'tool' | 'kept';

/** One content block of the answer, as the client will see it. */
interface WireBlock {
  kind: BlockKind;
  /** Its `index` on the wire; -1 until it is written. */
  index: number;
  /** The `content_block` of its content_block_start, as JSON. */
  start: string;
  /** Deltas (as JSON) that arrived while another block held the wire. */
  pending: string[];
  /** Its end arrived (or, for a kept block, it is complete from the start). */
  ended: boolean;
  /** Citations that came with text-start, sent before the block stops. */
  citations?: unknown[];
}

const startPrefix = 'event: content_block_start\ndata: {"type":"content_block_start","index":';
const deltaPrefix = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":';
const stopPrefix = 'event: content_block_stop\ndata: {"type":"content_block_stop","index":';
const messageStop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
/** message_start's event around its id and model, as JSON.stringify wrote the whole message (usage all zeros: see the class). */
const messageStartOpen = 'event: message_start\ndata: {"type":"message_start","message":{"id":';
const messageStartModel = ',"type":"message","role":"assistant","model":';
const messageStartClose = ',"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}\n\n';

/**
 * Writes stream parts as the Messages API's SSE events: message_start, then per block
 * content_block_start / content_block_delta… / content_block_stop with increasing
 * `index`, then message_delta (stop reason and usage) and message_stop.
 *
 * Anthropic blocks never overlap on the wire and clients (the SDK's `text` events,
 * Claude Code) assume so, but canonical parts from other providers may interleave (an
 * OpenAI stream can grow two tool calls at once). A block that starts while another is
 * open waits, its deltas held, until the open one ends.
 *
 * Input usage is only known at the end when the upstream is not Anthropic, so
 * message_start reports zeros and message_delta carries every final count; the SDK
 * overwrites its counts with non-null message_delta values.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class AnthropicStreamEncoder implements StreamEncoder {
  private readonly blocks = new Map<string, WireBlock>();
  private readonly waiting: WireBlock[] = [];
  private current: WireBlock | undefined;
  private nextIndex = 0;
  private started = false;
  private closed = false;

  constructor(private readonly context: ResponseContext) {}

  encode(part: StreamPart): string {
    if (this.closed) return '';
    switch (part.type) {
      case 'stream-start':
        return this.messageStart(part.id);
      case 'text-start': {
        const anthropic = part.providerOptions?.anthropic;
        if (anthropic && isObject(anthropic.block)) return this.messageStart() + this.openKept(part.id, anthropic.block);
        const citations = Array.isArray(anthropic?.citations) ? anthropic.citations : undefined;
        return this.messageStart() + this.open(part.id, 'text', '{"type":"text","text":""}', citations);
      }
      case 'text-delta':
        return this.delta(part.id, 'text', `{"type":"text_delta","text":${JSON.stringify(part.delta)}}`);
      case 'text-end': {
        const citations = part.providerOptions?.anthropic?.citations;
        return this.close(part.id, Array.isArray(citations) ? citations : undefined);
      }
      case 'reasoning-start':
        return (
          this.messageStart() +
          (part.redactedData !== undefined
            ? this.open(part.id, 'redacted', `{"type":"redacted_thinking","data":${JSON.stringify(part.redactedData)}}`)
            : this.open(part.id, 'thinking', '{"type":"thinking","thinking":"","signature":""}'))
        );
      case 'reasoning-delta':
        return this.delta(part.id, 'thinking', `{"type":"thinking_delta","thinking":${JSON.stringify(part.delta)}}`);
      case 'reasoning-end':
        return this.close(part.id, undefined, part.signature);
      case 'tool-input-start': {
        const id = JSON.stringify(anthropicToolUseId(part.id));
        return this.messageStart() + this.open(part.id, 'tool', `{"type":"tool_use","id":${id},"name":${JSON.stringify(part.name)},"input":{}}`);
      }
      case 'tool-input-delta':
        return this.delta(part.id, 'tool', `{"type":"input_json_delta","partial_json":${JSON.stringify(part.delta)}}`);
      case 'tool-input-end':
        return this.close(part.id);
      case 'finish': {
        this.closed = true;
        const stopReason = encodeAnthropicStopReason(part.finishReason, part.rawFinishReason, part.stopSequence);
        const messageDelta = {
          type: 'message_delta',
          delta: { stop_reason: stopReason, stop_sequence: part.stopSequence ?? null },
          usage: encodeAnthropicUsage(part.usage),
        };
        return `${this.messageStart()}${this.closeAll()}event: message_delta\ndata: ${JSON.stringify(messageDelta)}\n\n${messageStop}`;
      }
      case 'error': {
        // The SDK raises an `error` event as an APIError of that type; nothing may follow it.
        this.closed = true;
        const error = { type: 'error', error: { type: anthropicErrorType(part.error), message: part.error.message } };
        return `event: error\ndata: ${JSON.stringify(error)}\n\n`;
      }
    }
  }

  /**
   * message_start, once, before anything else. Written around its two variable strings, not
   * JSON.stringify of a message object: it is a translated stream's first byte, and with the
   * caches cold (as between one-at-a-time calls) the event took half as long, 8-14 µs → 4-7 µs
   * (docs/benchmark.md, "Thirteenth round").
   */
  private messageStart(providerId?: string): string {
    if (this.started) return '';
    this.started = true;
    const id = JSON.stringify(anthropicMessageId(providerId, this.context.requestId));
    return `${messageStartOpen}${id}${messageStartModel}${JSON.stringify(this.context.model)}${messageStartClose}`;
  }

  private open(id: string, kind: BlockKind, start: string, citations?: unknown[]): string {
    const block: WireBlock = { kind, index: -1, start, pending: [], ended: false };
    if (citations) block.citations = citations;
    this.blocks.set(id, block);
    return this.enqueue(block);
  }

  /**
   * A block kept whole from an Anthropic upstream (server tool call, search results…). It is
   * complete at once; a server tool call's input is streamed as the API does, from `{}`.
   */
  private openKept(id: string, kept: JsonObject): string {
    const block: WireBlock = { kind: 'kept', index: -1, start: '', pending: [], ended: true };
    const input = kept.input;
    if (isObject(input) && hasKeys(input)) {
      block.start = JSON.stringify({ ...kept, input: {} });
      block.pending.push(`{"type":"input_json_delta","partial_json":${JSON.stringify(JSON.stringify(input))}}`);
    } else {
      block.start = JSON.stringify(kept);
    }
    this.blocks.set(id, block);
    return this.enqueue(block);
  }

  private enqueue(block: WireBlock): string {
    if (this.current === undefined && this.waiting.length === 0) return this.write(block);
    this.waiting.push(block);
    return '';
  }

  private delta(id: string, kind: BlockKind, delta: string): string {
    const block = this.blocks.get(id);
    if (!block || block.kind !== kind || block.ended) return '';
    if (block === this.current) return deltaPrefix + block.index + ',"delta":' + delta + '}\n\n';
    block.pending.push(delta);
    return '';
  }

  private close(id: string, citations?: unknown[], signature?: string): string {
    const block = this.blocks.get(id);
    if (!block) return '';
    this.blocks.delete(id);
    if (block.ended) return '';
    const closing: string[] = [];
    const allCitations = citations ?? block.citations;
    if (block.kind === 'text' && allCitations) {
      for (const citation of allCitations) closing.push(`{"type":"citations_delta","citation":${JSON.stringify(citation)}}`);
    }
    // The signature arrives just before the block stops, as the API sends it.
    if (block.kind === 'thinking' && signature) closing.push(`{"type":"signature_delta","signature":${JSON.stringify(signature)}}`);
    if (block !== this.current) {
      for (const delta of closing) block.pending.push(delta);
      block.ended = true;
      return '';
    }
    let text = '';
    for (const delta of closing) text += deltaPrefix + block.index + ',"delta":' + delta + '}\n\n';
    text += stopPrefix + block.index + '}\n\n';
    this.current = undefined;
    return text + this.flushWaiting();
  }

  /** Writes a block's start and held deltas, and its stop when it has ended. */
  private write(block: WireBlock): string {
    block.index = this.nextIndex++;
    let text = startPrefix + block.index + ',"content_block":' + block.start + '}\n\n';
    for (const delta of block.pending) text += deltaPrefix + block.index + ',"delta":' + delta + '}\n\n';
    block.pending = [];
    if (block.ended) text += stopPrefix + block.index + '}\n\n';
    else this.current = block;
    return text;
  }

  private flushWaiting(): string {
    let text = '';
    while (this.current === undefined && this.waiting.length > 0) text += this.write(this.waiting.shift()!);
    return text;
  }

  /** Stops every block still open when the answer finishes. */
  private closeAll(): string {
    let text = '';
    if (this.current) {
      text += stopPrefix + this.current.index + '}\n\n';
      this.current = undefined;
    }
    for (const block of this.waiting) block.ended = true;
    text += this.flushWaiting();
    this.blocks.clear();
    return text;
  }
}

function hasKeys(object: JsonObject): boolean {
  for (const _ in object) return true;
  return false;
}
