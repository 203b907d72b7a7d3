import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  FunctionTool,
  Message,
  ReasoningEffort,
  ResponseFormat,
  SystemMessage,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  ToolResultPart,
  UserMessage,
} from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';

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
    throw invalid('The request body must be a JSON object with `model` and `messages`.');
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalid('`model` must be a non-empty string naming the model, e.g. "gpt-4o-mini".', 'model');
  }
  if (!Array.isArray(body.messages)) {
    throw invalid('`messages` must be an array of chat messages, e.g. [{"role":"user","content":"Hi"}].', 'messages');
  }

  const request: CanonicalRequest = {
    model: body.model,
    messages: decodeMessages(body.messages),
    stream: optionalBoolean(body, 'stream') ?? false,
  };

  const tools = decodeTools(body);
  if (tools) request.tools = tools;
  const toolChoice = decodeToolChoice(body);
  if (toolChoice) request.toolChoice = toolChoice;
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;

  const maxOutputTokens = optionalNumber(body, 'max_completion_tokens') ?? optionalNumber(body, 'max_tokens');
  if (maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens;
  const temperature = optionalNumber(body, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) request.topP = topP;
  const stopSequences = decodeStop(body.stop);
  if (stopSequences) request.stopSequences = stopSequences;
  const seed = optionalNumber(body, 'seed');
  if (seed !== undefined) request.seed = seed;
  const presencePenalty = optionalNumber(body, 'presence_penalty');
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const frequencyPenalty = optionalNumber(body, 'frequency_penalty');
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;

  decodeReasoningEffort(body.reasoning_effort, request);
  const responseFormat = decodeResponseFormat(body.response_format);
  if (responseFormat) request.responseFormat = responseFormat;
  const user = optionalString(body, 'user');
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

function decodeMessages(wireMessages: unknown[]): Message[] {
  const messages: Message[] = [];
  // Legacy `function` messages name the function, not a call id: remember the id we gave
  // each assistant `function_call` so the result can point back at it.
  const legacyCallIds = new Map<string, string>();
  for (let index = 0; index < wireMessages.length; index++) {
    const wire = wireMessages[index];
    const path = `messages[${index}]`;
    if (!isObject(wire)) throw invalid(`\`${path}\` must be an object with a \`role\`.`, path);
    const role = wire.role;
    if (typeof role !== 'string') {
      throw invalid(`\`${path}.role\` is missing; use one of system, developer, user, assistant or tool.`, `${path}.role`);
    }
    switch (role) {
      case 'system':
      case 'developer': {
        const message: SystemMessage = { role: 'system', content: decodeTextContent(wire.content, path) };
        if (role === 'developer') message.variant = 'developer';
        messages.push(message);
        break;
      }
      case 'user':
        messages.push(decodeUserMessage(wire, path));
        break;
      case 'assistant':
        messages.push(decodeAssistantMessage(wire, path, index, legacyCallIds));
        break;
      case 'tool': {
        if (typeof wire.tool_call_id !== 'string') {
          throw invalid(`\`${path}.tool_call_id\` must be the id of the tool call this message answers.`, `${path}.tool_call_id`);
        }
        const result: ToolResultPart = {
          type: 'tool-result',
          toolCallId: wire.tool_call_id,
          content: decodeTextContent(wire.content, path),
        };
        appendToolResult(messages, result);
        break;
      }
      case 'function': {
        if (typeof wire.name !== 'string') {
          throw invalid(`\`${path}.name\` must name the function whose result this message carries.`, `${path}.name`);
        }
        const result: ToolResultPart = {
          type: 'tool-result',
          toolCallId: legacyCallIds.get(wire.name) ?? legacyCallId(wire.name),
          toolName: wire.name,
          content: decodeTextContent(wire.content, path),
        };
        appendToolResult(messages, result);
        break;
      }
      default:
        throw invalid(
          `\`${path}.role\` is "${role}", which Chat Completions does not define; use system, developer, user, assistant or tool.`,
          `${path}.role`,
        );
    }
  }
  return messages;
}

/** Consecutive tool messages are one canonical turn, the way Anthropic and Gemini need them. */
function appendToolResult(messages: Message[], result: ToolResultPart): void {
  const last = messages[messages.length - 1];
  if (last?.role === 'tool') {
    last.content.push(result);
    return;
  }
  const message: ToolMessage = { role: 'tool', content: [result] };
  messages.push(message);
}

function legacyCallId(name: string): string {
  return `call_${name}`;
}

/** System, developer and tool content: a string or an array of text parts. */
function decodeTextContent(content: unknown, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) {
    throw invalid(`\`${path}.content\` must be a string or an array of text parts.`, `${path}.content`);
  }
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const part = content[index];
    const partPath = `${path}.content[${index}]`;
    if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
      throw invalid(`\`${partPath}\` must be a text part: {"type":"text","text":"…"}.`, partPath);
    }
    parts.push({ type: 'text', text: part.text });
  }
  return parts;
}

