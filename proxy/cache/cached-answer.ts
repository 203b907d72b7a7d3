import type { ClientFormat } from '../core/request';
import type { StreamPart } from '../core/stream-part';
import type { Usage } from '../core/usage';
import type { CachedResponse, JsonValue } from '../store/response-cache';

/**
 * The provider's own answer, as the bytes it sent on a passthrough call (the client spoke the
 * provider's API): one JSON body, or the whole server-sent-event stream. Replayed as they are
 * to a client of the same format and stream mode, so every field the provider sent — logprobs,
 * annotations, service tier, fingerprints — comes back; decoded into parts for anyone else.
 */
export interface WireAnswer {
  /** The API the bytes are in: the provider's and the client's. */
  api: ClientFormat;
  /** Server-sent events, or one JSON body. */
  stream: boolean;
  bytes: Buffer;
  /**
   * The API version the client asked for (`anthropic-version`), which chose the bytes' format:
   * they are replayed only to a client asking for the same one.
   */
  apiVersion?: string;
}

/**
 * A stored answer: either the canonical stream parts as they arrived (text, reasoning with its
 * signature, tool calls with their arguments, the finish with usage), from a translated call,
 * or the provider's bytes from a passthrough call. Either replays in any client format,
 * streamed or whole. Never an error: only complete answers are stored.
 */
export interface CachedAnswer {
  /** Set for an answer fetched by translation; undefined when `wire` holds it. */
  parts?: StreamPart[];
  /** Set for an answer fetched by passthrough. */
  wire?: WireAnswer;
  /** Who answered it. */
  provider: string;
  model: string;
  usage: Usage;
  /** What fetching it cost, so a hit can say what it saved; null when the model has no price. */
  costUsd: number | null;
  /** Milliseconds since the epoch. */
  storedAt: number;
}

/** The entry as the cache port stores it: wire answers as their bytes, parts as JSON. */
export function encodeCachedAnswer(answer: CachedAnswer): CachedResponse {
  const usage = answer.usage as unknown as JsonValue;
  const wire = answer.wire;
  // Each metadata object in one literal (one shape, no properties added later): every miss makes one.
  if (wire === undefined) return { body: (answer.parts ?? []) as unknown as JsonValue, metadata: { provider: answer.provider, model: answer.model, usage, costUsd: answer.costUsd, storedAt: answer.storedAt } };
  const metadata: CachedResponse['metadata'] =
    wire.apiVersion === undefined
      ? { provider: answer.provider, model: answer.model, usage, costUsd: answer.costUsd, storedAt: answer.storedAt, wireApi: wire.api, wireStream: wire.stream }
      : { provider: answer.provider, model: answer.model, usage, costUsd: answer.costUsd, storedAt: answer.storedAt, wireApi: wire.api, wireStream: wire.stream, wireApiVersion: wire.apiVersion };
  return { body: wire.bytes, metadata };
}

const wireApis: ReadonlySet<string> = new Set<ClientFormat>(['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']);

/** The entry back; undefined for one this version cannot read (written by another schema). */
export function decodeCachedAnswer(entry: CachedResponse): CachedAnswer | undefined {
  const { body, metadata } = entry;
  if (typeof metadata.provider !== 'string' || typeof metadata.model !== 'string') return undefined;
  const usage = metadata.usage;
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) return undefined;
  const answer: CachedAnswer = {
    provider: metadata.provider,
    model: metadata.model,
    usage: usage as unknown as Usage,
    costUsd: typeof metadata.costUsd === 'number' ? metadata.costUsd : null,
    storedAt: typeof metadata.storedAt === 'number' ? metadata.storedAt : 0,
  };
  if (body instanceof Uint8Array) {
    if (typeof metadata.wireApi !== 'string' || !wireApis.has(metadata.wireApi) || typeof metadata.wireStream !== 'boolean') return undefined;
    answer.wire = { api: metadata.wireApi as ClientFormat, stream: metadata.wireStream, bytes: Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
    if (typeof metadata.wireApiVersion === 'string') answer.wire.apiVersion = metadata.wireApiVersion;
    return answer;
  }
  if (!Array.isArray(body)) return undefined;
  answer.parts = body as unknown as StreamPart[];
  return answer;
}
