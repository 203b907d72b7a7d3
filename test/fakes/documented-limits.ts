import type { RecordedRequest } from './fake-upstream';

/**
 * Limits the real providers enforce, as their documentation states them, for the models the
 * tests use: a fake that accepted what the real API refuses let "route Claude Code to
 * gpt-4o-mini" pass every test and fail in practice. Each refusal is the provider's own 400.
 */
interface ModelLimits {
  /** Most output tokens per call. */
  output: number;
  /** Context window: input plus output tokens. */
  context: number;
}

/**
 * @see https://platform.openai.com/docs/models/gpt-4o-mini (16,384 output, 128,000 context)
 * @see https://console.groq.com/docs/models (llama-3.3-70b-versatile: 32,768 output, 131,072 context)
 * @see https://docs.anthropic.com/en/docs/about-claude/models/overview (Sonnet 4 and 4.5: 64,000 output)
 * @see https://ai.google.dev/gemini-api/docs/models#gemini-2.5-flash (65,536 output, 1,048,576 input)
 */
export const documentedLimits: Readonly<Record<string, ModelLimits>> = {
  'gpt-4o-mini': { output: 16_384, context: 128_000 },
  'gpt-4o': { output: 16_384, context: 128_000 },
  'llama-3.3-70b-versatile': { output: 32_768, context: 131_072 },
  'claude-sonnet-4-5': { output: 64_000, context: 200_000 },
  'claude-sonnet-4-20250514': { output: 64_000, context: 200_000 },
  'gemini-2.5-flash': { output: 65_536, context: 1_048_576 + 65_536 },
};

/** OpenAI: "Invalid 'tools': array too long. Expected an array with maximum length 128". */
const maximumTools = 128;

/** The 400 the real provider answers for a request over a documented limit, or undefined. */
export function limitRefusal(request: RecordedRequest): { status: number; json: unknown } | undefined {
  const body = request.json as Record<string, any> | undefined;
  if (body === undefined || request.method !== 'POST') return undefined;
  const url = request.url;
  if (url.includes('/chat/completions')) {
    const limits = documentedLimits[String(body.model)];
    const field = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
    const asked = body[field];
    if (limits && typeof asked === 'number' && asked > limits.output) {
      return openAiRefusal(`max_tokens is too large: ${asked}. This model supports at most ${limits.output} completion tokens, whereas you provided ${asked}.`, field);
    }
    if (Array.isArray(body.tools) && body.tools.length > maximumTools) return openAiRefusal(`Invalid 'tools': array too long. Expected an array with maximum length ${maximumTools}, but got an array with length ${body.tools.length} instead.`, 'tools');
    if (limits && contextTokens(request) + (typeof asked === 'number' ? asked : 0) > limits.context) {
      return openAiRefusal(`This model's maximum context length is ${limits.context} tokens. However, you requested more tokens.`, 'messages', 'context_length_exceeded');
    }
  } else if (url.includes('/responses')) {
    const limits = documentedLimits[String(body.model)];
    const asked = body.max_output_tokens;
    if (limits && typeof asked === 'number' && asked > limits.output) {
      return openAiRefusal(`Invalid 'max_output_tokens': integer above maximum value. Expected a value <= ${limits.output}, but got ${asked} instead.`, 'max_output_tokens');
    }
    if (Array.isArray(body.tools) && body.tools.length > maximumTools) return openAiRefusal(`Invalid 'tools': array too long. Expected an array with maximum length ${maximumTools}.`, 'tools');
  } else if (url.includes('/messages') && !url.includes('count_tokens')) {
    const limits = documentedLimits[String(body.model)];
    if (limits && typeof body.max_tokens === 'number' && body.max_tokens > limits.output) {
      return { status: 400, json: { type: 'error', error: { type: 'invalid_request_error', message: `max_tokens: ${body.max_tokens} > ${limits.output}, which is the maximum allowed number of output tokens for ${body.model}` } } };
    }
  } else if (url.includes(':generateContent') || url.includes(':streamGenerateContent')) {
    const model = decodeURIComponent(url.slice(url.indexOf('/models/') + '/models/'.length, url.lastIndexOf(':')));
    const limits = documentedLimits[model];
    const asked = body.generationConfig?.maxOutputTokens;
    if (limits && typeof asked === 'number' && asked > limits.output) {
      return { status: 400, json: { error: { code: 400, message: `Unable to submit request because it has a maxOutputTokens value of ${asked} but the supported range is from 1 (inclusive) to ${limits.output + 1} (exclusive). Update the value and try again.`, status: 'INVALID_ARGUMENT' } } };
    }
  }
  return undefined;
}

function openAiRefusal(message: string, param: string, code = 'invalid_value'): { status: number; json: unknown } {
  return { status: 400, json: { error: { message, type: 'invalid_request_error', param, code } } };
}

/** A rough count (four characters a token), enough to catch a prompt far past the window. */
function contextTokens(request: RecordedRequest): number {
  return Math.ceil(request.raw.length / 4);
}
