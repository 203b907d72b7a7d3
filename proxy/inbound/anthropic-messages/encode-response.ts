import type { CanonicalResponse, ResponseContent } from '../../core/response';
import { uncachedInputTokens, type Usage } from '../../core/usage';
import { anthropicToolUseId } from '../../providers/anthropic-messages/tool-use-id';
import type { AnthropicMessage, AnthropicResponseBlock } from '../../wire/anthropic-messages/types';
import type { ResponseContext } from '../codec';
import { encodeAnthropicStopReason } from './map-finish-reason';
import { isObject, parseToolArguments } from '../../core/json';

/** Usage in the Messages API's terms: `input_tokens` counts only the uncached prompt. */
export interface AnthropicWireUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/**
 * A complete response as the `message` object the Messages API returns.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export function encodeMessagesResponse(response: CanonicalResponse, context: ResponseContext): AnthropicMessage {
  const content: AnthropicResponseBlock[] = [];
  for (const part of response.content) content.push(encodeContent(part));
  return {
    id: anthropicMessageId(response.id, context.requestId),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: encodeAnthropicStopReason(response.finishReason, response.rawFinishReason, response.stopSequence),
    stop_sequence: response.stopSequence ?? null,
    usage: encodeAnthropicUsage(response.usage),
  };
}

/** The provider's id when it is an Anthropic message id, else one derived from Switchyard's request id. */
export function anthropicMessageId(providerId: string | undefined, requestId: string): string {
  if (providerId !== undefined && providerId.startsWith('msg_')) return providerId;
  return `msg_${requestId.replaceAll('-', '')}`;
}

export function encodeAnthropicUsage(usage: Usage): AnthropicWireUsage {
  return {
    input_tokens: uncachedInputTokens(usage),
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}

function encodeContent(part: ResponseContent): AnthropicResponseBlock {
  const anthropic = part.providerOptions?.anthropic;
  switch (part.type) {
    case 'text': {
      if (anthropic && isObject(anthropic.block)) return anthropic.block as AnthropicResponseBlock;
      const block: AnthropicResponseBlock = { type: 'text', text: part.text };
      if (Array.isArray(anthropic?.citations)) block.citations = anthropic.citations;
      return block;
    }
    case 'reasoning':
      if (part.redactedData !== undefined) return { type: 'redacted_thinking', data: part.redactedData };
      return { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
    case 'tool-call':
      return { type: 'tool_use', id: anthropicToolUseId(part.id), name: part.name, input: parseToolArguments(part.input) };
  }
}