function decodeUserMessage(wire: JsonObject, path: string): UserMessage {
  const content = wire.content;
  if (typeof content === 'string') return { role: 'user', content: [{ type: 'text', text: content }] };
  if (!Array.isArray(content)) {
    throw invalid(`\`${path}.content\` must be a string or an array of content parts.`, `${path}.content`);
  }
  const parts: Array<TextPart | FilePart> = [];
  for (let index = 0; index < content.length; index++) {
    parts.push(decodeUserPart(content[index], `${path}.content[${index}]`));
  }
  return { role: 'user', content: parts };
}

function decodeUserPart(part: unknown, path: string): TextPart | FilePart {
  if (!isObject(part)) throw invalid(`\`${path}\` must be a content part object with a \`type\`.`, path);
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw invalid(`\`${path}.text\` must be a string.`, `${path}.text`);
      return { type: 'text', text: part.text };
    case 'image_url':
      return decodeImagePart(part, path);
    case 'input_audio': {
      const audio = part.input_audio;
      if (!isObject(audio) || typeof audio.data !== 'string') {
        throw invalid(`\`${path}.input_audio.data\` must be base64 audio.`, `${path}.input_audio`);
      }
      const mediaType = audio.format === 'mp3' ? 'audio/mpeg' : 'audio/wav';
      return { type: 'file', mediaType, data: { type: 'base64', data: audio.data } };
    }
    case 'file':
      return decodeFilePart(part, path);
    default:
      throw invalid(
        `\`${path}.type\` is ${JSON.stringify(part.type)}; user content parts are text, image_url, input_audio or file.`,
        `${path}.type`,
      );
  }
}

function decodeImagePart(part: JsonObject, path: string): FilePart {
  const image = part.image_url;
  // Some clients send `image_url` as a bare string rather than `{ url }`.
  const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined;
  if (typeof url !== 'string') {
    throw invalid(`\`${path}.image_url.url\` must be an http(s) URL or a data: URL.`, `${path}.image_url`);
  }
  let file: FilePart;
  const dataUrl = parseDataUrl(url);
  if (dataUrl) {
    file = { type: 'file', mediaType: dataUrl.mediaType || 'image/jpeg', data: { type: 'base64', data: dataUrl.data } };
  } else {
    file = { type: 'file', mediaType: imageMediaTypeFromUrl(url), data: { type: 'url', url } };
  }
  if (isObject(image) && typeof image.detail === 'string') {
    file.providerOptions = { openai: { imageDetail: image.detail } };
  }
  return file;
}

function decodeFilePart(part: JsonObject, path: string): FilePart {
  const file = part.file;
  if (!isObject(file)) throw invalid(`\`${path}.file\` must be an object with file_data or file_id.`, `${path}.file`);
  const filename = typeof file.filename === 'string' ? file.filename : undefined;
  let decoded: FilePart;
  if (typeof file.file_data === 'string') {
    const dataUrl = parseDataUrl(file.file_data);
    // OpenAI documents a data: URL here, but some clients send bare base64.
    const mediaType = dataUrl?.mediaType || mediaTypeFromFilename(filename);
    decoded = { type: 'file', mediaType, data: { type: 'base64', data: dataUrl ? dataUrl.data : file.file_data } };
  } else if (typeof file.file_id === 'string') {
    decoded = { type: 'file', mediaType: mediaTypeFromFilename(filename), data: { type: 'file-id', id: file.file_id } };
  } else {
    throw invalid(`\`${path}.file\` needs \`file_data\` (a data: URL) or \`file_id\`.`, `${path}.file`);
  }
  if (filename !== undefined) decoded.filename = filename;
  return decoded;
}

