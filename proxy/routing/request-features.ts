import type { IncomingHttpHeaders } from 'node:http';
import type { CanonicalRequest, ClientFormat } from '../core/request';
import { isObject, type JsonObject } from '../core/json';
import { inboundCodecs } from '../codecs/registry';
import { estimateInputTokens } from '../tokens/estimate-tokens';

/**
 * What a routing rule can test about one request. The plain facts are read when the features
 * are built; `hasTools` looks at the body's tool lists only when a rule asks; `hasImages` and
 * `estimatedInputTokens` need the request decoded to canonical, which happens at most once
 * and only when a rule gets that far.
 */
export interface RequestFeatures {
  readonly format: ClientFormat;
  /** The model as the client asked for it, before aliases and routes. */
  readonly model: string;
  /** The inbound path, e.g. `/v1/messages`. */
  readonly endpoint: string;
  /** The id of the local access key the client used (`key_…`); undefined when none is required. */
  readonly clientKey: string | undefined;
  /** That key's label (`VS Code`, `config key 2`); undefined when none is required. */
  readonly clientLabel: string | undefined;
  /** A request header by its lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  /** The request defines tools (functions or provider tools such as web search). */
  readonly hasTools: boolean;
  /** A user turn or tool result carries an image. False for a body that does not decode. */
  readonly hasImages: boolean;
  /** The local estimate of the prompt's tokens (`estimateInputTokens`); 0 for a body that does not decode. */
  readonly estimatedInputTokens: number;
  /**
   * The canonical request when a rule already needed it and the body decoded; undefined
   * otherwise. The pipeline reuses it rather than decoding twice, and decodes the body itself
   * when this is undefined, which is also how a bad request's error reaches the client.
   */
  decoded(): CanonicalRequest | undefined;
}

export interface RequestFeaturesOptions {
  format: ClientFormat;
  /**
   * The JSON body as the client sent it, parsed on first call (it throws for a body that is
   * not JSON): a passthrough call whose rules never look inside is never parsed.
   */
  body: () => JsonObject;
  endpoint: string;
  model: string;
  clientKey: string | undefined;
  clientLabel?: string;
  headers: IncomingHttpHeaders;
}

/** The features of one request; nothing is decoded or scanned until a rule asks. */
export function createRequestFeatures(options: RequestFeaturesOptions): RequestFeatures {
  return new LazyRequestFeatures(options);
}

/** `canonical` before the first decode: distinct from a decode that failed (`null`). */
const notDecoded = Symbol('not decoded');

class LazyRequestFeatures implements RequestFeatures {
  readonly format: ClientFormat;
  readonly model: string;
  readonly endpoint: string;
  readonly clientKey: string | undefined;
  readonly clientLabel: string | undefined;
  private readonly readBody: () => JsonObject;
  private readonly headers: IncomingHttpHeaders;
  private tools: boolean | undefined = undefined;
  private images: boolean | undefined = undefined;
  private tokens: number | undefined = undefined;
  private canonical: CanonicalRequest | null | typeof notDecoded = notDecoded;

  constructor(options: RequestFeaturesOptions) {
    this.format = options.format;
    this.model = options.model;
    this.endpoint = options.endpoint;
    this.clientKey = options.clientKey;
    this.clientLabel = options.clientLabel;
    this.readBody = options.body;
    this.headers = options.headers;
  }

  header(name: string): string | undefined {
    const value = this.headers[name];
    if (typeof value === 'string') return value;
    // Node keeps only set-cookie (and a few rare names) as arrays; the others arrive joined.
    return Array.isArray(value) ? value.join(', ') : undefined;
  }

  get hasTools(): boolean {
    this.tools ??= this.parsedBody() !== undefined && bodyHasTools(this.format, this.parsedBody()!);
    return this.tools;
  }

  get hasImages(): boolean {
    if (this.images === undefined) {
      const canonical = this.decode();
      this.images = canonical !== null && requestHasImages(canonical);
    }
    return this.images;
  }

  get estimatedInputTokens(): number {
    if (this.tokens === undefined) {
      const canonical = this.decode();
      this.tokens = canonical === null ? 0 : estimateInputTokens(canonical);
    }
    return this.tokens;
  }

  decoded(): CanonicalRequest | undefined {
    return this.canonical === notDecoded || this.canonical === null ? undefined : this.canonical;
  }

  /** The body, or undefined when it is not JSON (the pipeline reports that to the client). */
  private parsedBody(): JsonObject | undefined {
    try {
      return this.readBody();
    } catch {
      return undefined;
    }
  }

  private decode(): CanonicalRequest | null {
    if (this.canonical === notDecoded) {
      try {
        this.canonical = inboundCodecs[this.format].decodeRequest(this.readBody());
      } catch {
        // A body the codec rejects matches as having no images and no tokens; the pipeline's
        // own decode reports the error to the client in its API's shape.
        this.canonical = null;
      }
    }
    return this.canonical;
  }
}

/**
 * Whether the wire body defines tools, read without decoding: a non-empty `tools` array
 * (every format), OpenAI Chat's deprecated `functions`, and for Gemini a `tools` entry that
 * declares at least one function or names a built-in tool (`googleSearch`, `codeExecution`…),
 * as its decoder would turn it into at least one tool.
 *
 * @see https://ai.google.dev/api/caching#Tool
 */
function bodyHasTools(format: ClientFormat, body: JsonObject): boolean {
  const tools = body.tools;
  if (format === 'gemini') return Array.isArray(tools) && tools.some(geminiToolDefinesSomething);
  if (Array.isArray(tools) && tools.length > 0) return true;
  return format === 'openai-chat' && Array.isArray(body.functions) && body.functions.length > 0;
}

function geminiToolDefinesSomething(tool: unknown): boolean {
  if (!isObject(tool)) return false;
  for (const key in tool) {
    if (key !== 'functionDeclarations' && key !== 'function_declarations') return true;
    const declarations = tool[key];
    if (Array.isArray(declarations) && declarations.length > 0) return true;
  }
  return false;
}

function requestHasImages(request: CanonicalRequest): boolean {
  for (const message of request.messages) {
    if (message.role === 'user') {
      for (const part of message.content) if (part.type === 'file' && part.mediaType.startsWith('image/')) return true;
    } else if (message.role === 'tool') {
      for (const result of message.content) {
        for (const part of result.content) if (part.type === 'file' && part.mediaType.startsWith('image/')) return true;
      }
    }
  }
  return false;
}
