import type { StreamPart } from '../../core/stream-part';
import type { GeminiPart } from '../../wire/gemini/types';
import type { ResponseContext, StreamEncoder } from '../codec';
import { encodeReasoningSignature, encodeRedactedThinking } from './carried-signature';
import { encodeGeminiErrorBody } from './encode-error';
import { encodeGeminiFinishReason } from './encode-finish-reason';
import { parseToolArguments } from '../../core/json';
import { encodeGeminiUsage } from './encode-usage';

/** A function call whose arguments are still arriving. */
interface PendingCall {
  name: string;
  input: string;
  signature?: string;
}

/**
 * Encodes stream parts as `streamGenerateContent?alt=sse` events: one
 * `GenerateContentResponse` per text or thought delta and per whole function call (Gemini
 * never streams call arguments), framed with CRLF as Google frames them. The last event
 * carries `finishReason` and `usageMetadata`.
 *
 * Every event has at least one part: the `@google/genai` Chat keeps a streamed turn in its
 * history only if every chunk had a non-empty `parts`, so a signature or the finish travels on
 * an empty text part, as Google sends it too. Anthropic thinking signatures ride the same way
 * (see carried-signature). An error becomes a `data: {"error":…}` event,
 * which the SDK throws as an ApiError with the code.
 *
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export class GeminiStreamEncoder implements StreamEncoder {
  /** The end of every event: `,"modelVersion":…,"responseId":…}`, built once. */
  private tail: string;
  private readonly calls = new Map<string, PendingCall>();

  constructor(private readonly context: ResponseContext) {
    this.tail = GeminiStreamEncoder.tailFor(context.model, context.requestId);
  }

  encode(part: StreamPart): string {
    switch (part.type) {
      case 'stream-start':
        if (part.id !== undefined) this.tail = GeminiStreamEncoder.tailFor(this.context.model, part.id);
        return '';
      case 'text-delta':
        return part.delta === '' ? '' : this.event([{ text: part.delta }]);
      case 'reasoning-delta':
        return part.delta === '' ? '' : this.event([{ text: part.delta, thought: true }]);
      case 'text-end': {
        const signature = part.providerOptions?.gemini?.thoughtSignature;
        return typeof signature === 'string' ? this.event([{ text: '', thoughtSignature: signature }]) : '';
      }
      case 'reasoning-start':
        // Redacted thinking has no text; its data rides on an empty thought part.
        return part.redactedData === undefined
          ? ''
          : this.event([{ text: '', thought: true, thoughtSignature: encodeRedactedThinking(part.redactedData) }]);
      case 'reasoning-end': {
        const signature = encodeReasoningSignature(part);
        return signature === undefined ? '' : this.event([{ text: '', thought: true, thoughtSignature: signature }]);
      }
      case 'tool-input-start': {
        const signature = part.providerOptions?.gemini?.thoughtSignature;
        const call: PendingCall = { name: part.name, input: '' };
        if (typeof signature === 'string') call.signature = signature;
        this.calls.set(part.id, call);
        return '';
      }
      case 'tool-input-delta': {
        const call = this.calls.get(part.id);
        if (call) call.input += part.delta;
        return '';
      }
      case 'tool-input-end': {
        const call = this.calls.get(part.id);
        if (!call) return '';
        this.calls.delete(part.id);
        const functionCall: GeminiPart = { functionCall: { id: part.id, name: call.name, args: parseToolArguments(call.input) } };
        if (call.signature !== undefined) functionCall.thoughtSignature = call.signature;
        return this.event([functionCall]);
      }
      case 'finish': {
        const finishReason = JSON.stringify(encodeGeminiFinishReason(part.finishReason, part.rawFinishReason));
        const usage = JSON.stringify(encodeGeminiUsage(part.usage));
        return `data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":${finishReason},"index":0}],"usageMetadata":${usage}${this.tail}\r\n\r\n`;
      }
      case 'error':
        return `data: ${JSON.stringify(encodeGeminiErrorBody(part.error))}\r\n\r\n`;
      case 'text-start':
        return '';
    }
  }

  private event(parts: GeminiPart[]): string {
    return `data: {"candidates":[{"content":{"parts":${JSON.stringify(parts)},"role":"model"},"index":0}]${this.tail}\r\n\r\n`;
  }

  private static tailFor(model: string, responseId: string): string {
    return `,"modelVersion":${JSON.stringify(model)},"responseId":${JSON.stringify(responseId)}}`;
  }
}