function decodeAssistantMessage(
  wire: JsonObject,
  path: string,
  messageIndex: number,
  legacyCallIds: Map<string, string>,
): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: [] };
  // DeepSeek returns `reasoning_content`, OpenRouter and Groq `reasoning`; clients echo them.
  const reasoning = typeof wire.reasoning_content === 'string' ? wire.reasoning_content : wire.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') message.content.push({ type: 'reasoning', text: reasoning });

  const content = wire.content;
  if (typeof content === 'string') {
    if (content !== '') message.content.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const part = content[index];
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') {
        message.content.push({ type: 'text', text: part.text });
      } else if (isObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') {
        message.content.push({ type: 'text', text: part.refusal });
      } else {
        const partPath = `${path}.content[${index}]`;
        throw invalid(`\`${partPath}\` must be a text or refusal part.`, partPath);
      }
    }
  } else if (content !== null && content !== undefined) {
    throw invalid(`\`${path}.content\` must be a string, an array of text parts, or null.`, `${path}.content`);
  }
  if (typeof wire.refusal === 'string' && wire.refusal !== '') message.content.push({ type: 'text', text: wire.refusal });

  if (wire.tool_calls !== undefined && wire.tool_calls !== null) {
    if (!Array.isArray(wire.tool_calls)) {
      throw invalid(`\`${path}.tool_calls\` must be an array.`, `${path}.tool_calls`);
    }
    for (let index = 0; index < wire.tool_calls.length; index++) {
      message.content.push(decodeToolCall(wire.tool_calls[index], `${path}.tool_calls[${index}]`));
    }
  }

  const functionCall = wire.function_call;
  if (isObject(functionCall) && typeof functionCall.name === 'string') {
    const id = `call_${messageIndex}_${functionCall.name}`;
    legacyCallIds.set(functionCall.name, id);
    const input = typeof functionCall.arguments === 'string' ? functionCall.arguments : '{}';
    message.content.push({ type: 'tool-call', id, name: functionCall.name, input });
  }
  return message;
}

function decodeToolCall(call: unknown, path: string): AssistantMessage['content'][number] {
  if (!isObject(call) || typeof call.id !== 'string') {
    throw invalid(`\`${path}\` must be a tool call with an \`id\`.`, path);
  }
  if (call.type === 'custom') {
    const custom = call.custom;
    if (!isObject(custom) || typeof custom.name !== 'string') {
      throw invalid(`\`${path}.custom.name\` must name the custom tool.`, `${path}.custom`);
    }
    const input = typeof custom.input === 'string' ? custom.input : '';
    return { type: 'tool-call', id: call.id, name: custom.name, input, providerOptions: { openai: { toolType: 'custom' } } };
  }
  const fn = call.function;
  if (!isObject(fn) || typeof fn.name !== 'string') {
    throw invalid(`\`${path}.function.name\` must name the function that was called.`, `${path}.function`);
  }
  const input = typeof fn.arguments === 'string' ? fn.arguments : '{}';
  return { type: 'tool-call', id: call.id, name: fn.name, input };
}

function decodeTools(body: JsonObject): ToolDefinition[] | undefined {
  const tools: ToolDefinition[] = [];
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalid('`tools` must be an array of tool definitions.', 'tools');
    for (let index = 0; index < body.tools.length; index++) {
      const tool = body.tools[index];
      const path = `tools[${index}]`;
      if (!isObject(tool)) throw invalid(`\`${path}\` must be a tool object with a \`type\`.`, path);
      if (tool.type === 'function') {
        tools.push(decodeFunction(tool.function, `${path}.function`));
      } else {
        const custom = tool.custom;
        const name = isObject(custom) && typeof custom.name === 'string' ? custom.name : undefined;
        tools.push({ type: 'provider', api: 'openai-chat', ...(name !== undefined && { name }), raw: tool });
      }
    }
  }
  // The deprecated `functions` list is the same definitions without the wrapper.
  if (Array.isArray(body.functions)) {
    for (let index = 0; index < body.functions.length; index++) {
      tools.push(decodeFunction(body.functions[index], `functions[${index}]`));
    }
  }
  return tools.length > 0 ? tools : undefined;
}

