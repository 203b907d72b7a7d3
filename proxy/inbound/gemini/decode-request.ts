import type { CanonicalRequest, Message, ReasoningEffort, ReasoningOptions, ResponseFormat } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';
import { ContentsDecoder, decodeSystemInstruction } from './decode-messages';
import { decodeToolConfig, decodeTools } from './decode-tools';
import { fromOpenApiSchema } from './openapi-schema';
import { read, readNumber, readString } from './read-field';

/**
 * Top-level fields with a canonical home, in both spellings Google's JSON parser accepts
 * (curl examples in Google's docs use `system_instruction`). Everything else the client sent
 * (`safetySettings`, `cachedContent`, `labels`…) travels in `extraBody`.
 */
const canonicalFields = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'tools',
  'toolConfig',
  'tool_config',
  'generationConfig',
  'generation_config',
  // The model is in the URL; a stray copy in the body must not reach the provider.
  'model',
]);

/** generationConfig fields with a canonical home; the rest stay with Gemini. */
const canonicalGenerationFields = new Set([
  'maxOutputTokens',
  'max_output_tokens',
  'temperature',
  'topP',
  'top_p',
  'topK',
  'top_k',
  'stopSequences',
  'stop_sequences',
  'seed',
  'presencePenalty',
  'presence_penalty',
  'frequencyPenalty',
  'frequency_penalty',
  'thinkingConfig',
  'thinking_config',
]);

const efforts = new Set<string>(['minimal', 'low', 'medium', 'high']);

/**
 * Decodes a Gemini `generateContent` body. The model and whether to stream are in the URL
 * (see `decodeGeminiPath`), so this returns `model: ''` and `stream: false` for the server to
 * set. Both camelCase and snake_case field names are read, as Google's API accepts both.
 *
 * @see https://ai.google.dev/api/generate-content#request-body
 * @throws ProxyError('invalid_request') naming the offending field and how to fix it.
 */
export function decodeGeminiRequest(body: unknown): CanonicalRequest {
  if (!isObject(body)) throw invalidRequest('The request body must be a JSON object with `contents`.');
  const contents = body.contents;
  if (!Array.isArray(contents)) {
    throw invalidRequest('`contents` must be an array of {role, parts} turns, e.g. [{"role":"user","parts":[{"text":"Hi"}]}].', 'contents');
  }
  const messages: Message[] = [];
  const system = read(body, 'systemInstruction', 'system_instruction');
  if (system !== undefined) {
    const message = decodeSystemInstruction(system);
    if (message) messages.push(message);
  }
  new ContentsDecoder(messages).decode(contents);

  // A model turn of only parts with no canonical home (inline images, executable code)
  // would be an empty assistant message, which other providers reject.
  const request: CanonicalRequest = { model: '', messages: messages.filter((message) => message.content.length > 0), stream: false };
  const tools = body.tools;
  if (tools !== undefined) {
    const decoded = decodeTools(tools);
    if (decoded.length > 0) request.tools = decoded;
  }
  const toolConfig = read(body, 'toolConfig', 'tool_config');
  if (toolConfig !== undefined) {
    const choice = decodeToolConfig(toolConfig);
    if (choice) request.toolChoice = choice;
  }
  const generationConfig = read(body, 'generationConfig', 'generation_config');
  if (generationConfig !== undefined) decodeGenerationConfig(generationConfig, request);

  let extra: JsonObject | undefined;
  for (const key of Object.keys(body)) {
    if (canonicalFields.has(key)) continue;
    extra ??= {};
    extra[key] = body[key];
  }
  if (extra) request.extraBody = { format: 'gemini', fields: extra };
  return request;
}

/**
 * Sampling, output format and thinking. Fields with no canonical home (`candidateCount`,
 * `responseModalities`, `speechConfig`…) are kept in `providerOptions.gemini.generationConfig`
 * for a Gemini provider.
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerationConfig
 */
