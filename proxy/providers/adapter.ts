import type { CanonicalRequest } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { ProxyError } from '../core/errors';
import type { SseEvent } from '../sse/sse-parser';

/** The wire API a provider speaks. OpenAI-compatible providers all speak `openai-chat`. */
export type ProviderApi = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini';

/** Where and as whom to call: a resolved provider plus the model id to send it. */
export interface Target {
  /** Provider id from config or presets (`openai`, `groq`, `local`…). */
  provider: string;
  /** Base URL without trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** The provider's own model id (the part after `provider/`). */
  model: string;
  /** Extra headers from config (OpenRouter's `HTTP-Referer`, …). */
  headers?: Record<string, string>;
}

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Turns one provider's SSE events into stream parts, keeping whatever state it needs. */
export interface StreamDecoder {
  decode(event: SseEvent): StreamPart[];
  /** Called when the upstream body ends; returns closing parts (an `error` if it ended early). */
  end(): StreamPart[];
}

/** One provider wire API: encode canonical requests, decode responses, streams and errors. */
export interface ProviderAdapter {
  readonly api: ProviderApi;
  encodeRequest(request: CanonicalRequest, target: Target): UpstreamRequest;
  decodeResponse(body: unknown): CanonicalResponse;
  createStreamDecoder(): StreamDecoder;
  /** A non-2xx answer to a ProxyError carrying the provider's own message. */
  decodeError(status: number, body: string, provider: string): ProxyError;
}
