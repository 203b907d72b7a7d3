import type { ChatDialect, ProviderKind } from './config';

/** What Switchyard knows about a provider without any config entry. */
export interface ProviderPreset {
  kind: ProviderKind;
  baseUrl: string;
  /** Environment variables tried in order for the key. */
  apiKeyEnv: string[];
  /** Local servers (Ollama, LM Studio) take no key. */
  keyRequired: boolean;
  /** How its Chat Completions API departs from the common subset. */
  chatDialect?: ChatDialect;
}

/**
 * The providers that work with no config entry. Base URLs end where each API's paths begin:
 * OpenAI-style URLs include `/v1` (or the provider's equivalent), Anthropic's does not
 * (its adapter appends `/v1/messages`), Gemini's includes `/v1beta`.
 */
export const providerPresets: Readonly<Record<string, ProviderPreset>> = {
  openai: {
    kind: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: ['OPENAI_API_KEY'],
    keyRequired: true,
    chatDialect: { maxCompletionTokens: true, developerRole: true },
  },
  anthropic: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKeyEnv: ['ANTHROPIC_API_KEY'], keyRequired: true },
  gemini: {
    kind: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    apiKeyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
    keyRequired: true,
  },
  groq: { kind: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: ['GROQ_API_KEY'], keyRequired: true },
  cerebras: { kind: 'openai-compatible', baseUrl: 'https://api.cerebras.ai/v1', apiKeyEnv: ['CEREBRAS_API_KEY'], keyRequired: true },
  deepinfra: {
    kind: 'openai-compatible',
    baseUrl: 'https://api.deepinfra.com/v1/openai',
    apiKeyEnv: ['DEEPINFRA_API_KEY', 'DEEPINFRA_TOKEN'],
    keyRequired: true,
  },
  mistral: {
    kind: 'openai-compatible',
    baseUrl: 'https://api.mistral.ai/v1',
    apiKeyEnv: ['MISTRAL_API_KEY'],
    keyRequired: true,
    // "Tool call id was call_… but must be a-z, A-Z, 0-9, with a length of 9".
    chatDialect: { nineCharacterToolCallIds: true },
  },
  xai: { kind: 'openai-compatible', baseUrl: 'https://api.x.ai/v1', apiKeyEnv: ['XAI_API_KEY'], keyRequired: true },
  openrouter: { kind: 'openai-compatible', baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: ['OPENROUTER_API_KEY'], keyRequired: true },
  together: { kind: 'openai-compatible', baseUrl: 'https://api.together.xyz/v1', apiKeyEnv: ['TOGETHER_API_KEY'], keyRequired: true },
  fireworks: {
    kind: 'openai-compatible',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    apiKeyEnv: ['FIREWORKS_API_KEY'],
    keyRequired: true,
  },
  ollama: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', apiKeyEnv: ['OLLAMA_API_KEY'], keyRequired: false },
  lmstudio: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', apiKeyEnv: ['LMSTUDIO_API_KEY'], keyRequired: false },
};
