import type { CanonicalRequest, Message, ReasoningEffort, ReasoningOptions, ResponseFormat } from '../../core/request';
import { responsesProviderOptions, withResponsesOptions } from '../../providers/openai-responses/responses-options';
import { isObject, type JsonObject } from '../../core/json';
import {
  invalidRequest,
  isPresent,
  optionalBoolean,
  optionalNumber,
  optionalPositiveInteger,
  optionalString,
} from '../decode-fields';
import { decodeInput } from './decode-messages';
import { decodeToolChoice, decodeTools } from './decode-tools';

/** Top-level fields with a canonical home; every other field travels in `extraBody`. */
const canonicalFields = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'reasoning',
  'text',
  'user',
  'stream',
]);

const canonicalEfforts = new Set<string>(['minimal', 'low', 'medium', 'high']);
const summaryModes = new Set<string>(['auto', 'concise', 'detailed']);

/**
 * Decodes a Responses API request body (`POST /v1/responses`).
 *
 * `instructions` becomes a leading system message (its text marked `instructions`, so it can
 * be echoed and sent back as such); input items become messages in order, with consecutive
 * assistant-side items (output messages, reasoning, function calls) in one assistant message
 * and consecutive `function_call_output` items in one tool message. Items the canonical model
 * cannot express (`web_search_call`, `item_reference`, `local_shell_call`, `compaction`…) ride
 * verbatim on an empty text part of the assistant message (`providerOptions.openai.item`):
 * in place, so a Responses provider gets them back where the client put them, and invisible
 * to other providers, which could not use them anyway.
 *
 * The request always carries `extraBody` with format `openai-responses`, even when empty:
 * that is how the Responses provider encoder knows to keep this client's own choices (such
 * as `store`) instead of applying its defaults.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export function decodeResponsesRequest(body: unknown): CanonicalRequest {
  if (!isObject(body)) {
    throw invalidRequest('The request body must be a JSON object with `model` and `input`.');
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalidRequest('`model` is required: name the model to call, for example "gpt-5".', 'model');
  }
  const messages: Message[] = [];
  const instructions = optionalString(body.instructions, 'instructions');
  if (instructions !== undefined && instructions !== '') {
    messages.push({
      role: 'system',
      content: [{ type: 'text', text: instructions, providerOptions: responsesProviderOptions({ instructions: true }) }],
    });
  }
  if (isPresent(body.input)) decodeInput(body.input, messages);

  const stream = optionalBoolean(body.stream, 'stream');
  const request: CanonicalRequest = { model: body.model, messages, stream: stream === true };
  const fields: JsonObject = {};

  if (isPresent(body.tools)) request.tools = decodeTools(body.tools);
  if (isPresent(body.tool_choice)) {
    const choice = decodeToolChoice(body.tool_choice);
    if (choice) request.toolChoice = choice;
    else fields.tool_choice = body.tool_choice;
  }
  const parallelToolCalls = optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls');
  if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;
  const maxOutputTokens = optionalPositiveInteger(body.max_output_tokens, 'max_output_tokens');
  if (maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens;
  const temperature = optionalNumber(body.temperature, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body.top_p, 'top_p');
  if (topP !== undefined) request.topP = topP;
  if (isPresent(body.reasoning)) decodeReasoning(body.reasoning, request);
  if (isPresent(body.text)) {
    if (!isObject(body.text)) throw invalidRequest('`text` must be an object such as {"format": {"type": "text"}}.', 'text');
    const { format, ...rest } = body.text;
    if (isPresent(format)) request.responseFormat = decodeResponseFormat(format);
    // `verbosity` and anything newer stay with the client's format.
    if (Object.keys(rest).length > 0) fields.text = rest;
  }
  const user = optionalString(body.user, 'user');
  if (user !== undefined) request.user = user;

  for (const key in body) {
    if (!canonicalFields.has(key) && body[key] !== undefined) fields[key] = body[key];
  }
  request.extraBody = { format: 'openai-responses', fields };
  return request;
}

/**
 * `reasoning.effort` and `reasoning.summary`. Efforts the canonical model lacks (`none`,
 * `xhigh`) are kept as sent in `providerOptions.openai.reasoningEffort`.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-reasoning
 */
function decodeReasoning(reasoning: unknown, request: CanonicalRequest): void {
  if (!isObject(reasoning)) throw invalidRequest('`reasoning` must be an object such as {"effort": "medium"}.', 'reasoning');
  const options: ReasoningOptions = { enabled: true };
  const effort = reasoning.effort;
  if (isPresent(effort)) {
    if (typeof effort !== 'string') throw invalidRequest('`reasoning.effort` must be a string such as "low", "medium" or "high".', 'reasoning.effort');
    if (canonicalEfforts.has(effort)) options.effort = effort as ReasoningEffort;
    else {
      if (effort === 'none') options.enabled = false;
      else if (effort === 'xhigh') options.effort = 'high';
      withResponsesOptions(request, { reasoningEffort: effort });
    }
  }
  // `generate_summary` is the deprecated name of `summary`.
  const summary = isPresent(reasoning.summary) ? reasoning.summary : reasoning.generate_summary;
  if (isPresent(summary)) {
    if (typeof summary !== 'string' || !summaryModes.has(summary)) {
      throw invalidRequest('`reasoning.summary` must be "auto", "concise" or "detailed".', 'reasoning.summary');
    }
    options.summary = summary as ReasoningOptions['summary'];
  }
  request.reasoning = options;
}

/** @see https://platform.openai.com/docs/guides/structured-outputs */
function decodeResponseFormat(format: unknown): ResponseFormat {
  if (!isObject(format)) throw invalidRequest('`text.format` must be an object such as {"type": "text"}.', 'text.format');
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      if (!isObject(format.schema)) {
        throw invalidRequest('`text.format.schema` must be a JSON Schema object when `text.format.type` is "json_schema".', 'text.format.schema');
      }
      const decoded: ResponseFormat = { type: 'json-schema', schema: format.schema };
      if (typeof format.name === 'string') decoded.name = format.name;
      if (typeof format.strict === 'boolean') decoded.strict = format.strict;
      return decoded;
    }
    default:
      throw invalidRequest('`text.format.type` must be "text", "json_object" or "json_schema".', 'text.format.type');
  }
}
