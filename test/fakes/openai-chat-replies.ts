/**
 * Builders for fake Chat Completions replies shaped like OpenAI's: a whole `chat.completion`,
 * the SSE chunks of the same answer, and an error body. Tests hand them to FakeUpstream.
 */

export interface ChatReplyOptions {
  model: string;
  text?: string;
  /** Reasoning text, sent DeepSeek-style as `reasoning_content`. */
  reasoning?: string;
  toolCalls?: Array<{ id: string; name: string; arguments: string }>;
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  usage?: { prompt: number; completion: number; cached?: number; reasoning?: number };
  /** Defaults to a fixed `chatcmpl-…` id. */
  id?: string;
  /** Unix seconds; defaults to a fixed time so replies are reproducible. */
  created?: number;
}

const defaultId = 'chatcmpl-BxFake0123456789abcdefghij';
const defaultCreated = 1_745_000_000;
const systemFingerprint = 'fp_f97eff32c5';

/** A non-streamed `chat.completion` body. */
export function chatCompletionJson(options: ChatReplyOptions): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: options.text ?? (options.toolCalls?.length ? null : ''),
    refusal: null,
    annotations: [],
  };
  if (options.reasoning !== undefined) message.reasoning_content = options.reasoning;
  if (options.toolCalls?.length) {
    message.tool_calls = options.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return {
    id: options.id ?? defaultId,
    object: 'chat.completion',
    created: options.created ?? defaultCreated,
    model: options.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(options) }],
    usage: usageOf(options),
    service_tier: 'default',
    system_fingerprint: systemFingerprint,
  };
}

/**
 * The same answer as SSE events, one per array item, in OpenAI's order: the role chunk,
 * reasoning, text and tool-call deltas (text and arguments split over several chunks),
 * the chunk with the finish reason, the usage chunk with `choices: []`, and `[DONE]`.
 */
export function chatCompletionChunks(options: ChatReplyOptions): string[] {
  const head = {
    id: options.id ?? defaultId,
    object: 'chat.completion.chunk',
    created: options.created ?? defaultCreated,
    model: options.model,
    service_tier: 'default',
    system_fingerprint: systemFingerprint,
  };
  const events: string[] = [];
  const push = (delta: Record<string, unknown>, finishReason: string | null = null): void => {
    const chunk = { ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null };
    events.push(`data: ${JSON.stringify(chunk)}\n\n`);
  };

  const toolCalls = options.toolCalls ?? [];
  const hasContent = options.text !== undefined || options.reasoning !== undefined;
  if (hasContent || toolCalls.length === 0) push({ role: 'assistant', content: '', refusal: null });
  for (const piece of split(options.reasoning)) push({ reasoning_content: piece });
  for (const piece of split(options.text)) push({ content: piece });
  toolCalls.forEach((call, index) => {
    const start = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    // With no text before it, OpenAI puts the role in the first tool call's chunk.
    if (index === 0 && !hasContent) push({ role: 'assistant', content: null, tool_calls: [start], refusal: null });
    else push({ tool_calls: [start] });
    for (const piece of split(call.arguments)) push({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  push({}, finishReasonOf(options));
  events.push(`data: ${JSON.stringify({ ...head, choices: [], usage: usageOf(options) })}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}

/** An OpenAI error body, e.g. `openAiErrorJson('Rate limit reached', 'requests', 'rate_limit_exceeded')`. */
export function openAiErrorJson(message: string, type: string, code: string | null): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}

function finishReasonOf(options: ChatReplyOptions): string {
  return options.finishReason ?? (options.toolCalls?.length ? 'tool_calls' : 'stop');
}

function usageOf(options: ChatReplyOptions): Record<string, unknown> {
  const usage = options.usage ?? { prompt: 19, completion: 10 };
  return {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
    prompt_tokens_details: { cached_tokens: usage.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Splits into about four deltas by code point, so no delta ends inside a surrogate pair. */
function split(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const codePoints = Array.from(value);
  const size = Math.max(1, Math.ceil(codePoints.length / 4));
  const pieces: string[] = [];
  for (let start = 0; start < codePoints.length; start += size) {
    pieces.push(codePoints.slice(start, start + size).join(''));
  }
  return pieces;
}
