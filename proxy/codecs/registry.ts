import type { ClientFormat } from '../core/request';
import type { InboundCodec } from '../inbound/codec';
import type { ProviderAdapter, ProviderApi } from '../providers/adapter';
import type { ProviderKind } from '../config/config';
import { openAiChatCodec } from '../inbound/openai-chat/codec';
import { openAiResponsesCodec } from '../inbound/openai-responses/codec';
import { anthropicMessagesCodec } from '../inbound/anthropic-messages/codec';
import { geminiCodec } from '../inbound/gemini/codec';
import { openAiChatAdapter } from '../providers/openai-chat/adapter';
import { openAiResponsesAdapter } from '../providers/openai-responses/adapter';
import { anthropicAdapter } from '../providers/anthropic-messages/adapter';
import { geminiAdapter } from '../providers/gemini/adapter';

export const inboundCodecs: Readonly<Record<ClientFormat, InboundCodec>> = {
  'openai-chat': openAiChatCodec,
  'openai-responses': openAiResponsesCodec,
  'anthropic-messages': anthropicMessagesCodec,
  gemini: geminiCodec,
};

export const providerAdapters: Readonly<Record<ProviderApi, ProviderAdapter>> = {
  'openai-chat': openAiChatAdapter,
  'openai-responses': openAiResponsesAdapter,
  'anthropic-messages': anthropicAdapter,
  gemini: geminiAdapter,
};

/**
 * Which of a provider's APIs to call; the call passes through untouched when it is the client's
 * own (formats and APIs share one vocabulary). OpenAI serves both Chat Completions and Responses:
 * a Chat client keeps Chat (passthrough) unless the model exists only on Responses; every
 * other client gets Responses, which keeps reasoning items across turns.
 */
export function chooseApi(kind: ProviderKind, format: ClientFormat, model: string): ProviderApi {
  switch (kind) {
    case 'anthropic':
      return 'anthropic-messages';
    case 'gemini':
      return 'gemini';
    case 'openai-compatible':
      return 'openai-chat';
    case 'openai':
      return format === 'openai-chat' && !isResponsesOnlyModel(model) ? 'openai-chat' : 'openai-responses';
  }
}

/** OpenAI models served only by the Responses API (codex and pro variants, deep research). */
function isResponsesOnlyModel(model: string): boolean {
  return model.includes('codex') || model.endsWith('-pro') || model.includes('-pro-') || model.includes('deep-research');
}
