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
 * The stored bytes made ready to replay to a client of the same format and stream mode: the
 * provider's exactly (for an OpenAI Chat stream whose client did not ask for usage, without the
 * usage-only chunk Switchyard asked for, as a fetched answer goes out), with where the
 * provider's response id sits in them. Built once per entry and kept with it: a hit then costs
 * one copy and a few small writes ({@link replayBytes}), where decoding 100 KB of events to
 * text and replacing the id in it measured ~3.5 ms a hit.
 */
export interface WireReplay {
  bytes: Buffer;
  /** Byte offsets of the provider's response id in `bytes`. */
  idOffsets: number[];
  /** The provider's response id, and its length in bytes (a fresh id has as many: see {@link freshResponseId}). */
  providerId: string;
  idBytes: number;
}

export function wireReplay(wire: WireAnswer, providerId: string | undefined, hideUsageChunk: boolean): WireReplay {
  let bytes = wire.bytes;
  if (hideUsageChunk && wire.api === 'openai-chat' && wire.stream) {
    const tap = new UsageTap('openai-chat', true);
    const kept = tap.push(bytes);
    bytes = typeof kept === 'string' ? Buffer.from(kept) : kept;
  }
  const idOffsets: number[] = [];
  if (providerId === undefined) return { bytes, idOffsets, providerId: '', idBytes: 0 };
  const id = Buffer.from(providerId, 'utf8');
  for (let at = bytes.indexOf(id); at !== -1; at = bytes.indexOf(id, at + id.length)) idOffsets.push(at);
  return { bytes, idOffsets, providerId, idBytes: id.length };
}

/**
 * The bytes a hit sends: the replay's, with the provider's response id replaced by `id` (same
 * length in bytes) wherever it appeared; the stored bytes themselves when there is no new id.
 */
export function replayBytes(replay: WireReplay, id: string | undefined): Buffer {
  if (id === undefined || replay.idOffsets.length === 0) return replay.bytes;
  const fresh = Buffer.from(id, 'utf8');
  // A fresh id is as long as the old one in characters; in bytes too, unless the old one's
  // random part held multi-byte characters: then the text is rewritten the slow way.
  if (fresh.length !== replay.idBytes) return Buffer.from(replay.bytes.toString('utf8').split(replay.providerId).join(id));
  const bytes = takeSpare(replay.bytes.length) ?? Buffer.allocUnsafe(replay.bytes.length);
  replay.bytes.copy(bytes);
  for (const offset of replay.idOffsets) fresh.copy(bytes, offset);
  return bytes;
}

/** Replies at least this large are copied into buffers used again ({@link recycleReplayBytes}). */
const spareMinimumBytes = 16 * 1024;
/** The most bytes of spare reply buffers kept, all sizes together. */
const spareBytesLimit = 8 * 1024 * 1024;
/** Reply buffers a client has been sent whole, newest last, ready for the next hit of their size. */
const spares: Buffer[] = [];
let spareBytes = 0;

function takeSpare(length: number): Buffer | undefined {
  if (length < spareMinimumBytes) return undefined;
  for (let at = spares.length - 1; at >= 0; at--) {
    const spare = spares[at]!;
    if (spare.length !== length) continue;
    spares.splice(at, 1);
    spareBytes -= length;
    return spare;
  }
  return undefined;
}

/**
 * Takes back a reply buffer from {@link replayBytes} once the response holding it has finished
 * (its bytes handed to the socket), for the next hit of its size. A 100 KB streamed hit
 * allocated its reply afresh each time: memory outside the JavaScript heap, which V8 counts
 * towards its next collection and frees on its helper threads, and which the allocator hands
 * back to the system and takes again page by page (minor page faults on every hit). Reused, a
 * hit of a large answer allocates nothing of its size. The stored bytes themselves are never
 * passed here (they are not a copy).
 */
export function recycleReplayBytes(replay: WireReplay, bytes: Buffer): void {
  if (bytes === replay.bytes || bytes.length < spareMinimumBytes || bytes.byteOffset !== 0 || bytes.length > spareBytesLimit) return;
  spares.push(bytes);
  spareBytes += bytes.length;
  while (spareBytes > spareBytesLimit) spareBytes -= spares.shift()!.length;
}
