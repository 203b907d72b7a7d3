import type { ToolCallPart } from '../../core/request';
import type { CanonicalResponse } from '../../core/response';
import type { FinishReason } from '../../core/stream-part';
import type { Usage } from '../../core/usage';
import type { ResponseContext } from '../codec';

/** A finish reason as Chat Completions names it. */
export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** `usage` of a completion or of the last streamed chunk. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  /** DeepSeek's field for reasoning text, which most reasoning-aware clients read. */
  reasoning_content?: string;
  tool_calls?: ChatToolCall[];
  refusal: null;
}

/** The `chat.completion` object. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    logprobs: null;
    finish_reason: ChatFinishReason;
  }>;
  usage: ChatUsage;
}

/**
 * Encodes a collected response as a `chat.completion` object.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function encodeChatResponse(response: CanonicalResponse, context: ResponseContext): ChatCompletion {
  let text: string | undefined;
  let reasoning: string | undefined;
  let toolCalls: ChatToolCall[] | undefined;
  for (const content of response.content) {
    if (content.type === 'text') text = text === undefined ? content.text : text + content.text;
    else if (content.type === 'reasoning') {
      if (content.text !== '') reasoning = reasoning === undefined ? content.text : `${reasoning}\n\n${content.text}`;
    } else (toolCalls ??= []).push(encodeToolCall(content));
  }
  const message: ChatCompletionMessage = {
    role: 'assistant',
    // OpenAI sends null content on a turn that only calls tools; clients test for it.
    content: text ?? (toolCalls ? null : ''),
    refusal: null,
  };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (toolCalls) message.tool_calls = toolCalls;
  return {
    id: chatCompletionId(response.id, context),
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: encodeFinishReason(response.finishReason) }],
    usage: encodeUsage(response.usage),
  };
}

function encodeToolCall(call: ToolCallPart): ChatToolCall {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.input } };
}

/** Keeps the provider's id when it already looks like OpenAI's, so logs on both sides match. */
export function chatCompletionId(providerId: string | undefined, context: ResponseContext): string {
  return providerId?.startsWith('chatcmpl-') ? providerId : `chatcmpl-${context.requestId}`;
}

/**
 * Maps the canonical finish reason to the four Chat Completions knows. A refusal is
 * reported as `content_filter` (the model declined); reasons with no twin become `stop`.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function encodeFinishReason(reason: FinishReason): ChatFinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool-calls':
      return 'tool_calls';
    case 'content-filter':
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** `prompt_tokens` is the whole prompt, cached tokens included, as canonical `inputTokens` is. */
export function encodeUsage(usage: Usage): ChatUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
