import { randomBytes } from 'node:crypto';
import { ProxyError } from '../../core/errors';
import type { StreamPart } from '../../core/stream-part';
import type { SseEvent } from '../../sse/sse-parser';
import type { StreamDecoder } from '../adapter';
import { decodeGeminiErrorObject } from './decode-error';
import { decodeGeminiUsage } from './decode-usage';
import { mapGeminiFinishReason } from './map-finish-reason';
import type { GeminiPart, GeminiUsageMetadata } from '../../wire/gemini/types';
import { checkGeminiResponse } from '../../wire/gemini/guards';
import { malformedWireError } from '../../wire/checks';
import { isObject } from '../../core/json';

export interface GeminiDecoderOptions {
  /**
   * Makes an id for the n-th function call Gemini sent without one (most `generateContent`
   * answers carry none). Defaults to `call_<random>_<n>`: unique across turns, because clients
   * such as Anthropic's reject a conversation that reuses a tool call id.
   */
  generateToolCallId?: (index: number) => string;
  /** Prefix for errors reported inside the stream; defaults to `gemini`. */
  provider?: string;
}

/** A text or thought block being streamed, and the signature seen on its parts so far. */
interface OpenBlock {
  type: 'text' | 'reasoning';
  id: string;
  signature?: string;
}

type Phase = 'waiting' | 'streaming' | 'failed';

