import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  FunctionTool,
  Message,
  ProviderOptions,
  ReasoningEffort,
  ReasoningOptions,
  ReasoningPart,
  ResponseFormat,
  SystemMessage,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  ToolResultPart,
  UserMessage,
} from '../../core/request';
import { applyReasoningSignature, hasReasoningSignature } from './carried-signature';
import { isObject, type JsonObject } from '../../core/json';

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

/** A call of the model turn being answered, for results that name no id. */
interface OpenCall {
  id: string;
  name: string;
  answered: boolean;
}

/**
 * Decodes a Gemini `generateContent` body. The model and whether to stream are in the URL
 * (see `decodeGeminiPath`), so this returns `model: ''` and `stream: false` for the server to
 * set. Both camelCase and snake_case field names are read, as Google's API accepts both.
 *
 * @see https://ai.google.dev/api/generate-content#request-body
 * @throws ProxyError('invalid_request') naming the offending field and how to fix it.
 */
export function decodeGeminiRequest(body: unknown): CanonicalRequest {
  if (!isObject(body)) throw invalid('The request body must be a JSON object with `contents`.');
  const contents = body.contents;
  if (!Array.isArray(contents)) {
    throw invalid('`contents` must be an array of {role, parts} turns, e.g. [{"role":"user","parts":[{"text":"Hi"}]}].', 'contents');
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

function decodeSystemInstruction(value: unknown): SystemMessage | undefined {
  if (typeof value === 'string') return value === '' ? undefined : { role: 'system', content: [{ type: 'text', text: value }] };
  if (!isObject(value) || !Array.isArray(value.parts)) {
    throw invalid('`systemInstruction` must be a content object: {"parts":[{"text":"…"}]}.', 'systemInstruction');
  }
  const content: TextPart[] = [];
  for (const part of value.parts) {
    if (isObject(part) && typeof part.text === 'string' && part.text !== '') content.push({ type: 'text', text: part.text });
  }
  return content.length > 0 ? { role: 'system', content } : undefined;
}

/**
 * Walks the turns. Consecutive model contents form one assistant message: the SDK's Chat
 * keeps each streamed chunk as its own content, and text or thought parts that follow each
 * other are joined back into one block. A signature stays with the block it came on; a
 * second signature starts a new block.
 */
class ContentsDecoder {
  private assistant: AssistantMessage | undefined;
  private open: TextPart | ReasoningPart | undefined;
  private calls: OpenCall[] = [];

  constructor(private readonly messages: Message[]) {}

  decode(contents: unknown[]): void {
    contents.forEach((content, index) => {
      const where = `contents[${index}]`;
      if (!isObject(content)) throw invalid(`\`${where}\` must be an object with \`role\` and \`parts\`.`, where);
      const parts = content.parts ?? [];
      if (!Array.isArray(parts)) throw invalid(`\`${where}.parts\` must be an array.`, `${where}.parts`);
      const role = content.role ?? 'user';
      if (role === 'model') this.decodeModel(parts, index);
      // `function` is the role older clients gave turns of function responses.
      else if (role === 'user' || role === 'function') this.decodeUser(parts, index);
      else throw invalid(`\`${where}.role\` must be "user" or "model", not ${JSON.stringify(role)}.`, `${where}.role`);
    });
  }

  private decodeModel(parts: unknown[], contentIndex: number): void {
    if (!this.assistant) {
      this.assistant = { role: 'assistant', content: [] };
      this.messages.push(this.assistant);
      this.open = undefined;
      this.calls = [];
    }
    const content = this.assistant.content;
    parts.forEach((part, partIndex) => {
      if (!isObject(part)) return;
      const signature = readString(part, 'thoughtSignature', 'thought_signature');
      const call = read(part, 'functionCall', 'function_call');
      if (isObject(call)) {
        const where = `contents[${contentIndex}].parts[${partIndex}].functionCall`;
        if (typeof call.name !== 'string' || call.name === '') throw invalid(`\`${where}.name\` must name the function.`, where);
        const id = typeof call.id === 'string' && call.id !== '' ? call.id : `call_${contentIndex}_${partIndex}`;
        const toolCall: AssistantMessage['content'][number] = {
          type: 'tool-call',
          id,
          name: call.name,
          input: JSON.stringify(isObject(call.args) ? call.args : {}),
        };
        if (signature !== undefined) toolCall.providerOptions = geminiOptions(signature);
        content.push(toolCall);
        this.calls.push({ id, name: call.name, answered: false });
        this.open = undefined;
        return;
      }
      if (typeof part.text !== 'string') return; // inline images, executable code: no canonical home
      const type = part.thought === true ? 'reasoning' : 'text';
      const open = this.open;
      if (open !== undefined && open.type === type && (signature === undefined || !hasSignature(open))) {
        open.text += part.text;
        if (signature !== undefined) sign(open, signature);
        return;
      }
      if (part.text === '' && signature === undefined) return;
      const block: TextPart | ReasoningPart = { type, text: part.text };
      if (signature !== undefined) sign(block, signature);
      content.push(block);
      this.open = block;
    });
  }

  private decodeUser(parts: unknown[], contentIndex: number): void {
    this.assistant = undefined;
    this.open = undefined;
    parts.forEach((part, partIndex) => {
      if (!isObject(part)) return;
      const where = `contents[${contentIndex}].parts[${partIndex}]`;
      const response = read(part, 'functionResponse', 'function_response');
      if (isObject(response)) {
        this.toolMessage().content.push(this.decodeFunctionResponse(response, `${where}.functionResponse`, contentIndex, partIndex));
        return;
      }
      if (typeof part.text === 'string') {
        if (part.text !== '') this.userMessage().content.push({ type: 'text', text: part.text });
        return;
      }
      const file = decodeFile(part, where);
      if (file) this.userMessage().content.push(file);
    });
  }

  /**
   * A function response answers the call with its id or, when the client sent none, the
   * first unanswered call of that name in the model turn before it.
   */
  private decodeFunctionResponse(response: JsonObject, where: string, contentIndex: number, partIndex: number): ToolResultPart {
    const name = typeof response.name === 'string' && response.name !== '' ? response.name : undefined;
    let id = typeof response.id === 'string' && response.id !== '' ? response.id : undefined;
    const call =
      id !== undefined
        ? this.calls.find((candidate) => candidate.id === id)
        : (this.calls.find((candidate) => !candidate.answered && candidate.name === name) ??
          (name === undefined ? this.calls.find((candidate) => !candidate.answered) : undefined));
    if (call) call.answered = true;
    id ??= call?.id ?? `call_${contentIndex}_${partIndex}`;
    const toolName = name ?? call?.name;
    if (toolName === undefined) throw invalid(`\`${where}.name\` must name the function whose result this is.`, where);
    const result: ToolResultPart = { type: 'tool-result', toolCallId: id, toolName, content: [] };
    const value = response.response;
    if (isObject(value)) {
      const keys = Object.keys(value);
      const only = keys.length === 1 ? keys[0] : undefined;
      // `output` and `error` are the documented keys; `result` and `content` are what Google's
      // own examples and many clients use.
      if (only === 'output' || only === 'result' || only === 'content' || only === 'error') {
        result.content.push({ type: 'text', text: asText(value[only]) });
        if (only === 'error') result.isError = true;
      } else {
        result.content.push({ type: 'text', text: JSON.stringify(value) });
      }
    }
    if (Array.isArray(response.parts)) {
      response.parts.forEach((part, index) => {
        const file = isObject(part) ? decodeFile(part, `${where}.parts[${index}]`) : undefined;
        if (file) result.content.push(file);
      });
    }
    return result;
  }

  private toolMessage(): ToolMessage {
    const last = this.messages[this.messages.length - 1];
    if (last?.role === 'tool') return last;
    const message: ToolMessage = { role: 'tool', content: [] };
    this.messages.push(message);
    return message;
  }

  private userMessage(): UserMessage {
    const last = this.messages[this.messages.length - 1];
    if (last?.role === 'user') return last;
    const message: UserMessage = { role: 'user', content: [] };
    this.messages.push(message);
    return message;
  }
}

/** `inlineData` is base64 bytes; `fileData` a Files API or public URI. */
function decodeFile(part: JsonObject, where: string): FilePart | undefined {
  const inline = read(part, 'inlineData', 'inline_data');
  if (isObject(inline)) {
    if (typeof inline.data !== 'string') throw invalid(`\`${where}.inlineData.data\` must be base64 text.`, where);
    return { type: 'file', mediaType: readString(inline, 'mimeType', 'mime_type') ?? 'application/octet-stream', data: { type: 'base64', data: inline.data } };
  }
  const file = read(part, 'fileData', 'file_data');
  if (isObject(file)) {
    const uri = readString(file, 'fileUri', 'file_uri');
    if (uri === undefined) throw invalid(`\`${where}.fileData.fileUri\` must be the file's URI.`, where);
    return { type: 'file', mediaType: readString(file, 'mimeType', 'mime_type') ?? 'application/octet-stream', data: { type: 'url', url: uri } };
  }
  return undefined;
}

/**
 * `functionDeclarations` become function tools; any other tool (`googleSearch`,
 * `codeExecution`, `urlContext`…) is Gemini's own and travels as a provider tool.
 *
 * @see https://ai.google.dev/api/caching#Tool
 */
function decodeTools(value: unknown): ToolDefinition[] {
  if (!Array.isArray(value)) throw invalid('`tools` must be an array, e.g. [{"functionDeclarations":[…]}].', 'tools');
  const tools: ToolDefinition[] = [];
  value.forEach((tool, index) => {
    if (!isObject(tool)) throw invalid(`\`tools[${index}]\` must be an object.`, `tools[${index}]`);
    for (const [key, entry] of Object.entries(tool)) {
      if (key === 'functionDeclarations' || key === 'function_declarations') {
        if (!Array.isArray(entry)) throw invalid(`\`tools[${index}].functionDeclarations\` must be an array.`, `tools[${index}]`);
        entry.forEach((declaration, position) => tools.push(decodeFunctionDeclaration(declaration, `tools[${index}].functionDeclarations[${position}]`)));
      } else {
        tools.push({ type: 'provider', api: 'gemini', name: key, raw: { [key]: entry } });
      }
    }
  });
  return tools;
}

function decodeFunctionDeclaration(value: unknown, where: string): FunctionTool {
  if (!isObject(value) || typeof value.name !== 'string' || value.name === '') {
    throw invalid(`\`${where}.name\` must name the function.`, where);
  }
  const tool: FunctionTool = { type: 'function', name: value.name, inputSchema: { type: 'object', properties: {} } };
  if (typeof value.description === 'string' && value.description !== '') tool.description = value.description;
  const jsonSchema = read(value, 'parametersJsonSchema', 'parameters_json_schema');
  if (isObject(jsonSchema)) tool.inputSchema = jsonSchema;
  else if (isObject(value.parameters)) tool.inputSchema = fromOpenApiSchema(value.parameters) as JsonObject;
  return tool;
}

/**
 * Gemini's older `parameters` and `responseSchema` use an OpenAPI 3.0 subset: upper-case
 * types (`OBJECT`) and `nullable`. Other providers want JSON Schema, so types are lower-cased,
 * `nullable` becomes a `null` type, and Gemini's `propertyOrdering` is dropped.
 *
 * @see https://ai.google.dev/api/caching#Schema
 */
function fromOpenApiSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'type':
        if (typeof value === 'string' && value !== 'TYPE_UNSPECIFIED') result.type = value.toLowerCase();
        break;
      case 'properties':
        if (isObject(value)) {
          const properties: JsonObject = {};
          for (const [name, property] of Object.entries(value)) properties[name] = fromOpenApiSchema(property);
          result.properties = properties;
        }
        break;
      case 'items':
        result.items = fromOpenApiSchema(value);
        break;
      case 'anyOf':
        result.anyOf = Array.isArray(value) ? value.map(fromOpenApiSchema) : value;
        break;
      case 'nullable':
      case 'propertyOrdering':
        break;
      default:
        result[key] = value;
    }
  }
  if (schema.nullable === true && typeof result.type === 'string') result.type = [result.type, 'null'];
  return result;
}

