/**
 * The fake providers the extension's proxy talks to during the end-to-end run: an OpenAI-shaped
 * one, a second OpenAI-compatible one that a routing rule can move traffic to, and an Anthropic
 * one. They run in the test runner's process so the tests can read what each received.
 */
import { FakeUpstream, type FakeReply, type RecordedRequest } from '../../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson, openAiErrorJson } from '../../fakes/openai-chat-replies';
import { anthropicEvents, anthropicMessageJson } from '../../fakes/anthropic-replies';

/** The running fakes. */
export interface FakeProviders {
  /** Stands in for api.openai.com (`openai` provider). */
  openai: FakeUpstream;
  /** An OpenAI-compatible provider named `other` in the config, on a loopback URL (no key needed). */
  other: FakeUpstream;
  /** Stands in for api.anthropic.com (`anthropic` provider). */
  anthropic: FakeUpstream;
  /** The `providers` section of a Switchyard config pointing at the fakes. */
  providersConfig(): Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

/** The provider keys the tests type into the palette; only their last four characters may ever be shown. */
export const testKeys = { openai: 'sk-e2e-openai-key-4821', anthropic: 'sk-ant-e2e-key-7310' } as const;

/** The model every OpenAI-style fake answers 503 for. */
export const unavailableModel = 'fake-unavailable';

/** What every fake reports as usage, so tokens and cost in the panel are predictable. */
export const fakeUsage = { prompt: 42, completion: 8 };

/** The text each fake answers with, naming itself so a test can tell who answered. */
export function answerOf(provider: 'openai' | 'other' | 'anthropic'): string {
  return `Hello from the fake ${provider} provider.`;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const [openai, other, anthropic] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
  openai.reply((request) => openAiStyleReply(request, 'openai'));
  other.reply((request) => openAiStyleReply(request, 'other'));
  anthropic.reply(anthropicReply);
  return {
    openai,
    other,
    anthropic,
    providersConfig: () => ({
      openai: { baseUrl: openai.url('/v1') },
      other: { type: 'openai-compatible', baseUrl: other.url('/v1'), models: ['fake-small', 'fake-large'] },
      anthropic: { baseUrl: anthropic.url('') },
    }),
    close: async () => {
      await Promise.all([openai.close(), other.close(), anthropic.close()]);
    },
  };
}

function openAiStyleReply(request: RecordedRequest, provider: 'openai' | 'other'): FakeReply {
  // The key test ("Switchyard: Test Provider Key") lists models: a cheap authenticated call.
  if (request.method === 'GET' && request.url.startsWith('/v1/models')) {
    return { json: { object: 'list', data: ['gpt-4o-mini', 'gpt-4o'].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: provider })) } };
  }
  if (!request.url.startsWith('/v1/chat/completions')) {
    return { status: 404, json: openAiErrorJson(`the fake ${provider} provider has no ${request.url}`, 'invalid_request_error', null) };
  }
  const body: unknown = request.json;
  const model = typeof body === 'object' && body !== null && 'model' in body && typeof body.model === 'string' ? body.model : 'unknown';
  // A model that is always overloaded, for a route that must fall back to its next target.
  if (model === unavailableModel) return { status: 503, json: openAiErrorJson(`the fake ${provider} provider is overloaded`, 'server_error', null) };
  const options = { model, text: answerOf(provider), usage: fakeUsage };
  const stream = typeof body === 'object' && body !== null && 'stream' in body && body.stream === true;
  return stream ? { chunks: chatCompletionChunks(options), delayMs: 5 } : { json: chatCompletionJson(options) };
}

function anthropicReply(request: RecordedRequest): FakeReply {
  if (!request.url.startsWith('/v1/messages')) return { status: 404, json: { type: 'error', error: { type: 'not_found_error', message: request.url } } };
  const body: unknown = request.json;
  const model = typeof body === 'object' && body !== null && 'model' in body && typeof body.model === 'string' ? body.model : 'unknown';
  const options = { model, text: answerOf('anthropic'), usage: { input: fakeUsage.prompt, output: fakeUsage.completion } };
  const stream = typeof body === 'object' && body !== null && 'stream' in body && body.stream === true;
  return stream ? { chunks: anthropicEvents(options) } : { json: anthropicMessageJson(options) };
}
