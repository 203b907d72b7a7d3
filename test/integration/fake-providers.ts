import { FakeUpstream, type FakeReply, type RecordedRequest } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { responsesEvents, responsesJson } from '../fakes/openai-responses-replies';
import { anthropicEvents, anthropicMessageJson } from '../fakes/anthropic-replies';
import { geminiChunks, geminiResponseJson } from '../fakes/gemini-replies';
import type { SwitchyardConfig } from '../../proxy/config/config';

/** The provider APIs, each reached through a model name that routes to it. */
export const providerModels = {
  'openai-chat': 'groq/llama-3.3-70b-versatile',
  'openai-responses': 'openai/gpt-5-codex',
  anthropic: 'anthropic/claude-sonnet-4-6',
  gemini: 'gemini/gemini-2.5-flash',
} as const;

export type ProviderApiName = keyof typeof providerModels;

/** What the weather scenario's fake answers: a tool call first, then text once the result is in. */
export const weather = {
  city: 'Paris',
  result: '{"temperature":21,"sky":"sunny"}',
  answer: 'It is 21 °C and sunny in Paris — a fine day for a walk by the Seine.',
  /** Usage every fake reports, in its own API's terms (total input 120 of which 20 cached). */
  usage: { input: 120, output: 30, cached: 20 },
};

/** Points every provider the matrix uses at the one fake upstream. */
export function useFake(config: SwitchyardConfig, fake: FakeUpstream): void {
  config.providers.groq = { baseUrl: fake.url('/v1') };
  config.providers.openai = { baseUrl: fake.url('/v1') };
  config.providers.anthropic = { baseUrl: fake.url('') };
  config.providers.gemini = { baseUrl: fake.url('/v1beta') };
}

/** Which API a recorded upstream request was for, by its path. */
export function apiOfRequest(request: RecordedRequest): ProviderApiName {
  if (request.url.startsWith('/v1/chat/completions')) return 'openai-chat';
  if (request.url.startsWith('/v1/responses')) return 'openai-responses';
  if (request.url.startsWith('/v1/messages')) return 'anthropic';
  return 'gemini';
}

/** Answers like each provider would in the weather scenario, streaming when asked to. */
export function weatherReply(request: RecordedRequest): FakeReply {
  const api = apiOfRequest(request);
  const hasResult = request.raw.toString('utf8').includes('sunny');
  const stream = api === 'gemini' ? request.url.includes(':streamGenerateContent') : request.json?.stream === true;
  const { input, output, cached } = weather.usage;
  const argumentsText = JSON.stringify({ city: weather.city });
  switch (api) {
    case 'openai-chat': {
      const options = {
        model: 'llama-3.3-70b-versatile',
        ...(hasResult ? { text: weather.answer } : { toolCalls: [{ id: 'call_weather_1', name: 'get_weather', arguments: argumentsText }] }),
        usage: { prompt: input, completion: output, cached },
      };
      return stream ? { chunks: chatCompletionChunks(options) } : { json: chatCompletionJson(options) };
    }
    case 'openai-responses': {
      const options = {
        model: 'gpt-5-codex',
        ...(hasResult ? { text: weather.answer } : { toolCalls: [{ callId: 'call_weather_1', name: 'get_weather', arguments: argumentsText }] }),
        usage: { input, output, cached },
      };
      return stream ? { chunks: responsesEvents(options) } : { json: responsesJson(options) };
    }
    case 'anthropic': {
      const options = {
        model: 'claude-sonnet-4-6',
        ...(hasResult
          ? { text: weather.answer, stopReason: 'end_turn' }
          : { toolUses: [{ id: 'toolu_weather_1', name: 'get_weather', input: { city: weather.city } }], stopReason: 'tool_use' }),
        usage: { input: input - cached, output, cacheRead: cached },
      };
      return stream ? { chunks: anthropicEvents(options) } : { json: anthropicMessageJson(options) };
    }
    case 'gemini': {
      const options = {
        model: 'gemini-2.5-flash',
        ...(hasResult ? { text: weather.answer } : { functionCalls: [{ name: 'get_weather', args: { city: weather.city } }] }),
        finishReason: 'STOP',
        usage: { prompt: input, candidates: output, cached },
      };
      return stream ? { chunks: geminiChunks(options) } : { json: geminiResponseJson(options) };
    }
  }
}
