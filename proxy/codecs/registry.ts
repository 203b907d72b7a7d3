import type { ClientFormat } from '../core/request';
import type { InboundCodec } from '../inbound/codec';
import type { ProviderAdapter, ProviderApi } from '../providers/adapter';
import type { ProviderKind } from '../config/config';
import { openAiChatCodec } from '../inbound/openai-chat/codec';
import { openAiResponsesCodec } from '../inbound/openai-responses/codec';
import { anthropicMessagesCodec } from '../inbound/anthropic-messages/codec';
import { geminiCodec } from '../inbound/gemini/codec';
import { openAiCompatibleAdapter } from '../providers/openai-compatible/adapter';
import { openAiResponsesAdapter } from '../providers/openai-responses/adapter';
import { anthropicAdapter } from '../providers/anthropic/adapter';
import { geminiAdapter } from '../providers/gemini/adapter';

export const inboundCodecs: Readonly<Record<ClientFormat, InboundCodec>> = {
  'openai-chat': openAiChatCodec,
  'openai-responses': openAiResponsesCodec,
  'anthropic-messages': anthropicMessagesCodec,
  gemini: geminiCodec,
};

export const providerAdapters: Readonly<Record<ProviderApi, ProviderAdapter>> = {
  'openai-chat': openAiCompatibleAdapter,
  'openai-responses': openAiResponsesAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};

/** The provider API that speaks a client format natively: the passthrough pairs. */
export const nativeApi: Readonly<Record<ClientFormat, ProviderApi>> = {
  'openai-chat': 'openai-chat',
  'openai-responses': 'openai-responses',
  'anthropic-messages': 'anthropic',
  gemini: 'gemini',
};

/**
 * Which of a provider's APIs to call. OpenAI serves both Chat Completions and Responses:
 * a Chat client keeps Chat (passthrough) unless the model exists only on Responses; every
 * other client gets Responses, which keeps reasoning items across turns.
 */
export function chooseApi(kind: ProviderKind, format: ClientFormat, model: string): ProviderApi {
  switch (kind) {
    case 'anthropic':
      return 'anthropic';
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
