import type { CanonicalRequest, WireApi } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { ProxyError } from '../core/errors';
import type { ChatDialect } from '../config/config';
import type { SseEvent } from '../sse/sse-parser';
import type { ClientBytes } from '../wire/client-bytes';

/** The wire API a provider is called with: the same names as the client formats. */
export type ProviderApi = WireApi;

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
  /** Where the provider's Chat Completions API departs from the common subset (the Chat encoder reads it). */
  chatDialect?: ChatDialect;
  /**
   * Place prompt-cache breakpoints where the client marked none (Anthropic). Off unless set:
   * only translated calls set it, from the config's `promptCaching`.
   */
  promptCaching?: boolean;
  /**
   * The most output tokens the call may ask for, thinking included (the model's output limit,
   * lowered to what its context window leaves): an encoder that adds a default or a thinking
   * budget keeps within it. Undefined when unknown.
   */
  maxOutputTokens?: number;
}

/**
 * The calls a provider API may offer, each at its own endpoint: a whole answer, a streamed
 * one, a token count, embeddings, and the model list (the cheapest authenticated call).
 */
export type WireOperation = 'generate' | 'stream' | 'count-tokens' | 'embed' | 'list-models';

/** What an endpoint URL is built from: the provider's base URL and, for per-model calls, the model. */
export type EndpointTarget = Pick<Target, 'baseUrl' | 'model'>;

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A request encoded with the client's bytes at hand: the body is a Buffer when some of them were copied in. */
export interface SplicedUpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** Turns one provider's SSE events into stream parts, keeping whatever state it needs. */
export interface StreamDecoder {
  decode(event: SseEvent): StreamPart[];
  /** Called when the upstream body ends; returns closing parts (an `error` if it ended early). */
  end(): StreamPart[];
}

/**
 * One provider wire API: where its endpoints are and how to authenticate, and how to encode
 * canonical requests and decode responses, streams and errors. Every URL and auth header
 * Switchyard sends a provider comes from here.
 */
export interface ProviderAdapter {
  readonly api: ProviderApi;
  /**
   * The URL of an operation for a base URL (without trailing slash) and model, or undefined
   * when the API has no such operation (Anthropic has no embeddings). `list-models` ignores
   * the model. See `requireEndpointUrl` for a refusal the client can read.
   */
  endpointUrl(operation: WireOperation, target: EndpointTarget): string | undefined;
  /**
   * The headers that authenticate a key (`Authorization: Bearer`, `x-api-key`,
   * `x-goog-api-key`) plus the API-version headers the API requires; without a key, only the latter.
   */
  authHeaders(apiKey: string | undefined): Record<string, string>;
  /**
   * Which of a passthrough client's query parameters go upstream: `'all'` (Claude Code's
   * `?beta=true`), or only the names listed, where the query may hold a credential or change
   * what Switchyard must read (Gemini's `key=`, `alt=`, `fields=`).
   */
  readonly forwardedQuery: 'all' | ReadonlySet<string>;
  encodeRequest(request: CanonicalRequest, target: Target): UpstreamRequest;
  /**
   * The same request, written with the client's bytes of the strings and values it carries
   * unchanged where `source` holds them (`SplicedJson`); an encoder that does not splice
   * ignores `source`. The JSON value sent is the same either way.
   */
  encodeRequest(request: CanonicalRequest, target: Target, source: ClientBytes | undefined): SplicedUpstreamRequest;
  /**
   * Decodes a whole answer. `provider` is the id errors name (the Chat adapter serves Groq,
   * Mistral…); it defaults to the API's own provider.
   * @throws ProxyError for an error answer, or one marked `malformed` for a body it cannot read.
   */
  decodeResponse(body: unknown, provider?: string): CanonicalResponse;
  /** A decoder for one streamed answer; `provider` as for `decodeResponse`. */
  createStreamDecoder(provider?: string): StreamDecoder;
  /** A non-2xx answer to a ProxyError carrying the provider's own message. */
  decodeError(status: number, body: string, provider: string): ProxyError;
}
