import type { CanonicalRequest, ReasoningEffort, ResponseFormat } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest, optionalBoolean, optionalNumber, optionalString } from '../decode-fields';
import { decodeMessages } from './decode-messages';
import { decodeToolChoice, decodeTools } from './decode-tools';

/**
 * Top-level fields with a canonical home. Everything else the client sent (`n`, `logprobs`,
 * `metadata`, `store`, `service_tier`, `stream_options`…) travels in `extraBody`.
 */
const canonicalFields = new Set([
  'model',
  'messages',
  'tools',
  'functions',
  'tool_choice',
  'function_call',
  'parallel_tool_calls',
  'max_completion_tokens',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'reasoning_effort',
  'response_format',
  'user',
  'stream',
]);

const reasoningEfforts = new Set<string>(['minimal', 'low', 'medium', 'high']);

/**
 * Decodes a Chat Completions request body into the canonical request.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @throws ProxyError('invalid_request') naming the offending field and how to fix it.
 */
export function decodeChatRequest(body: unknown): CanonicalRequest {
  if (!isObject(body)) {
    throw invalidRequest('The request body must be a JSON object with `model` and `messages`.');
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalidRequest('`model` must be a non-empty string naming the model, e.g. "gpt-4o-mini".', 'model');
  }
  if (!Array.isArray(body.messages)) {
    throw invalidRequest('`messages` must be an array of chat messages, e.g. [{"role":"user","content":"Hi"}].', 'messages');
  }

  const request: CanonicalRequest = {
    model: body.model,
    messages: decodeMessages(body.messages),
    stream: optionalBoolean(body.stream, 'stream') ?? false,
  };

  const tools = decodeTools(body);
  if (tools) request.tools = tools;
  const toolChoice = decodeToolChoice(body);
  if (toolChoice) request.toolChoice = toolChoice;
  const parallelToolCalls = optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;

  const maxOutputTokens = optionalNumber(body.max_completion_tokens, 'max_completion_tokens') ?? optionalNumber(body.max_tokens, 'max_tokens');
  if (maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens;
  const temperature = optionalNumber(body.temperature, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body.top_p, 'top_p');
  if (topP !== undefined) request.topP = topP;
  const stopSequences = decodeStop(body.stop);
  if (stopSequences) request.stopSequences = stopSequences;
  const seed = optionalNumber(body.seed, 'seed');
  if (seed !== undefined) request.seed = seed;
  const presencePenalty = optionalNumber(body.presence_penalty, 'presence_penalty');
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const frequencyPenalty = optionalNumber(body.frequency_penalty, 'frequency_penalty');
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;

  decodeReasoningEffort(body.reasoning_effort, request);
  const responseFormat = decodeResponseFormat(body.response_format);
  if (responseFormat) request.responseFormat = responseFormat;
  const user = optionalString(body.user, 'user');
  if (user !== undefined) request.user = user;

  let fields: JsonObject | undefined;
  for (const key in body) {
    if (canonicalFields.has(key)) continue;
    fields ??= {};
    fields[key] = body[key];
  }
  if (fields) request.extraBody = { format: 'openai-chat', fields };
  return request;
}

function decodeStop(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return stop.length > 0 ? stop : undefined;
  throw invalidRequest('`stop` must be a string or an array of strings.', 'stop');
}

/**
 * Maps `reasoning_effort`. Chat Completions also knows `none` and `xhigh`, and compatible
 * providers add their own values (Groq's `default`): those have no canonical twin, so the
 * wire value is kept in `providerOptions.openai.reasoningEffort` and an OpenAI-compatible
 * encoder sends it back unchanged.
 */
function decodeReasoningEffort(effort: unknown, request: CanonicalRequest): void {
  if (effort === undefined || effort === null) return;
  if (typeof effort !== 'string') {
    throw invalidRequest('`reasoning_effort` must be a string such as "low", "medium" or "high".', 'reasoning_effort');
  }
  if (reasoningEfforts.has(effort)) {
    request.reasoning = { enabled: true, effort: effort as ReasoningEffort };
    return;
  }
  if (effort === 'none') request.reasoning = { enabled: false };
  else if (effort === 'xhigh') request.reasoning = { enabled: true, effort: 'high' };
  else request.reasoning = { enabled: true };
  request.providerOptions = {
    ...request.providerOptions,
    openai: { ...request.providerOptions?.openai, reasoningEffort: effort },
  };
}

function decodeResponseFormat(format: unknown): ResponseFormat | undefined {
  if (format === undefined || format === null) return undefined;
  if (isObject(format)) {
    if (format.type === 'text') return { type: 'text' };
    if (format.type === 'json_object') return { type: 'json' };
    if (format.type === 'json_schema' && isObject(format.json_schema) && isObject(format.json_schema.schema)) {
      const definition = format.json_schema;
      const decoded: ResponseFormat = { type: 'json-schema', schema: definition.schema as JsonObject };
      if (typeof definition.name === 'string') decoded.name = definition.name;
      if (typeof definition.strict === 'boolean') decoded.strict = definition.strict;
      return decoded;
    }
  }
  throw invalidRequest(
    '`response_format` must be {"type":"text"}, {"type":"json_object"} or {"type":"json_schema","json_schema":{"name":"…","schema":{…}}}.',
    'response_format',
  );
}
