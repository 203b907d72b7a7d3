import { ProxyError } from '../../core/errors';
import type { StreamPart } from '../../core/stream-part';
import type { Usage } from '../../core/usage';
import type { SseEvent } from '../../sse/sse-parser';
import type { StreamDecoder } from '../adapter';
import { decodeAnthropicUsage } from './decode-usage';
import { errorFromAnthropicError } from './decode-error';
import { mapAnthropicStopReason } from './map-stop-reason';
import type { AnthropicUsage } from '../../wire/anthropic-messages/types';
import { checkAnthropicStreamEvent } from '../../wire/anthropic-messages/guards';
import { malformedWireError } from '../../wire/checks';
import { isObject, type JsonObject } from '../../core/json';

/** What the decoder remembers about one open content block. */
type BlockState =
  | { kind: 'text'; id: string; citations: unknown[] | undefined }
  | { kind: 'reasoning'; id: string; signature: string | undefined }
  | { kind: 'tool'; id: string }
  /** A block with no canonical form: kept whole, its streamed input assembled here. */
  | { kind: 'kept'; id: string; block: JsonObject; input: string };

/**
 * Decodes Anthropic's streamed events into stream parts. Text and thinking blocks take
 * their `index` as part id; tool inputs take the tool_use id.
 *
 * Server tool calls and results (`server_tool_use`, `web_search_tool_result`, compaction…)
 * are not client tool calls: announcing them as `tool-input-*` would make clients run
 * tools they never defined. They become an empty text block carrying the whole block in
 * `providerOptions.anthropic.block`, emitted at `content_block_stop`, which the Anthropic
 * encoders send back verbatim and other encoders show as nothing.
 *
 * Each event is checked before it is read: a malformed one ends the stream with an `error`
 * part naming the provider and the event, never an exception.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  private readonly blocks: Array<BlockState | undefined> = [];
  private usage: AnthropicUsage = {};
  private stopReason: string | null | undefined;
  private stopSequence: string | null | undefined;
  private done = false;

  /** `provider` is the id errors name: Anthropic's API is also served by gateways under other ids. */
  constructor(private readonly provider = 'anthropic') {}

  decode(event: SseEvent): StreamPart[] {
    if (this.done) return [];
    // Pings are keep-alives; their data carries nothing.
    if (event.event === 'ping') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return this.fail(malformedWireError(this.provider, { what: `${event.event ?? 'stream'} event`, problem: 'not JSON' }));
    }
    const checked = checkAnthropicStreamEvent(parsed, event.event);
    if (!checked.ok) return this.fail(malformedWireError(this.provider, checked));
    const data = checked.value;
    if (data === undefined) return [];
    switch (data.type) {
      case 'message_start': {
        const message = data.message;
        if (message.usage) this.usage = { ...message.usage };
        return [{ type: 'stream-start', id: message.id, model: message.model }];
      }
      case 'content_block_start':
        return this.start(data.index, data.content_block as JsonObject);
      case 'content_block_delta':
        return this.delta(data.index, data.delta as JsonObject);
      case 'content_block_stop':
        return this.stop(data.index);
      case 'message_delta': {
        if (data.delta.stop_reason !== undefined) this.stopReason = data.delta.stop_reason;
        if (data.delta.stop_sequence !== undefined) this.stopSequence = data.delta.stop_sequence;
        if (data.usage) this.mergeUsage(data.usage);
        return [];
      }
      case 'message_stop':
        return this.finish();
      case 'error':
        return this.fail(errorFromAnthropicError(data.error, this.provider));
      default:
        return [];
    }
  }

  end(): StreamPart[] {
    if (this.done) return [];
    return this.fail(
      new ProxyError('api_error', `${this.provider}: the stream ended before message_stop, so the answer is incomplete. Retry the request.`, {
        status: 502,
        provider: this.provider,
      }),
    );
  }

  private start(index: number, block: JsonObject): StreamPart[] {
    const id = String(index);
    switch (block.type) {
      case 'text': {
        this.blocks[index] = { kind: 'text', id, citations: undefined };
        const parts: StreamPart[] = [{ type: 'text-start', id }];
        if (typeof block.text === 'string' && block.text !== '') parts.push({ type: 'text-delta', id, delta: block.text });
        return parts;
      }
      case 'thinking': {
        const signature = typeof block.signature === 'string' && block.signature !== '' ? block.signature : undefined;
        this.blocks[index] = { kind: 'reasoning', id, signature };
        const parts: StreamPart[] = [{ type: 'reasoning-start', id }];
        if (typeof block.thinking === 'string' && block.thinking !== '') parts.push({ type: 'reasoning-delta', id, delta: block.thinking });
        return parts;
      }
      case 'redacted_thinking':
        this.blocks[index] = { kind: 'reasoning', id, signature: undefined };
        return [{ type: 'reasoning-start', id, redactedData: typeof block.data === 'string' ? block.data : '' }];
      case 'tool_use': {
        const toolId = typeof block.id === 'string' ? block.id : id;
        this.blocks[index] = { kind: 'tool', id: toolId };
        const parts: StreamPart[] = [{ type: 'tool-input-start', id: toolId, name: typeof block.name === 'string' ? block.name : '' }];
        // The API starts with `input: {}` and streams the JSON; compatible servers may send it whole here.
        if (isObject(block.input) && hasKeys(block.input)) parts.push({ type: 'tool-input-delta', id: toolId, delta: JSON.stringify(block.input) });
        return parts;
      }
      default:
        this.blocks[index] = { kind: 'kept', id, block: { ...block }, input: '' };
        return [];
    }
  }

  private delta(index: number, delta: JsonObject): StreamPart[] {
    const block = this.blocks[index];
    if (!block) return [];
    switch (delta.type) {
      case 'text_delta':
        return block.kind === 'text' && typeof delta.text === 'string' ? [{ type: 'text-delta', id: block.id, delta: delta.text }] : [];
      case 'thinking_delta':
        return block.kind === 'reasoning' && typeof delta.thinking === 'string' ? [{ type: 'reasoning-delta', id: block.id, delta: delta.thinking }] : [];
      case 'signature_delta':
        // Held back: the signature belongs on reasoning-end.
        if (block.kind === 'reasoning' && typeof delta.signature === 'string') block.signature = delta.signature;
        return [];
      case 'input_json_delta':
        if (typeof delta.partial_json !== 'string') return [];
        if (block.kind === 'tool') return delta.partial_json === '' ? [] : [{ type: 'tool-input-delta', id: block.id, delta: delta.partial_json }];
        if (block.kind === 'kept') block.input += delta.partial_json;
        return [];
      case 'citations_delta':
        if (block.kind === 'text') (block.citations ??= []).push(delta.citation);
        return [];
      default:
        // Deltas of kept blocks (compaction_delta…) carry the block's fields.
        if (block.kind === 'kept') {
          for (const key in delta) if (key !== 'type') block.block[key] = delta[key];
        }
        return [];
    }
  }

  private stop(index: number): StreamPart[] {
    const block = this.blocks[index];
    if (!block) return [];
    this.blocks[index] = undefined;
    switch (block.kind) {
      case 'text':
        return [block.citations ? { type: 'text-end', id: block.id, providerOptions: { anthropic: { citations: block.citations } } } : { type: 'text-end', id: block.id }];
      case 'reasoning':
        return [block.signature !== undefined ? { type: 'reasoning-end', id: block.id, signature: block.signature } : { type: 'reasoning-end', id: block.id }];
      case 'tool':
        return [{ type: 'tool-input-end', id: block.id }];
      case 'kept': {
        if (block.input !== '') {
          try {
            block.block.input = JSON.parse(block.input);
          } catch {
            block.block.input = {};
          }
        }
        const providerOptions = { anthropic: { block: block.block } };
        return [
          { type: 'text-start', id: block.id, providerOptions },
          { type: 'text-end', id: block.id },
        ];
      }
    }
  }

  private mergeUsage(usage: AnthropicUsage): void {
    // message_delta counts are cumulative totals; absent or null ones leave the earlier value.
    const current = this.usage;
    if (usage.output_tokens != null) current.output_tokens = usage.output_tokens;
    if (usage.input_tokens != null) current.input_tokens = usage.input_tokens;
    if (usage.cache_creation_input_tokens != null) current.cache_creation_input_tokens = usage.cache_creation_input_tokens;
    if (usage.cache_read_input_tokens != null) current.cache_read_input_tokens = usage.cache_read_input_tokens;
    if (usage.output_tokens_details != null) current.output_tokens_details = usage.output_tokens_details;
  }

  private finish(): StreamPart[] {
    this.done = true;
    const usage: Usage = decodeAnthropicUsage(this.usage);
    const part: StreamPart = { type: 'finish', finishReason: mapAnthropicStopReason(this.stopReason), usage };
    if (typeof this.stopReason === 'string') part.rawFinishReason = this.stopReason;
    if (typeof this.stopSequence === 'string') part.stopSequence = this.stopSequence;
    return [part];
  }

  private fail(error: ProxyError): StreamPart[] {
    this.done = true;
    return [{ type: 'error', error }];
  }
}

function hasKeys(object: JsonObject): boolean {
  for (const _ in object) return true;
  return false;
}
