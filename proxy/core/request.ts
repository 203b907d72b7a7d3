/**
 * The canonical request: our own model of a chat call, independent of any wire format.
 * Inbound codecs decode into it; provider adapters encode from it. Fields a format has and
 * others lack travel in `providerOptions` so that nothing a client sent is silently lost
 * when the provider understands it.
 */

/**
 * The four wire APIs, one vocabulary for both sides: what a client speaks and what a provider
 * is called with. OpenAI-compatible providers all speak `openai-chat`.
 */
export type WireApi = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';

/** The wire API a client spoke. */
export type ClientFormat = WireApi;

/**
 * Provider-specific extras keyed by provider family (`openai` covers Chat and Responses), as the
 * Vercel AI SDK keys its providerOptions. Each value is a bag the matching
 * encoder knows how to apply (for example `anthropic.cacheControl` on a part, or
 * `openai.extraBody` on a request).
 */
export interface ProviderOptions {
  anthropic?: Record<string, unknown>;
  openai?: Record<string, unknown>;
  gemini?: Record<string, unknown>;
}

export interface TextPart {
  type: 'text';
  text: string;
  providerOptions?: ProviderOptions;
}

/** Where a file's bytes are: inline base64, a URL, or a provider-side file id. */
export type FileData =
  | { type: 'base64'; data: string }
  | { type: 'url'; url: string }
  | { type: 'file-id'; id: string };

/** An image, PDF or other file. Images are files whose media type starts with `image/`. */
export interface FilePart {
  type: 'file';
  /** IANA media type, e.g. `image/png`; `application/octet-stream` when the client gave none. */
  mediaType: string;
  data: FileData;
  filename?: string;
  providerOptions?: ProviderOptions;
}

/**
 * Model reasoning. Anthropic thinking carries a `signature` that must be returned byte for
 * byte; redacted thinking carries only `redactedData`. OpenAI Responses reasoning items keep
 * their id and encrypted content in `providerOptions.openai` (`itemId`, `encryptedContent`).
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  redactedData?: string;
  providerOptions?: ProviderOptions;
}

export interface ToolCallPart {
  type: 'tool-call';
  /** The call id the model gave (`call_…`, `toolu_…`); tool results refer to it. */
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  input: string;
  providerOptions?: ProviderOptions;
}

export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  /** Known when the format carries it (Gemini needs it; others may not send it). */
  toolName?: string;
  content: Array<TextPart | FilePart>;
  isError?: boolean;
  providerOptions?: ProviderOptions;
}

export interface SystemMessage {
  role: 'system';
  content: TextPart[];
  /** OpenAI's `developer` role is a system message the client asked to be sent as such. */
  variant?: 'developer';
}

export interface UserMessage {
  role: 'user';
  content: Array<TextPart | FilePart>;
}

export interface AssistantMessage {
  role: 'assistant';
  content: Array<TextPart | ReasoningPart | ToolCallPart>;
}

/** Results of earlier tool calls. Formats that put them in a user turn (Anthropic) merge them back. */
export interface ToolMessage {
  role: 'tool';
  content: ToolResultPart[];
}

export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
  strict?: boolean;
  providerOptions?: ProviderOptions;
}

/**
 * A tool only one provider API understands (Anthropic `web_search_20250305`, OpenAI
 * `web_search`, Codex's `namespace` tool…). Sent as-is to that API, dropped for others.
 */
export interface ProviderTool {
  type: 'provider';
  api: WireApi;
  name?: string;
  raw: Record<string, unknown>;
}

export type ToolDefinition = FunctionTool | ProviderTool;

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

export interface ReasoningOptions {
  enabled: boolean;
  effort?: ReasoningEffort;
  /** Anthropic / Gemini thinking budget in tokens. */
  budgetTokens?: number;
  /** OpenAI Responses `reasoning.summary`. */
  summary?: 'auto' | 'concise' | 'detailed';
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json-schema'; name?: string; schema: Record<string, unknown>; strict?: boolean };

export interface CanonicalRequest {
  /** The model as the client named it, before routing. */
  model: string;
  messages: Message[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  stream: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  reasoning?: ReasoningOptions;
  responseFormat?: ResponseFormat;
  /** An end-user id for abuse tracking (`user`, `metadata.user_id`). */
  user?: string;
  /** Request-level provider extras (Anthropic `thinking` variants, OpenAI `service_tier`…). */
  providerOptions?: ProviderOptions;
  /**
   * Top-level fields of the client's body that have no canonical field (`metadata`,
   * `store`, `service_tier`, `logprobs`…). A provider encoder whose wire API is the same as
   * `format` copies them back, so they reach a provider that understands them and are
   * dropped for one that would reject them.
   */
  extraBody?: { format: ClientFormat; fields: Record<string, unknown> };
}
