import type { StreamPart } from '../core/stream-part';
import type { Usage } from '../core/usage';
import type { CachedResponse, JsonValue } from '../store/response-cache';

/**
 * A stored answer: the canonical stream parts as they arrived (text, reasoning with its
 * signature, tool calls with their arguments, the finish with usage), so one entry replays in
 * any client format, streamed or whole. Never an error part: only complete answers are stored.
 */
export interface CachedAnswer {
  parts: StreamPart[];
  /** Who answered it. */
  provider: string;
  model: string;
  usage: Usage;
  /** What fetching it cost, so a hit can say what it saved; null when the model has no price. */
  costUsd: number | null;
  /** Milliseconds since the epoch. */
  storedAt: number;
}

/** The entry as the cache port stores it. */
export function encodeCachedAnswer(answer: CachedAnswer): CachedResponse {
  return {
    body: answer.parts as unknown as JsonValue,
    metadata: {
      provider: answer.provider,
      model: answer.model,
      usage: answer.usage as unknown as JsonValue,
      costUsd: answer.costUsd,
      storedAt: answer.storedAt,
    },
  };
}

/** The entry back; undefined for one this version cannot read (written by another schema). */
export function decodeCachedAnswer(entry: CachedResponse): CachedAnswer | undefined {
  const { body, metadata } = entry;
  if (!Array.isArray(body) || typeof metadata.provider !== 'string' || typeof metadata.model !== 'string') return undefined;
  const usage = metadata.usage;
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) return undefined;
  return {
    parts: body as unknown as StreamPart[],
    provider: metadata.provider,
    model: metadata.model,
    usage: usage as unknown as Usage,
    costUsd: typeof metadata.costUsd === 'number' ? metadata.costUsd : null,
    storedAt: typeof metadata.storedAt === 'number' ? metadata.storedAt : 0,
  };
}
