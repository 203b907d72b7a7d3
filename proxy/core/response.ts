import type { ReasoningPart, TextPart, ToolCallPart } from './request';
import type { FinishReason, StreamPart } from './stream-part';
import { emptyUsage, type Usage } from './usage';

export type ResponseContent = TextPart | ReasoningPart | ToolCallPart;

/** A complete (non-streamed) response: the stream's parts collected. */
export interface CanonicalResponse {
  /** The provider's response id, when it gave one. */
  id?: string;
  /** The model the provider says answered. */
  model?: string;
  content: ResponseContent[];
  finishReason: FinishReason;
  rawFinishReason?: string;
  stopSequence?: string;
  usage: Usage;
}

/**
 * Folds stream parts into a response, so one reducer serves streaming and non-streaming
 * paths (a provider's non-streamed answer can also be replayed through it). An `error`
 * part is thrown: a collected response either completes or fails.
 */
export class ResponseCollector {
  private readonly response: CanonicalResponse = { content: [], finishReason: 'other', usage: emptyUsage() };
  private readonly open = new Map<string, ResponseContent>();

  add(part: StreamPart): void {
    const response = this.response;
    switch (part.type) {
      case 'stream-start':
        if (part.id !== undefined) response.id = part.id;
        if (part.model !== undefined) response.model = part.model;
        return;
      case 'text-start': {
        const text: TextPart = { type: 'text', text: '' };
        if (part.providerOptions) text.providerOptions = part.providerOptions;
        this.begin(part.id, text);
        return;
      }
      case 'text-delta':
        this.expect(part.id, 'text').text += part.delta;
        return;
      case 'reasoning-start': {
        const reasoning: ReasoningPart = { type: 'reasoning', text: '' };
        if (part.redactedData !== undefined) reasoning.redactedData = part.redactedData;
        if (part.providerOptions) reasoning.providerOptions = part.providerOptions;
        this.begin(part.id, reasoning);
        return;
      }
      case 'reasoning-delta':
        this.expect(part.id, 'reasoning').text += part.delta;
        return;
      case 'reasoning-end': {
        const reasoning = this.expect(part.id, 'reasoning');
        if (part.signature !== undefined) reasoning.signature = part.signature;
        if (part.providerOptions) reasoning.providerOptions = { ...reasoning.providerOptions, ...part.providerOptions };
        this.open.delete(part.id);
        return;
      }
      case 'tool-input-start': {
        const call: ToolCallPart = { type: 'tool-call', id: part.id, name: part.name, input: '' };
        if (part.providerOptions) call.providerOptions = part.providerOptions;
        this.begin(part.id, call);
        return;
      }
      case 'tool-input-delta':
        this.expect(part.id, 'tool-call').input += part.delta;
        return;
      case 'text-end': {
        const text = this.expect(part.id, 'text');
        if (part.providerOptions) text.providerOptions = { ...text.providerOptions, ...part.providerOptions };
        this.open.delete(part.id);
        return;
      }
      case 'tool-input-end':
        this.open.delete(part.id);
        return;
      case 'finish':
        response.finishReason = part.finishReason;
        response.usage = part.usage;
        if (part.rawFinishReason !== undefined) response.rawFinishReason = part.rawFinishReason;
        if (part.stopSequence !== undefined) response.stopSequence = part.stopSequence;
        return;
      case 'error':
        throw part.error;
    }
  }

  result(): CanonicalResponse {
    return this.response;
  }

  private begin(id: string, content: ResponseContent): void {
    this.open.set(id, content);
    this.response.content.push(content);
  }

  private expect<T extends ResponseContent['type']>(id: string, type: T): Extract<ResponseContent, { type: T }> {
    const content = this.open.get(id);
    if (!content || content.type !== type) {
      throw new Error(`stream part for ${type} block ${id} arrived outside its start and end`);
    }
    return content as Extract<ResponseContent, { type: T }>;
  }
}

/** Collects a whole list of parts; convenient for tests and non-streamed decoding. */
export function collectResponse(parts: Iterable<StreamPart>): CanonicalResponse {
  const collector = new ResponseCollector();
  for (const part of parts) collector.add(part);
  return collector.result();
}

/**
 * Replays a complete response as stream parts, so that a non-streamed upstream answer can
 * be served to a streaming client through the same stream encoder.
 */
export function* responseToParts(response: CanonicalResponse): Generator<StreamPart> {
  yield { type: 'stream-start', id: response.id, model: response.model };
  let index = 0;
  for (const content of response.content) {
    const id = String(index++);
    switch (content.type) {
      case 'text':
        yield { type: 'text-start', id, providerOptions: content.providerOptions };
        if (content.text) yield { type: 'text-delta', id, delta: content.text };
        yield { type: 'text-end', id };
        break;
      case 'reasoning':
        yield { type: 'reasoning-start', id, redactedData: content.redactedData, providerOptions: content.providerOptions };
        if (content.text) yield { type: 'reasoning-delta', id, delta: content.text };
        yield { type: 'reasoning-end', id, signature: content.signature, providerOptions: content.providerOptions };
        break;
      case 'tool-call':
        yield { type: 'tool-input-start', id: content.id, name: content.name, providerOptions: content.providerOptions };
        if (content.input) yield { type: 'tool-input-delta', id: content.id, delta: content.input };
        yield { type: 'tool-input-end', id: content.id };
        break;
    }
  }
  yield {
    type: 'finish',
    finishReason: response.finishReason,
    usage: response.usage,
    rawFinishReason: response.rawFinishReason,
    stopSequence: response.stopSequence,
  };
}