function decodeGenerationConfig(value: unknown, request: CanonicalRequest): void {
  if (!isObject(value)) throw invalidRequest('`generationConfig` must be an object.', 'generationConfig');
  const maxOutputTokens = readNumber(value, 'maxOutputTokens', 'max_output_tokens');
  if (maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens;
  const temperature = readNumber(value, 'temperature', 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = readNumber(value, 'topP', 'top_p');
  if (topP !== undefined) request.topP = topP;
  const topK = readNumber(value, 'topK', 'top_k');
  if (topK !== undefined) request.topK = topK;
  const seed = readNumber(value, 'seed', 'seed');
  if (seed !== undefined) request.seed = seed;
  const presencePenalty = readNumber(value, 'presencePenalty', 'presence_penalty');
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const frequencyPenalty = readNumber(value, 'frequencyPenalty', 'frequency_penalty');
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;
  const stop = read(value, 'stopSequences', 'stop_sequences');
  if (Array.isArray(stop)) request.stopSequences = stop.filter((item): item is string => typeof item === 'string');

  const gemini: JsonObject = {};
  const format = decodeResponseFormat(value);
  if (format) request.responseFormat = format;
  const thinking = read(value, 'thinkingConfig', 'thinking_config');
  if (isObject(thinking)) {
    const reasoning = decodeThinkingConfig(thinking, gemini);
    if (reasoning) request.reasoning = reasoning;
  }

  let extra: JsonObject | undefined;
  for (const key of Object.keys(value)) {
    if (canonicalGenerationFields.has(key) || (format !== undefined && isResponseFormatField(key))) continue;
    extra ??= {};
    extra[key] = value[key];
  }
  if (extra) gemini.generationConfig = extra;
  if (Object.keys(gemini).length > 0) request.providerOptions = { gemini };
}

/**
 * JSON output: `responseMimeType: application/json`, with a schema in `responseJsonSchema`
 * (JSON Schema) or `responseSchema` (OpenAPI subset). Other MIME types (`text/x.enum`) stay
 * with Gemini.
 */
function decodeResponseFormat(config: JsonObject): ResponseFormat | undefined {
  const mimeType = readString(config, 'responseMimeType', 'response_mime_type');
  if (mimeType !== 'application/json') return mimeType === 'text/plain' ? { type: 'text' } : undefined;
  const jsonSchema = read(config, 'responseJsonSchema', 'response_json_schema');
  if (isObject(jsonSchema)) return { type: 'json-schema', schema: jsonSchema };
  const schema = read(config, 'responseSchema', 'response_schema');
  if (isObject(schema)) return { type: 'json-schema', schema: fromOpenApiSchema(schema) as JsonObject };
  return { type: 'json' };
}

function isResponseFormatField(key: string): boolean {
  return (
    key === 'responseMimeType' ||
    key === 'response_mime_type' ||
    key === 'responseJsonSchema' ||
    key === 'response_json_schema' ||
    key === 'responseSchema' ||
    key === 'response_schema'
  );
}

/**
 * A zero budget turns thinking off; a budget, a level or a request for thoughts turns it on.
 * The level and a refusal of thought summaries are kept for a Gemini provider.
 *
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
function decodeThinkingConfig(config: JsonObject, gemini: JsonObject): ReasoningOptions | undefined {
  const budget = readNumber(config, 'thinkingBudget', 'thinking_budget', 'generationConfig.thinkingConfig');
  const include = read(config, 'includeThoughts', 'include_thoughts');
  const level = readString(config, 'thinkingLevel', 'thinking_level');
  if (budget === 0) return { enabled: false, budgetTokens: 0 };
  if (budget === undefined && level === undefined && include !== true) return undefined;
  const reasoning: ReasoningOptions = { enabled: true };
  // -1 is "let the model decide", which is what no budget means elsewhere.
  if (budget !== undefined && budget > 0) reasoning.budgetTokens = budget;
  if (level !== undefined) {
    gemini.thinkingLevel = level;
    const effort = level.toLowerCase();
    if (efforts.has(effort)) reasoning.effort = effort as ReasoningEffort;
  }
  if (include === false) gemini.includeThoughts = false;
  return reasoning;
}
