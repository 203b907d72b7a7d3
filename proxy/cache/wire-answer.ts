import { randomBytes } from 'node:crypto';
import { responseToParts } from '../core/response';
import type { FinishReason, StreamPart } from '../core/stream-part';
import { providerAdapters } from '../codecs/registry';
import { UsageTap } from '../passthrough/usage-tap';
import { SseParser } from '../sse/sse-parser';
import type { WireAnswer } from './cached-answer';

/** Answers that are not stored even when they completed: they say the answer is not whole. */
export const unstoredFinishes: ReadonlySet<FinishReason> = new Set<FinishReason>(['content-filter', 'error', 'pause']);

/**
 * Whether parts make a whole answer that may be served again: a finish part whose reason says
 * the answer is complete, and no error anywhere.
 */
export function isWholeAnswer(parts: readonly StreamPart[]): boolean {
  let finish: FinishReason | undefined;
  for (const part of parts) {
    if (part.type === 'error') return false;
    if (part.type === 'finish') finish = part.finishReason;
  }
  return finish !== undefined && !unstoredFinishes.has(finish);
}

/**
 * The provider's bytes decoded into parts by its own decoder, as the passthrough path decodes
 * them for observers; undefined when they do not decode (then the entry is not served).
 */
export function wireParts(wire: WireAnswer, provider: string): StreamPart[] | undefined {
  const adapter = providerAdapters[wire.api];
  try {
    if (!wire.stream) return [...responseToParts(adapter.decodeResponse(JSON.parse(wire.bytes.toString('utf8')), provider))];
    const parser = new SseParser();
    const decoder = adapter.createStreamDecoder(provider);
    const parts: StreamPart[] = [];
    for (const event of [...parser.push(wire.bytes), ...parser.end()]) parts.push(...decoder.decode(event));
    parts.push(...decoder.end());
    return parts;
  } catch {
    return undefined;
  }
}

/** The provider's response id in decoded parts (the stream start's), if it gave one. */
export function wireResponseId(parts: readonly StreamPart[]): string | undefined {
  const start = parts.find((part) => part.type === 'stream-start');
  return start?.type === 'stream-start' && start.id !== undefined && start.id.length >= 8 ? start.id : undefined;
}

const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new id shaped like the provider's: the same prefix (`chatcmpl-`, `msg_`…, up to the last
 * `-` or `_` in its first 16 characters) and as many random letters and digits after it as the
 * original had, so the bytes keep their length.
 */
export function freshResponseId(original: string): string {
  const head = original.slice(0, 16);
  const prefixEnd = Math.max(head.lastIndexOf('-'), head.lastIndexOf('_')) + 1;
  const random = randomBytes(original.length - prefixEnd);
  let id = original.slice(0, prefixEnd);
  for (const byte of random) id += idAlphabet[byte % idAlphabet.length];
  return id;
}

/**
 * The stored bytes as a client of the same format and stream mode gets them: the provider's
 * exactly, with its response id replaced wherever it appears by `id`, and, for an OpenAI Chat
 * stream whose client did not ask for usage, without the usage-only chunk Switchyard asked for
 * (as a fetched answer goes out).
 */
export function replayedWireBytes(wire: WireAnswer, providerId: string | undefined, id: string | undefined, hideUsageChunk: boolean): Buffer {
  let bytes = wire.bytes;
  if (providerId !== undefined && id !== undefined) bytes = Buffer.from(bytes.toString('utf8').split(providerId).join(id));
  if (hideUsageChunk && wire.api === 'openai-chat' && wire.stream) {
    const tap = new UsageTap('openai-chat', true);
    const kept = tap.push(bytes);
    return typeof kept === 'string' ? Buffer.from(kept) : kept;
  }
  return bytes;
}