function decodeFunction(definition: unknown, path: string): FunctionTool {
  if (!isObject(definition) || typeof definition.name !== 'string') {
    throw invalid(`\`${path}.name\` must name the function.`, path);
  }
  const tool: FunctionTool = {
    type: 'function',
    name: definition.name,
    inputSchema: isObject(definition.parameters) ? definition.parameters : { type: 'object', properties: {} },
  };
  if (typeof definition.description === 'string') tool.description = definition.description;
  if (typeof definition.strict === 'boolean') tool.strict = definition.strict;
  return tool;
}

function decodeToolChoice(body: JsonObject): ToolChoice | undefined {
  const choice = body.tool_choice ?? body.function_call;
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  if (isObject(choice)) {
    if (typeof choice.name === 'string') return { type: 'tool', name: choice.name }; // legacy `function_call: { name }`
    const named = choice.function ?? choice.custom;
    if (isObject(named) && typeof named.name === 'string') return { type: 'tool', name: named.name };
    // `allowed_tools` narrows the tool list; the mode is the part every provider understands.
    const allowed = choice.allowed_tools;
    if (isObject(allowed) && (allowed.mode === 'auto' || allowed.mode === 'required')) return { type: allowed.mode };
  }
  const param = body.tool_choice !== undefined ? 'tool_choice' : 'function_call';
  throw invalid(
    `\`${param}\` must be "auto", "none", "required" or {"type":"function","function":{"name":"…"}}.`,
    param,
  );
}

function decodeStop(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return stop.length > 0 ? stop : undefined;
  throw invalid('`stop` must be a string or an array of strings.', 'stop');
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
    throw invalid('`reasoning_effort` must be a string such as "low", "medium" or "high".', 'reasoning_effort');
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
  throw invalid(
    '`response_format` must be {"type":"text"}, {"type":"json_object"} or {"type":"json_schema","json_schema":{"name":"…","schema":{…}}}.',
    'response_format',
  );
}

interface DataUrl {
  mediaType: string;
  data: string;
}

/**
 * Splits `data:<type>[;base64],<payload>` without scanning the payload, which may be
 * megabytes of base64.
 */
function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const payload = url.slice(comma + 1);
  if (header.endsWith(';base64')) return { mediaType, data: payload };
  // A percent-encoded data URL: canonical file data is always base64.
  return { mediaType, data: Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
}

const imageTypesByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** An image URL names no media type; guess from the extension, else say only that it is an image. */
function imageMediaTypeFromUrl(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  const dot = path.lastIndexOf('.');
  const extension = dot === -1 ? '' : path.slice(dot + 1).toLowerCase();
  return imageTypesByExtension[extension] ?? 'image/*';
}

function mediaTypeFromFilename(filename: string | undefined): string {
  const dot = filename?.lastIndexOf('.') ?? -1;
  const extension = filename && dot !== -1 ? filename.slice(dot + 1).toLowerCase() : '';
  if (extension === 'pdf') return 'application/pdf';
  if (extension === 'txt') return 'text/plain';
  if (extension === 'md') return 'text/markdown';
  return imageTypesByExtension[extension] ?? 'application/octet-stream';
}

function optionalNumber(body: JsonObject, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`\`${field}\` must be a number.`, field);
  return value;
}

function optionalBoolean(body: JsonObject, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`\`${field}\` must be true or false.`, field);
  return value;
}

function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`\`${field}\` must be a string.`, field);
  return value;
}

function invalid(message: string, param?: string): ProxyError {
  return new ProxyError('invalid_request', message, param === undefined ? {} : { param });
}
