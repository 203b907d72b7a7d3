import type {
  Response as OpenAiResponse,
  ResponseCustomToolCall,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseReasoningItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import type { ProxyError } from '../../core/errors';
import type { ProviderOptions, ToolCallPart } from '../../core/request';
import type { StreamPart } from '../../core/stream-part';
import { readResponsesOptions, type ResponsesPartOptions } from '../../providers/openai-responses/responses-options';
import { formatSseEvent } from '../../sse/sse-parser';
import type { ResponseContext, StreamEncoder } from '../codec';
import { encodeResponsesFailure, responsesErrorType } from './encode-error';
import {
  callPrefix,
  completedCallItem,
  contentPart,
  ItemIds,
  messageItem,
  reasoningItem,
  ResponseShell,
  responseIdFor,
  type ResponsesResponseBody,
} from './encode-response';

interface TextBlock {
  kind: 'text';
  options: ResponsesPartOptions;
  /** Set once the first non-empty delta opened the message item. */
  item?: ResponseOutputMessage;
  outputIndex: number;
  text: string;
}

/** An item carried verbatim; it was sent whole when its block started. */
interface CarriedBlock {
  kind: 'carried';
}

interface ReasoningBlock {
  kind: 'reasoning';
  item: ResponseReasoningItem;
  outputIndex: number;
  text: string;
  summaryOpen: boolean;
  redactedData?: string;
  providerOptions?: ProviderOptions;
}

interface CallBlock {
  kind: 'call';
  part: Pick<ToolCallPart, 'id' | 'name' | 'providerOptions'>;
  itemId: string;
  item: ResponseFunctionToolCall | ResponseCustomToolCall;
  outputIndex: number;
  input: string;
}

type Block = TextBlock | CarriedBlock | ReasoningBlock | CallBlock;

/** The `error` stream event, plus the nested `error` object the openai SDK turns into an `APIError`. */
interface ErrorEvent {
  type: 'error';
  sequence_number: number;
  code: string;
  message: string;
  param: string | null;
  error: { type: string; code: string; message: string; param: string | null };
}

/**
 * Writes stream parts as Responses API server-sent events: `response.created` and
 * `response.in_progress`, then per output item `output_item.added`, its content events and
 * `output_item.done`, and last `response.completed` (or `response.incomplete`) carrying the
 * whole response with usage.
 *
 * A text block opens its message item at its first non-empty delta, so an empty block leaves
 * no item behind. `output_index` is the item's place in the final `output` array.
 *
 * An `error` part ends the stream with `response.failed` (what Codex reads: it compacts on
 * `context_length_exceeded` and backs off on `rate_limit_exceeded`) followed by an `error`
 * event whose nested `error` object makes the openai SDK throw an `APIError` with the message;
 * `response.failed` alone would reach SDK users as just another event.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ResponsesStreamEncoder implements StreamEncoder {
  private sequence = 0;
  private shell: ResponseShell | undefined;
  private finished = false;
  private readonly ids: ItemIds;
  private readonly output: ResponseOutputItem[] = [];
  private readonly blocks = new Map<string, Block>();

  constructor(private readonly context: ResponseContext) {
    this.ids = new ItemIds(context.requestId);
  }

  encode(part: StreamPart): string {
    if (this.finished) return '';
    const opening = this.shell ? '' : this.start(part.type === 'stream-start' ? part.id : undefined);
    switch (part.type) {
      case 'stream-start':
        return opening;
      case 'text-start':
        return opening + this.textStart(part.id, part.providerOptions);
      case 'text-delta': {
        const block = this.blocks.get(part.id);
        return block?.kind === 'text' ? opening + this.textDelta(block, part.delta) : opening;
      }
      case 'text-end': {
        const block = this.blocks.get(part.id);
        this.blocks.delete(part.id);
        return block ? opening + this.close(block, undefined) : opening;
      }
      case 'reasoning-start':
        return opening + this.reasoningStart(part.id, part.redactedData, part.providerOptions);
      case 'reasoning-delta': {
        const block = this.blocks.get(part.id);
        return block?.kind === 'reasoning' ? opening + this.reasoningDelta(block, part.delta) : opening;
      }
      case 'reasoning-end': {
        const block = this.blocks.get(part.id);
        this.blocks.delete(part.id);
        return block ? opening + this.close(block, part) : opening;
      }
      case 'tool-input-start':
        return opening + this.callStart(part);
      case 'tool-input-delta': {
        const block = this.blocks.get(part.id);
        return block?.kind === 'call' ? opening + this.callDelta(block, part.delta) : opening;
      }
      case 'tool-input-end': {
        const block = this.blocks.get(part.id);
        this.blocks.delete(part.id);
        return block ? opening + this.close(block, undefined) : opening;
      }
      case 'finish': {
        let text = opening + this.closeAll();
        this.finished = true;
        const response = this.requireShell().finished(part.finishReason, this.output, part.usage);
        text += this.responseEvent(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', response);
        return text;
      }
      case 'error':
        this.finished = true;
        return opening + this.fail(part.error);
    }
  }

  private start(providerId: string | undefined): string {
    this.shell = new ResponseShell(this.context, responseIdFor(providerId, this.context.requestId));
    const response = this.shell.inProgress(this.output);
    return this.responseEvent('response.created', response) + this.responseEvent('response.in_progress', response);
  }

  private textStart(id: string, providerOptions: ProviderOptions | undefined): string {
    const options = readResponsesOptions(providerOptions);
    if (!options.item) {
      this.blocks.set(id, { kind: 'text', options, outputIndex: -1, text: '' });
      return '';
    }
    // A carried item (web_search_call…) is complete when it arrives: added and done at once.
    this.blocks.set(id, { kind: 'carried' });
    const item = options.item as unknown as ResponseOutputItem;
    const outputIndex = this.output.push(item) - 1;
    return (
      this.emit({ type: 'response.output_item.added', sequence_number: this.sequence++, output_index: outputIndex, item }) +
      this.emit({ type: 'response.output_item.done', sequence_number: this.sequence++, output_index: outputIndex, item })
    );
  }

  private textDelta(block: TextBlock, delta: string): string {
    if (delta === '') return '';
    let text = '';
    let item = block.item;
    if (!item) {
      item = messageItem(this.ids.take('msg', block.options.itemId), block.options, 'in_progress');
      block.item = item;
      block.outputIndex = this.output.push(item) - 1;
      text +=
        this.emit({ type: 'response.output_item.added', sequence_number: this.sequence++, output_index: block.outputIndex, item }) +
        this.emit({
          type: 'response.content_part.added',
          sequence_number: this.sequence++,
          item_id: item.id,
          output_index: block.outputIndex,
          content_index: 0,
          part: contentPart(block.options, ''),
        });
    }
    block.text += delta;
    const common = { sequence_number: this.sequence++, item_id: item.id, output_index: block.outputIndex, content_index: 0, delta };
    text +=
      block.options.contentType === 'refusal'
        ? this.emit({ type: 'response.refusal.delta', ...common })
        : this.emit({ type: 'response.output_text.delta', ...common, logprobs: [] });
    return text;
  }

  private reasoningStart(id: string, redactedData: string | undefined, providerOptions: ProviderOptions | undefined): string {
    const options = readResponsesOptions(providerOptions);
    const item: ResponseReasoningItem = { id: this.ids.take('rs', options.itemId), type: 'reasoning', summary: [] };
    const outputIndex = this.output.push(item) - 1;
    this.blocks.set(id, { kind: 'reasoning', item, outputIndex, text: '', summaryOpen: false, redactedData, providerOptions });
    return this.emit({ type: 'response.output_item.added', sequence_number: this.sequence++, output_index: outputIndex, item });
  }

  private reasoningDelta(block: ReasoningBlock, delta: string): string {
    if (delta === '') return '';
    let text = '';
    const itemId = block.item.id;
    if (!block.summaryOpen) {
      block.summaryOpen = true;
      text += this.emit({
        type: 'response.reasoning_summary_part.added',
        sequence_number: this.sequence++,
        item_id: itemId,
        output_index: block.outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
    }
    block.text += delta;
    text += this.emit({
      type: 'response.reasoning_summary_text.delta',
      sequence_number: this.sequence++,
      item_id: itemId,
      output_index: block.outputIndex,
      summary_index: 0,
      delta,
    });
    return text;
  }

  private callStart(part: Extract<StreamPart, { type: 'tool-input-start' }>): string {
    const options = readResponsesOptions(part.providerOptions);
    const id = this.ids.take(callPrefix(options), options.itemId);
    let item: ResponseFunctionToolCall | ResponseCustomToolCall;
    if (options.itemType === 'custom_tool_call') {
      item = { id, type: 'custom_tool_call', call_id: part.id, name: part.name, input: '' };
    } else {
      item = { id, type: 'function_call', status: 'in_progress', arguments: '', call_id: part.id, name: part.name };
      if (options.namespace !== undefined) item.namespace = options.namespace;
    }
    const outputIndex = this.output.push(item) - 1;
    this.blocks.set(part.id, { kind: 'call', part, itemId: id, item, outputIndex, input: '' });
    return this.emit({ type: 'response.output_item.added', sequence_number: this.sequence++, output_index: outputIndex, item });
  }

  private callDelta(block: CallBlock, delta: string): string {
    if (delta === '') return '';
    block.input += delta;
    const common = { sequence_number: this.sequence++, item_id: block.itemId, output_index: block.outputIndex, delta };
    return block.item.type === 'custom_tool_call'
      ? this.emit({ type: 'response.custom_tool_call_input.delta', ...common })
      : this.emit({ type: 'response.function_call_arguments.delta', ...common });
  }

  /** The closing events of one block; `end` is the reasoning-end part when there is one. */
  private close(block: Block, end: Extract<StreamPart, { type: 'reasoning-end' }> | undefined): string {
    switch (block.kind) {
      case 'carried':
        return '';
      case 'text':
        return this.closeText(block);
      case 'reasoning':
        return this.closeReasoning(block, end);
      case 'call':
        return this.closeCall(block);
    }
  }

  private closeText(block: TextBlock): string {
    const item = block.item;
    // A block that never had text never opened an item.
    if (!item) return '';
    const part = contentPart(block.options, block.text);
    const common = { item_id: item.id, output_index: block.outputIndex, content_index: 0 };
    let text =
      part.type === 'refusal'
        ? this.emit({ type: 'response.refusal.done', sequence_number: this.sequence++, ...common, refusal: block.text })
        : this.emit({ type: 'response.output_text.done', sequence_number: this.sequence++, ...common, text: block.text, logprobs: [] });
    text += this.emit({ type: 'response.content_part.done', sequence_number: this.sequence++, ...common, part });
    item.content.push(part);
    item.status = 'completed';
    text += this.emit({ type: 'response.output_item.done', sequence_number: this.sequence++, output_index: block.outputIndex, item });
    return text;
  }

  private closeReasoning(block: ReasoningBlock, end: Extract<StreamPart, { type: 'reasoning-end' }> | undefined): string {
    let text = '';
    const itemId = block.item.id;
    if (block.summaryOpen) {
      const common = { item_id: itemId, output_index: block.outputIndex, summary_index: 0 };
      text +=
        this.emit({ type: 'response.reasoning_summary_text.done', sequence_number: this.sequence++, ...common, text: block.text }) +
        this.emit({
          type: 'response.reasoning_summary_part.done',
          sequence_number: this.sequence++,
          ...common,
          part: { type: 'summary_text', text: block.text },
        });
    }
    const providerOptions = mergeOptions(block.providerOptions, end?.providerOptions);
    const item = reasoningItem(itemId, block.text, { signature: end?.signature, providerOptions }, block.redactedData);
    this.output[block.outputIndex] = item;
    text += this.emit({ type: 'response.output_item.done', sequence_number: this.sequence++, output_index: block.outputIndex, item });
    return text;
  }

  private closeCall(block: CallBlock): string {
    const common = { item_id: block.itemId, output_index: block.outputIndex };
    const item = completedCallItem(block.itemId, block.part, block.input);
    let text =
      item.type === 'custom_tool_call'
        ? this.emit({ type: 'response.custom_tool_call_input.done', sequence_number: this.sequence++, ...common, input: block.input })
        : this.emit({
            type: 'response.function_call_arguments.done',
            sequence_number: this.sequence++,
            ...common,
            name: block.part.name,
            arguments: block.input,
          });
    this.output[block.outputIndex] = item;
    text += this.emit({ type: 'response.output_item.done', sequence_number: this.sequence++, output_index: block.outputIndex, item });
    return text;
  }

  /** Closes blocks a malformed stream left open, so the final response is whole. */
  private closeAll(): string {
    let text = '';
    for (const block of this.blocks.values()) text += this.close(block, undefined);
    this.blocks.clear();
    return text;
  }

  private fail(error: ProxyError): string {
    const failure = encodeResponsesFailure(error);
    const param = error.param ?? null;
    const text = this.responseEvent('response.failed', this.requireShell().failed(this.output, failure));
    const errorEvent: ErrorEvent = {
      type: 'error',
      sequence_number: this.sequence++,
      code: failure.code,
      message: failure.message,
      param,
      error: { type: responsesErrorType(error), code: failure.code, message: failure.message, param },
    };
    return text + formatSseEvent(JSON.stringify(errorEvent), 'error');
  }

  private responseEvent(
    type: 'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete' | 'response.failed',
    response: ResponsesResponseBody,
  ): string {
    // The SDK's Response type includes `output_text`, which only its client code computes.
    return this.emit({ type, sequence_number: this.sequence++, response: response as unknown as OpenAiResponse });
  }

  private emit(event: ResponseStreamEvent): string {
    return formatSseEvent(JSON.stringify(event), event.type);
  }

  private requireShell(): ResponseShell {
    if (!this.shell) throw new Error('the Responses stream encoder wrote an event before response.created');
    return this.shell;
  }
}

function mergeOptions(start: ProviderOptions | undefined, end: ProviderOptions | undefined): ProviderOptions | undefined {
  if (!start) return end;
  if (!end) return start;
  return { ...start, ...end, openai: { ...start.openai, ...end.openai } };
}