/** @see https://ai.google.dev/api/caching#FunctionCallingConfig */
function decodeToolConfig(value: unknown): ToolChoice | undefined {
  if (!isObject(value)) throw invalid('`toolConfig` must be an object.', 'toolConfig');
  const config = read(value, 'functionCallingConfig', 'function_calling_config');
  if (!isObject(config)) return undefined;
  const mode = typeof config.mode === 'string' ? config.mode.toUpperCase() : 'AUTO';
  switch (mode) {
    case 'NONE':
      return { type: 'none' };
    case 'ANY': {
      const allowed = read(config, 'allowedFunctionNames', 'allowed_function_names');
      // Canonical choice names one tool or any; several allowed names widen to any.
      if (Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === 'string') return { type: 'tool', name: allowed[0] };
      return { type: 'required' };
    }
    default:
      return { type: 'auto' };
  }
}

/**
 * Sampling, output format and thinking. Fields with no canonical home (`candidateCount`,
 * `responseModalities`, `speechConfig`…) are kept in `providerOptions.gemini.generationConfig`
 * for a Gemini provider.
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerationConfig
 */
function decodeGenerationConfig(value: unknown, request: CanonicalRequest): void {
  if (!isObject(value)) throw invalid('`generationConfig` must be an object.', 'generationConfig');
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

/** A text part's signature is Gemini's; a thought's may carry another provider's (see carried-signature). */
function sign(block: TextPart | ReasoningPart, signature: string): void {
  if (block.type === 'reasoning') applyReasoningSignature(block, signature);
  else block.providerOptions = geminiOptions(signature);
}

function hasSignature(block: TextPart | ReasoningPart): boolean {
  return block.type === 'reasoning' ? hasReasoningSignature(block) : block.providerOptions?.gemini?.thoughtSignature !== undefined;
}

function geminiOptions(thoughtSignature: string): ProviderOptions {
  return { gemini: { thoughtSignature } };
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function read(object: JsonObject, camel: string, snake: string): unknown {
  const value = object[camel];
  return value !== undefined ? value : object[snake];
}

function readString(object: JsonObject, camel: string, snake: string): string | undefined {
  const value = read(object, camel, snake);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readNumber(object: JsonObject, camel: string, snake: string, where = 'generationConfig'): number | undefined {
  const value = read(object, camel, snake);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`\`${where}.${camel}\` must be a number.`, `${where}.${camel}`);
  }
  return value;
}

function invalid(message: string, param?: string): ProxyError {
  return new ProxyError('invalid_request', message, param === undefined ? {} : { param });
}

