import type { ProviderOptions } from './request';
import type { Usage } from './usage';
import type { ProxyError } from './errors';

/**
 * Why generation stopped, in one vocabulary. Decoders map each provider's reason to it
 * (see each provider's `map-finish-reason.ts`); encoders map it back.
 */
export type FinishReason =
  | 'stop'
  | 'length'
  | 'tool-calls'
  | 'content-filter'
  | 'refusal'
  | 'pause'
  | 'error'
  | 'other';

/**
 * One event of a streamed response. Blocks open with `-start`, grow with `-delta` and close
 * with `-end`; ids tie the three together (a tool input's id is the tool call id). A
 * stream ends with exactly one `finish` or `error`.
 */
export type StreamPart =
  | { type: 'stream-start'; id?: string; model?: string }
  | { type: 'text-start'; id: string; providerOptions?: ProviderOptions }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string; providerOptions?: ProviderOptions }
  | { type: 'reasoning-start'; id: string; redactedData?: string; providerOptions?: ProviderOptions }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string; signature?: string; providerOptions?: ProviderOptions }
  | { type: 'tool-input-start'; id: string; name: string; providerOptions?: ProviderOptions }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | { type: 'tool-input-end'; id: string }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage; rawFinishReason?: string; stopSequence?: string }
  | { type: 'error'; error: ProxyError };

export type StreamPartType = StreamPart['type'];
