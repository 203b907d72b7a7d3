import type { CanonicalRequest } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import {
  colonWording,
  hasOnlyKeys,
  invalidRequest,
  optionalBoolean,
  optionalNumber,
  optionalPositiveInteger,
  optionalStringArray,
} from '../decode-fields';
import type { DecodeState } from './decode-content';
import { decodeMessages, decodeSystemContent } from './decode-messages';
import { decodeToolChoice, decodeTools } from './decode-tools';

/**
 * Top-level fields with a canonical home. Everything else a client sends (`service_tier`,
 * `container`, `mcp_servers`, `context_management`…) goes to `extraBody`, which the
 * Anthropic provider encoder copies back and other encoders drop.
 */
const canonicalFields: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'output_config',
]);

/**
 * Decodes a Messages API body (`POST /v1/messages`) into a canonical request.
 * Throws `ProxyError('invalid_request')` naming the offending field and how to fix it.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export function decodeMessagesRequest(body: unknown): CanonicalRequest {
  return decodeBody(body, true);
}

/**
 * Decodes a token-counting body (`POST /v1/messages/count_tokens`): the same shape as a
 * Messages body without `max_tokens`.
 *
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function decodeCountTokensRequest(body: unknown): CanonicalRequest {
  return decodeBody(body, false);
}

function decodeBody(body: unknown, requireMaxTokens: boolean): CanonicalRequest {
  if (!isObject(body)) {
    throw invalidRequest('The request body must be a JSON object with `model`, `max_tokens` and `messages`.');
  }
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    throw invalidRequest('model: Field required. Name the model to use, for example "claude-sonnet-4-5".', 'model');
  }
  if (!Array.isArray(body.messages)) {
    throw invalidRequest('messages: Field required. Send an array of {"role": "user" | "assistant", "content": ...} turns.', 'messages');
  }
  const stream = optionalBoolean(body.stream, 'stream', colonWording);
  const request: CanonicalRequest = { model, messages: [], stream: stream === true };
  const state: DecodeState = { toolNames: new Map() };

  if (body.system !== undefined && body.system !== null) {
    request.messages.push({ role: 'system', content: decodeSystemContent(body.system, 'system') });
  }
  decodeMessages(body.messages, request.messages, state);

  const maxTokens = optionalPositiveInteger(body.max_tokens, 'max_tokens', colonWording);
  if (maxTokens !== undefined) {
    request.maxOutputTokens = maxTokens;
  } else if (requireMaxTokens) {
    throw invalidRequest(
      'max_tokens: Field required. The Anthropic Messages API needs the largest number of tokens to generate, for example "max_tokens": 4096.',
      'max_tokens',
    );
  }

  const temperature = optionalNumber(body.temperature, 'temperature', colonWording);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body.top_p, 'top_p', colonWording);
  if (topP !== undefined) request.topP = topP;
  const topK = optionalNumber(body.top_k, 'top_k', colonWording);
  if (topK !== undefined) request.topK = topK;

  const stopSequences = optionalStringArray(body.stop_sequences, 'stop_sequences', colonWording);
  if (stopSequences !== undefined) request.stopSequences = stopSequences;

  if (body.tools !== undefined && body.tools !== null) request.tools = decodeTools(body.tools);
  if (body.tool_choice !== undefined && body.tool_choice !== null) decodeToolChoice(body.tool_choice, request);
  if (body.thinking !== undefined && body.thinking !== null) decodeThinking(body.thinking, request);

  let extraFields: JsonObject | undefined;
  const metadata = body.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) throw invalidRequest('metadata: must be an object such as {"user_id": "…"}.', 'metadata');
    const userId = metadata.user_id;
    if (typeof userId === 'string') request.user = userId;
    // Anything beyond user_id has no canonical home: keep the whole object for Anthropic.
    for (const key in metadata) {
      if (key !== 'user_id') {
        (extraFields ??= {}).metadata = metadata;
        break;
      }
    }
  }
  const outputConfig = body.output_config;
  if (outputConfig !== undefined && outputConfig !== null) {
    if (!decodeOutputConfig(outputConfig, request)) (extraFields ??= {}).output_config = outputConfig;
  }

  for (const key in body) {
    if (!canonicalFields.has(key)) (extraFields ??= {})[key] = body[key];
  }
  if (extraFields) request.extraBody = { format: 'anthropic-messages', fields: extraFields };
  return request;
}

/**
 * `{type: "enabled", budget_tokens}` is canonical reasoning. Any other shape (adaptive,
 * `display`, types newer than this code) also rides verbatim in
 * `providerOptions.anthropic.thinking`, which the Anthropic encoder prefers.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
function decodeThinking(thinking: unknown, request: CanonicalRequest): void {
  if (!isObject(thinking) || typeof thinking.type !== 'string') {
    throw invalidRequest('thinking: must be an object such as {"type": "enabled", "budget_tokens": 4096}.', 'thinking');
  }
  let plain = false;
  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (!Number.isInteger(budget)) throw invalidRequest('thinking.budget_tokens: Field required when thinking is enabled; use at least 1024.', 'thinking');
    request.reasoning = { enabled: true, budgetTokens: budget as number };
    plain = hasOnlyKeys(thinking, 'type', 'budget_tokens');
  } else if (thinking.type === 'disabled') {
    request.reasoning = { enabled: false };
    plain = hasOnlyKeys(thinking, 'type');
  } else {
    request.reasoning = { enabled: true };
  }
  if (!plain) (request.providerOptions ??= {}).anthropic = { ...request.providerOptions?.anthropic, thinking };
}

/**
 * `output_config.format` is a JSON-schema response format and `output_config.effort` an
 * Anthropic effort level. Returns false when the object holds anything else, so the caller
 * keeps it whole for Anthropic.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs
 */
function decodeOutputConfig(config: unknown, request: CanonicalRequest): boolean {
  if (!isObject(config)) throw invalidRequest('output_config: must be an object.', 'output_config');
  for (const key in config) if (key !== 'format' && key !== 'effort') return false;
  const format = config.format;
  if (format !== undefined && format !== null) {
    if (!isObject(format) || format.type !== 'json_schema' || !isObject(format.schema) || !hasOnlyKeys(format, 'type', 'schema')) return false;
    request.responseFormat = { type: 'json-schema', schema: format.schema };
  }
  if (config.effort !== undefined && config.effort !== null) {
    (request.providerOptions ??= {}).anthropic = { ...request.providerOptions?.anthropic, effort: config.effort };
  }
  return true;
}
