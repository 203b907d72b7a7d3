import type { CanonicalRequest, ClientFormat } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import type { ProxyError } from '../core/errors';

/** What an encoder needs to know about the call it answers. */
export interface ResponseContext {
  /** Switchyard's request id; encoders derive response ids from it when the provider gave none. */
  requestId: string;
  /** The model name to report to the client: the one it asked for. */
  model: string;
  /** Unix seconds when the request arrived. */
  created: number;
  /**
   * The decoded request, for encoders whose responses echo request fields (Responses API
   * `instructions`, `tools`…) or depend on them (`stream_options.include_usage`).
   */
  request: CanonicalRequest;
}

/**
 * Turns stream parts into the client's SSE text. `encode` returns the text to write now
 * ('' when a part has no wire form); it is called with every part in order, and after a
 * `finish` or `error` part it must have emitted the format's terminal events.
 */
export interface StreamEncoder {
  encode(part: StreamPart): string;
}

/** One client-facing API: decode its requests, encode responses, streams and errors in its shape. */
export interface InboundCodec {
  readonly format: ClientFormat;
  /** Wire body (already JSON-parsed) to canonical; throws ProxyError('invalid_request') naming the field. */
  decodeRequest(body: unknown): CanonicalRequest;
  encodeResponse(response: CanonicalResponse, context: ResponseContext): unknown;
  createStreamEncoder(context: ResponseContext): StreamEncoder;
  encodeError(error: ProxyError): { status: number; body: unknown };
}