/**
 * Turns Gemini answers into stream parts. Gemini streams whole `GenerateContentResponse`
 * objects, each carrying the next parts of the first candidate: consecutive text parts
 * form one text block, consecutive `thought: true` parts one reasoning block, and a function
 * call always arrives whole, so it opens and closes at once. `usageMetadata` is cumulative and
 * `finishReason` comes on the last event, so the finish is only emitted once the body ends.
 *
 * A `thoughtSignature` belongs to the part it arrived on and must go back on it; it is kept in
 * `providerOptions.gemini.thoughtSignature` of the block's `-end` part (or of the
 * `tool-input-start` of a call). A second signature inside one block starts a new block, so
 * that no block carries two.
 *
 * Each answer is checked before it is read: a malformed one ends the answer with an `error`
 * part naming the provider, never an exception.
 *
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export class GeminiResponseDecoder {
  private phase: Phase = 'waiting';
  private open: OpenBlock | undefined;
  private blockCount = 0;
  private toolCallCount = 0;
  private finishReason: string | undefined;
  private blockReason: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
  private readonly generateToolCallId: (index: number) => string;
  private readonly provider: string;

  constructor(options: GeminiDecoderOptions = {}) {
    this.generateToolCallId = options.generateToolCallId ?? randomToolCallIds();
    this.provider = options.provider ?? 'gemini';
  }

  /** Decodes one answer (a whole body, or one stream event already parsed). */
  decodeChunk(chunk: unknown): StreamPart[] {
    if (this.phase === 'failed') return [];
    const parts: StreamPart[] = [];
    if (isObject(chunk) && chunk.error !== undefined) return this.fail(parts, decodeGeminiErrorObject(chunk.error, this.provider));
    const checked = checkGeminiResponse(chunk);
    if (!checked.ok) return this.fail(parts, malformedWireError(this.provider, checked));
    const response = checked.value;
    if (this.phase === 'waiting') {
      this.phase = 'streaming';
      parts.push({ type: 'stream-start', id: response.responseId, model: response.modelVersion });
    }
    if (response.usageMetadata !== undefined) this.usage = response.usageMetadata;
    const blockReason = response.promptFeedback?.blockReason;
    if (blockReason !== undefined) this.blockReason = blockReason;
    // Only the first candidate is read: with candidateCount > 1 the others are alternative
    // answers, and splicing them together would make a different one.
    const candidate = response.candidates?.[0];
    if (candidate === undefined) return parts;
    const contentParts = candidate.content?.parts;
    if (contentParts !== undefined) {
      for (const part of contentParts) this.decodePart(part, parts);
    }
    if (candidate.finishReason !== undefined) this.finishReason = candidate.finishReason;
    return parts;
  }

  /**
   * Closes the answer. When `finishRequired`, an answer without a finish reason was cut short
   * (Gemini's stream has no terminal event, so a missing `finishReason` is the only sign).
   */
  end(finishRequired: boolean): StreamPart[] {
    if (this.phase === 'failed') return [];
    const parts: StreamPart[] = [];
    this.closeOpenBlock(parts);
    const usage = decodeGeminiUsage(this.usage);
    if (this.blockReason !== undefined && this.finishReason === undefined) {
      // The prompt itself was refused: no candidate at all, only the feedback.
      parts.push({ type: 'finish', finishReason: 'content-filter', usage, rawFinishReason: this.blockReason });
    } else if (this.finishReason !== undefined) {
      const finishReason = mapGeminiFinishReason(this.finishReason, this.toolCallCount > 0);
      parts.push({ type: 'finish', finishReason, usage, rawFinishReason: this.finishReason });
    } else if (!finishRequired && this.phase === 'streaming') {
      parts.push({ type: 'finish', finishReason: 'other', usage });
    } else {
      const message =
        this.phase === 'waiting'
          ? `${this.provider}: the stream ended before any answer arrived.`
          : `${this.provider}: the stream ended before the answer was complete (no finishReason); the connection was probably cut.`;
      return this.fail(parts, new ProxyError('api_error', message, { provider: this.provider }));
    }
    return parts;
  }

  private decodePart(part: GeminiPart, parts: StreamPart[]): void {
    const call = part.functionCall;
    if (call !== undefined) {
      this.closeOpenBlock(parts);
      const id = call.id ?? this.generateToolCallId(this.toolCallCount);
      this.toolCallCount++;
      const start: StreamPart = { type: 'tool-input-start', id, name: call.name ?? '' };
      if (part.thoughtSignature !== undefined || call.id !== undefined) {
        const gemini: Record<string, unknown> = {};
        if (part.thoughtSignature !== undefined) gemini.thoughtSignature = part.thoughtSignature;
        // Remembered so that the id goes back to Gemini only when Gemini made it.
        if (call.id !== undefined) gemini.functionCallId = call.id;
        start.providerOptions = { gemini };
      }
      parts.push(
        start,
        { type: 'tool-input-delta', id, delta: JSON.stringify(call.args ?? {}) },
        { type: 'tool-input-end', id },
      );
      return;
    }
    if (typeof part.text !== 'string') return; // inline images, code execution: no canonical home
    const type = part.thought === true ? 'reasoning' : 'text';
    const signature = part.thoughtSignature;
    // An empty part carries nothing unless it carries a signature (Gemini ends some answers
    // with `{"text": ""}`); opening a block for it would hand clients an empty message.
    if (part.text === '' && signature === undefined) return;
    let open = this.open;
    if (open === undefined || open.type !== type || (signature !== undefined && open.signature !== undefined)) {
      this.closeOpenBlock(parts);
      open = { type, id: String(this.blockCount++) };
      this.open = open;
      parts.push({ type: type === 'text' ? 'text-start' : 'reasoning-start', id: open.id });
    }
    if (part.text !== '') {
      parts.push({ type: type === 'text' ? 'text-delta' : 'reasoning-delta', id: open.id, delta: part.text });
    }
    if (signature !== undefined) open.signature = signature;
  }

  private closeOpenBlock(parts: StreamPart[]): void {
    const open = this.open;
    if (open === undefined) return;
    this.open = undefined;
    const end: Extract<StreamPart, { type: 'text-end' | 'reasoning-end' }> =
      open.type === 'text' ? { type: 'text-end', id: open.id } : { type: 'reasoning-end', id: open.id };
    if (open.signature !== undefined) end.providerOptions = { gemini: { thoughtSignature: open.signature } };
    parts.push(end);
  }

  /** Ends the answer with an error part (appended to `parts`). */
  fail(parts: StreamPart[], error: ProxyError): StreamPart[] {
    this.phase = 'failed';
    this.open = undefined;
    parts.push({ type: 'error', error });
    return parts;
  }
}

/**
 * Creates the decoder for `streamGenerateContent?alt=sse`: every `data:` is one
 * `GenerateContentResponse`.
 */
export function createGeminiStreamDecoder(options: GeminiDecoderOptions = {}): StreamDecoder {
  const decoder = new GeminiResponseDecoder(options);
  return {
    decode(event: SseEvent): StreamPart[] {
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        return decoder.fail([], malformedWireError(options.provider ?? 'gemini', { what: 'GenerateContentResponse', problem: 'not JSON' }));
      }
      return decoder.decodeChunk(chunk);
    },
    end: () => decoder.end(true),
  };
}

function randomToolCallIds(): (index: number) => string {
  let prefix: string | undefined;
  return (index) => {
    prefix ??= randomBytes(6).toString('hex');
    return `call_${prefix}_${index}`;
  };
}

