/**
 * The Chat Completions wire shapes Switchyard sends to and reads from OpenAI and every
 * OpenAI-compatible provider. Shapes read from a provider are loose (every field may be missing
 * or null); compatible servers differ, so each is checked before use (see guards.ts).
 *
 * @see https://platform.openai.com/docs/api-reference/chat
 */

/** A content part of a user message. */
export type ChatRequestContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } };

/** A tool call in an assistant message we send. */
export type ChatRequestToolCall =
  | { id: string; type: 'function'; function: { name: string; arguments: string } }
  | { id: string; type: 'custom'; custom: { name: string; input: string } };

/** A message in a request body we send. */
export type ChatRequestMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | ChatRequestContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatRequestToolCall[]; reasoning_content?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

/**
 * `usage` as Chat Completions providers report it. DeepSeek adds
 * `prompt_cache_hit_tokens`; everything else is OpenAI's shape.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export interface ChatUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  prompt_cache_hit_tokens?: number | null;
}

/** A tool call in a message or, partially, in a stream delta. */
export interface ChatToolCall {
  index?: number | null;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
  custom?: { name?: string | null; input?: string | null } | null;
}

/**
 * A part of a reply's `content` when it is a list: Mistral's reasoning models (Magistral, and
 * `reasoning_effort` on mistral-small and mistral-medium) answer with a `thinking` part holding
 * the trace as text parts, then `text` parts, in whole replies and in stream deltas. Other
 * types (Mistral's `reference` citations) are read as unknown and passed over.
 *
 * @see https://docs.mistral.ai/capabilities/reasoning/
 * @see https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 */
export type ChatReplyContentPart =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: ChatThinkingPart[]; closed?: boolean | null }
  | { type?: unknown; [field: string]: unknown };

/** A part of a `thinking` part: text, or references (passed over). */
export type ChatThinkingPart = { type: 'text'; text: string } | { type?: unknown; [field: string]: unknown };

/** A `message` or a streamed `delta`: every field may be missing or null. */
export interface ChatMessageFields {
  /** A string everywhere but Mistral's reasoning models, which send a list of parts. */
  content?: string | ChatReplyContentPart[] | null;
  /** DeepSeek and its hosts. */
  reasoning_content?: string | null;
  /** OpenRouter, Groq and Ollama. */
  reasoning?: string | null;
  refusal?: string | null;
  tool_calls?: ChatToolCall[] | null;
  function_call?: { name?: string | null; arguments?: string | null } | null;
}

/** A `chat.completion` as received: every field may be missing. */
export interface ChatCompletionBody {
  id?: string | null;
  model?: string | null;
  choices?: Array<{ message?: ChatMessageFields | null; finish_reason?: string | null }>;
  usage?: ChatUsage | null;
  error?: unknown;
}

/** One `chat.completion.chunk`, with the fields compatible providers add. */
export interface ChatChunk {
  id?: string | null;
  model?: string | null;
  choices?: Array<{ index?: number | null; delta?: ChatMessageFields | null; finish_reason?: string | null }> | null;
  usage?: ChatUsage | null;
  /** Groq reports usage here on the last chunk. */
  x_groq?: { usage?: ChatUsage | null } | null;
  error?: unknown;
}
