import type { CanonicalResponse, ResponseContent } from '../../core/response';
import { emptyUsage, type Usage } from '../../core/usage';
import { decodeChatErrorObject } from './decode-error';
import { mapChatFinishReason } from './map-finish-reason';
import { decodeContentParts } from './decode-content-parts';
import type { ChatToolCall, ChatUsage } from '../../wire/openai-chat/types';
import { checkChatCompletion } from '../../wire/openai-chat/guards';
import { malformedWireError } from '../../wire/checks';
import { isObject } from '../../core/json';

/**
 * Decodes a non-streamed `chat.completion` into the canonical response.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object
 * @throws ProxyError for an `error` answer, or one marked `malformed` for a body it cannot read.
 */
export function decodeChatResponse(body: unknown, provider = 'openai'): CanonicalResponse {
  // OpenRouter answers some upstream failures with HTTP 200 and an `error` object.
  if (isObject(body) && body.error !== undefined && body.error !== null) throw decodeChatErrorObject(body.error);
  const checked = checkChatCompletion(body);
  if (!checked.ok) throw malformedWireError(provider, checked);
  const completion = checked.value;
  const choice = completion.choices?.[0];
  if (!choice) throw malformedWireError(provider, { what: 'chat.completion', problem: 'no choices' });

  const content: ResponseContent[] = [];
  const message = choice.message ?? {};
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'reasoning', text: reasoning });
  if (typeof message.content === 'string') {
    if (message.content !== '') content.push({ type: 'text', text: message.content });
  } else if (Array.isArray(message.content)) {
    // Mistral's reasoning models: a list of parts, the thinking first.
    for (const run of decodeContentParts(message.content)) content.push({ type: run.type, text: run.text });
  }
  const refused = typeof message.refusal === 'string' && message.refusal !== '';
  if (refused) content.push({ type: 'text', text: message.refusal as string });
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call, index) => content.push(decodeToolCall(call, index)));
  } else if (message.function_call?.name) {
    const call = message.function_call;
    content.push({ type: 'tool-call', id: `call_${call.name}`, name: call.name ?? '', input: call.arguments ?? '' });
  }

  const rawFinishReason = choice.finish_reason ?? undefined;
  const response: CanonicalResponse = {
    content,
    finishReason: refused ? 'refusal' : rawFinishReason !== undefined ? mapChatFinishReason(rawFinishReason) : 'other',
    usage: completion.usage ? decodeChatUsage(completion.usage) : emptyUsage(),
  };
  if (rawFinishReason !== undefined) response.rawFinishReason = rawFinishReason;
  if (typeof completion.id === 'string') response.id = completion.id;
  if (typeof completion.model === 'string') response.model = completion.model;
  return response;
}

function decodeToolCall(call: ChatToolCall, index: number): ResponseContent {
  const id = call.id ?? `call_${index}`;
  if (call.type === 'custom' && call.custom) {
    return {
      type: 'tool-call',
      id,
      name: call.custom.name ?? '',
      input: call.custom.input ?? '',
      providerOptions: { openai: { toolType: 'custom' } },
    };
  }
  return { type: 'tool-call', id, name: call.function?.name ?? '', input: call.function?.arguments ?? '' };
}

/**
 * Maps Chat Completions usage to canonical usage. `prompt_tokens` already includes cached
 * tokens. xAI leaves reasoning tokens out of `completion_tokens` (its `total_tokens` adds
 * them separately, seen on grok-3-mini and grok-4): when the total says so, they are
 * added back so `outputTokens` includes reasoning as everywhere else.
 */
export function decodeChatUsage(usage: ChatUsage): Usage {
  const inputTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  const reasoningOutsideCompletion =
    reasoningTokens > 0 && usage.total_tokens === inputTokens + completionTokens + reasoningTokens;
  return {
    inputTokens,
    outputTokens: reasoningOutsideCompletion ? completionTokens + reasoningTokens : completionTokens,
    cacheReadTokens: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens,
  };
}
