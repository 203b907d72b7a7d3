import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  FunctionTool,
  Message,
  ProviderTool,
  ReasoningEffort,
  ReasoningOptions,
  ReasoningPart,
  ResponseFormat,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  ToolResultPart,
  UserMessage,
} from '../../core/request';
import { reasoningText, reasoningTextParts, summaryParts } from '../../providers/openai-responses/decode-response';
import { responsesProviderOptions, withResponsesOptions, type ResponsesPartOptions } from '../../providers/openai-responses/responses-options';
import { openReasoning } from './reasoning-envelope';
import { isObject, type JsonObject } from '../../core/json';

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
    throw invalid('The request body must be a JSON object with `model` and `input`.');
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalid('`model` is required: name the model to call, for example "gpt-5".', 'model');
  }
  const messages: Message[] = [];
  if (present(body.instructions)) {
    if (typeof body.instructions !== 'string') throw invalid('`instructions` must be a string.', 'instructions');
    if (body.instructions !== '') {
      messages.push({
        role: 'system',
        content: [{ type: 'text', text: body.instructions, providerOptions: responsesProviderOptions({ instructions: true }) }],
      });
    }
  }
  if (present(body.input)) decodeInput(body.input, messages);

  if (present(body.stream) && typeof body.stream !== 'boolean') throw invalid('`stream` must be true or false.', 'stream');
  const request: CanonicalRequest = { model: body.model, messages, stream: body.stream === true };
  const fields: JsonObject = {};

  if (present(body.tools)) request.tools = decodeTools(body.tools);
  if (present(body.tool_choice)) {
    const choice = decodeToolChoice(body.tool_choice);
    if (choice) request.toolChoice = choice;
    else fields.tool_choice = body.tool_choice;
  }
  if (present(body.parallel_tool_calls)) {
    if (typeof body.parallel_tool_calls !== 'boolean') throw invalid('`parallel_tool_calls` must be true or false.', 'parallel_tool_calls');
    request.parallelToolCalls = body.parallel_tool_calls;
  }
  if (present(body.max_output_tokens)) {
    if (!Number.isInteger(body.max_output_tokens) || (body.max_output_tokens as number) < 1) {
      throw invalid('`max_output_tokens` must be a positive integer.', 'max_output_tokens');
    }
    request.maxOutputTokens = body.max_output_tokens as number;
  }
  if (present(body.temperature)) request.temperature = decodeNumber(body.temperature, 'temperature');
  if (present(body.top_p)) request.topP = decodeNumber(body.top_p, 'top_p');
  if (present(body.reasoning)) decodeReasoning(body.reasoning, request);
  if (present(body.text)) {
    if (!isObject(body.text)) throw invalid('`text` must be an object such as {"format": {"type": "text"}}.', 'text');
    const { format, ...rest } = body.text;
    if (present(format)) request.responseFormat = decodeResponseFormat(format);
    // `verbosity` and anything newer stay with the client's format.
    if (Object.keys(rest).length > 0) fields.text = rest;
  }
  if (present(body.user)) {
    if (typeof body.user !== 'string') throw invalid('`user` must be a string.', 'user');
    request.user = body.user;
  }

  for (const key in body) {
    if (!canonicalFields.has(key) && body[key] !== undefined) fields[key] = body[key];
  }
  request.extraBody = { format: 'openai-responses', fields };
  return request;
}

/** Builds messages from input items, grouping assistant-side items and tool outputs. */
class MessageBuilder {
  private assistant: AssistantMessage | undefined;
  private tool: ToolMessage | undefined;
  /** Function names by call id, so tool results can name their tool (Gemini needs it). */
  readonly toolNames = new Map<string, string>();

  constructor(private readonly messages: Message[]) {}

  push(message: Message): void {
    this.assistant = undefined;
    this.tool = undefined;
    this.messages.push(message);
  }

  assistantContent(): AssistantMessage['content'] {
    if (!this.assistant) {
      this.assistant = { role: 'assistant', content: [] };
      this.tool = undefined;
      this.messages.push(this.assistant);
    }
    return this.assistant.content;
  }

  toolContent(): ToolResultPart[] {
    if (!this.tool) {
      this.tool = { role: 'tool', content: [] };
      this.assistant = undefined;
      this.messages.push(this.tool);
    }
    return this.tool.content;
  }
}

function decodeInput(input: unknown, messages: Message[]): void {
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: [{ type: 'text', text: input }] });
    return;
  }
  if (!Array.isArray(input)) throw invalid('`input` must be a string or an array of input items.', 'input');
  const builder = new MessageBuilder(messages);
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    const param = `input[${index}]`;
    if (!isObject(item)) throw invalid(`\`${param}\` must be an object, such as {"role": "user", "content": "Hello"}.`, param);
    decodeItem(item, param, builder);
  }
}

/** @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input */
function decodeItem(item: JsonObject, param: string, builder: MessageBuilder): void {
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  const itemId = typeof item.id === 'string' ? item.id : undefined;
  switch (type) {
    case 'message':
      decodeMessage(item, param, itemId, builder);
      return;
    case 'reasoning':
      builder.assistantContent().push(decodeReasoningItem(item, param, itemId));
      return;
    case 'function_call':
    case 'custom_tool_call': {
      const custom = type === 'custom_tool_call';
      const callId = requireString(item.call_id, `${param}.call_id`, 'the id tool outputs refer to');
      const name = requireString(item.name, `${param}.name`, 'the name of the tool called');
      const input = requireString(custom ? item.input : item.arguments, `${param}.${custom ? 'input' : 'arguments'}`, 'the call input as text');
      builder.toolNames.set(callId, name);
      const part: ToolCallPart = { type: 'tool-call', id: callId, name, input };
      withResponsesOptions(part, {
        itemId,
        namespace: typeof item.namespace === 'string' ? item.namespace : undefined,
        status: typeof item.status === 'string' ? item.status : undefined,
        itemType: custom ? 'custom_tool_call' : undefined,
      });
      builder.assistantContent().push(part);
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const callId = requireString(item.call_id, `${param}.call_id`, 'the call_id of the call this output answers');
      const part: ToolResultPart = {
        type: 'tool-result',
        toolCallId: callId,
        content: decodeToolOutput(item.output, `${param}.output`),
      };
      const toolName = builder.toolNames.get(callId);
      if (toolName !== undefined) part.toolName = toolName;
      if (type === 'custom_tool_call_output') withResponsesOptions(part, { itemType: 'custom_tool_call_output' });
      builder.toolContent().push(part);
      return;
    }
    default:
      if (typeof type !== 'string') {
        throw invalid(`\`${param}.type\` is missing: give each input item a \`type\` ("message", "function_call"…) or a \`role\`.`, `${param}.type`);
      }
      builder.assistantContent().push({ type: 'text', text: '', providerOptions: responsesProviderOptions({ item }) });
  }
}

function decodeMessage(item: JsonObject, param: string, itemId: string | undefined, builder: MessageBuilder): void {
  const role = item.role;
  const contentParam = `${param}.content`;
  switch (role) {
    case 'user': {
      const message: UserMessage = { role: 'user', content: decodeUserContent(item.content, contentParam) };
      builder.push(message);
      return;
    }
    case 'system':
    case 'developer': {
      const content = decodeTextContent(item.content, contentParam, undefined);
      builder.push(role === 'developer' ? { role: 'system', content, variant: 'developer' } : { role: 'system', content });
      return;
    }
    case 'assistant': {
      const options: ResponsesPartOptions = { itemId, phase: typeof item.phase === 'string' ? item.phase : undefined };
      builder.assistantContent().push(...decodeTextContent(item.content, contentParam, options));
      return;
    }
    default:
      throw invalid(`\`${param}.role\` must be "user", "assistant", "system" or "developer".`, `${param}.role`);
  }
}

/**
 * Text-only content (system, developer and assistant messages). Assistant text keeps its
 * item id and phase; a `refusal` part stays marked as one.
 */
function decodeTextContent(content: unknown, param: string, options: ResponsesPartOptions | undefined): TextPart[] {
  const providerOptions = options && responsesProviderOptions(options);
  if (typeof content === 'string') return [textPart(content, providerOptions)];
  if (!Array.isArray(content)) throw invalid(`\`${param}\` must be a string or an array of content parts.`, param);
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) throw invalid(`\`${partParam}\` must be a content part object.`, partParam);
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string') {
      parts.push(textPart(part.text, providerOptions));
    } else if (part.type === 'refusal' && typeof part.refusal === 'string' && options) {
      parts.push(textPart(part.refusal, responsesProviderOptions({ ...options, contentType: 'refusal' })));
    } else {
      throw invalid(
        `\`${partParam}\` must be a text part ({"type": "${options ? 'output_text' : 'input_text'}", "text": "…"}); this role takes text only.`,
        partParam,
      );
    }
  }
  return parts;
}

function decodeUserContent(content: unknown, param: string): Array<TextPart | FilePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`\`${param}\` must be a string or an array of content parts.`, param);
  const parts: Array<TextPart | FilePart> = [];
  for (let index = 0; index < content.length; index++) {
    parts.push(decodeInputPart(content[index], `${param}[${index}]`));
  }
  return parts;
}

/**
 * One `input_text`, `input_image` or `input_file` part.
 *
 * @see https://platform.openai.com/docs/guides/images-vision
 * @see https://platform.openai.com/docs/guides/pdf-files
 */
function decodeInputPart(part: unknown, param: string): TextPart | FilePart {
  if (!isObject(part)) throw invalid(`\`${param}\` must be a content part object.`, param);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: requireString(part.text, `${param}.text`, 'the text') };
    case 'input_image': {
      let file: FilePart;
      if (typeof part.image_url === 'string') {
        const url = part.image_url;
        file = fileFromUrl(url, () => imageMediaType(url));
      } else if (typeof part.file_id === 'string') {
        file = { type: 'file', mediaType: 'image/*', data: { type: 'file-id', id: part.file_id } };
      } else {
        throw invalid(`\`${param}\` needs an \`image_url\` (a URL or a data URL) or a \`file_id\`.`, `${param}.image_url`);
      }
      if (typeof part.detail === 'string') withResponsesOptions(file, { imageDetail: part.detail });
      return file;
    }
    case 'input_file': {
      const filename = typeof part.filename === 'string' ? part.filename : undefined;
      let file: FilePart;
      if (typeof part.file_data === 'string') file = fileFromUrl(part.file_data, () => fileMediaType(filename), true);
      else if (typeof part.file_id === 'string') file = { type: 'file', mediaType: fileMediaType(filename), data: { type: 'file-id', id: part.file_id } };
      else if (typeof part.file_url === 'string') file = { type: 'file', mediaType: fileMediaType(filename ?? part.file_url), data: { type: 'url', url: part.file_url } };
      else throw invalid(`\`${param}\` needs \`file_data\`, \`file_id\` or \`file_url\`.`, `${param}.file_data`);
      if (filename !== undefined) file.filename = filename;
      return file;
    }
    default:
      throw invalid(`\`${param}.type\` must be "input_text", "input_image" or "input_file".`, `${param}.type`);
  }
}

/**
 * A data URL becomes inline base64 with its own media type; anything else is a URL, or with
 * `bareBase64` (an `input_file`'s `file_data` may be plain base64) inline data. The fallback
 * media type is only worked out when needed: a data URL can be megabytes long.
 */
function fileFromUrl(value: string, fallbackMediaType: () => string, bareBase64 = false): FilePart {
  if (value.startsWith('data:')) {
    const comma = value.indexOf(',');
    const header = comma === -1 ? '' : value.slice(5, comma);
    if (header.endsWith(';base64')) {
      const mediaType = header.slice(0, header.indexOf(';')) || fallbackMediaType();
      return { type: 'file', mediaType, data: { type: 'base64', data: value.slice(comma + 1) } };
    }
  }
  if (bareBase64) return { type: 'file', mediaType: fallbackMediaType(), data: { type: 'base64', data: value } };
  return { type: 'file', mediaType: fallbackMediaType(), data: { type: 'url', url: value } };
}

const imageTypesByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** An image URL's media type from its extension; `image/*` when it does not say. */
function imageMediaType(url: string): string {
  return imageTypesByExtension[extension(url)] ?? 'image/*';
}

function fileMediaType(name: string | undefined): string {
  if (name === undefined) return 'application/octet-stream';
  const suffix = extension(name);
  if (suffix === 'pdf') return 'application/pdf';
  return imageTypesByExtension[suffix] ?? 'application/octet-stream';
}

function extension(name: string): string {
  const end = name.search(/[?#]/);
  const path = end === -1 ? name : name.slice(0, end);
  const dot = path.lastIndexOf('.');
  return dot === -1 || path.length - dot > 6 ? '' : path.slice(dot + 1).toLowerCase();
}

/**
 * A reasoning item. Its text is the summary joined; its id, exact summary and encrypted
 * content stay in `providerOptions.openai` for the next call to OpenAI. Content Switchyard
 * sealed (reasoning that came from another provider) is opened back into its signature.
 *
 * @see https://platform.openai.com/docs/guides/reasoning#keeping-reasoning-items-in-context
 */
function decodeReasoningItem(item: JsonObject, param: string, itemId: string | undefined): ReasoningPart {
  if (present(item.summary) && !Array.isArray(item.summary)) {
    throw invalid(`\`${param}.summary\` must be an array of {"type": "summary_text", "text": "…"} parts.`, `${param}.summary`);
  }
  const summary = summaryParts(item.summary);
  const reasoningContent = reasoningTextParts(item.content);
  const part: ReasoningPart = { type: 'reasoning', text: reasoningText(summary, reasoningContent) };
  const options: ResponsesPartOptions = { itemId, summary, reasoningContent };
  if (typeof item.encrypted_content === 'string' && !openReasoning(item.encrypted_content, part)) {
    options.encryptedContent = item.encrypted_content;
  }
  return withResponsesOptions(part, options);
}

/** A function output: a string, or a list of input text, image and file parts. */
function decodeToolOutput(output: unknown, param: string): Array<TextPart | FilePart> {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  if (!Array.isArray(output)) throw invalid(`\`${param}\` must be a string or an array of content parts.`, param);
  const parts: Array<TextPart | FilePart> = [];
  for (let index = 0; index < output.length; index++) parts.push(decodeInputPart(output[index], `${param}[${index}]`));
  return parts;
}

/**
 * Function tools are flat (`{type: "function", name, parameters}`); every other tool type
 * (`namespace`, `custom`, `web_search`, `local_shell`, `mcp`…) is kept whole for a Responses
 * provider.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-tools
 */
function decodeTools(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) throw invalid('`tools` must be an array of tool definitions.', 'tools');
  const decoded: ToolDefinition[] = [];
  for (let index = 0; index < tools.length; index++) {
    const tool: unknown = tools[index];
    const param = `tools[${index}]`;
    if (!isObject(tool) || typeof tool.type !== 'string') {
      throw invalid(`\`${param}\` must be an object with a \`type\`, such as {"type": "function", "name": "…", "parameters": {…}}.`, param);
    }
    if (tool.type !== 'function') {
      const provider: ProviderTool = { type: 'provider', api: 'openai-responses', raw: tool };
      if (typeof tool.name === 'string') provider.name = tool.name;
      decoded.push(provider);
      continue;
    }
    const name = requireString(tool.name, `${param}.name`, 'the function name');
    if (present(tool.parameters) && !isObject(tool.parameters)) {
      throw invalid(`\`${param}.parameters\` must be a JSON Schema object.`, `${param}.parameters`);
    }
    const decodedTool: FunctionTool = {
      type: 'function',
      name,
      inputSchema: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} },
    };
    if (typeof tool.description === 'string') decodedTool.description = tool.description;
    if (typeof tool.strict === 'boolean') decodedTool.strict = tool.strict;
    if (typeof tool.defer_loading === 'boolean') withResponsesOptions(decodedTool, { deferLoading: tool.defer_loading });
    decoded.push(decodedTool);
  }
  return decoded;
}

/** Undefined for choices with no canonical form (`allowed_tools`, hosted tool types, `mcp`). */
function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  if (typeof choice === 'string') throw invalid('`tool_choice` must be "auto", "none", "required" or an object.', 'tool_choice');
  if (!isObject(choice)) throw invalid('`tool_choice` must be "auto", "none", "required" or an object.', 'tool_choice');
  if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
    return { type: 'tool', name: choice.name };
  }
  return undefined;
}

/**
 * `reasoning.effort` and `reasoning.summary`. Efforts the canonical model lacks (`none`,
 * `xhigh`) are kept as sent in `providerOptions.openai.reasoningEffort`.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-reasoning
 */
function decodeReasoning(reasoning: unknown, request: CanonicalRequest): void {
  if (!isObject(reasoning)) throw invalid('`reasoning` must be an object such as {"effort": "medium"}.', 'reasoning');
  const options: ReasoningOptions = { enabled: true };
  const effort = reasoning.effort;
  if (present(effort)) {
    if (typeof effort !== 'string') throw invalid('`reasoning.effort` must be a string such as "low", "medium" or "high".', 'reasoning.effort');
    if (canonicalEfforts.has(effort)) options.effort = effort as ReasoningEffort;
    else {
      if (effort === 'none') options.enabled = false;
      else if (effort === 'xhigh') options.effort = 'high';
      withResponsesOptions(request, { reasoningEffort: effort });
    }
  }
  // `generate_summary` is the deprecated name of `summary`.
  const summary = present(reasoning.summary) ? reasoning.summary : reasoning.generate_summary;
  if (present(summary)) {
    if (typeof summary !== 'string' || !summaryModes.has(summary)) {
      throw invalid('`reasoning.summary` must be "auto", "concise" or "detailed".', 'reasoning.summary');
    }
    options.summary = summary as ReasoningOptions['summary'];
  }
  request.reasoning = options;
}

/** @see https://platform.openai.com/docs/guides/structured-outputs */
function decodeResponseFormat(format: unknown): ResponseFormat {
  if (!isObject(format)) throw invalid('`text.format` must be an object such as {"type": "text"}.', 'text.format');
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      if (!isObject(format.schema)) {
        throw invalid('`text.format.schema` must be a JSON Schema object when `text.format.type` is "json_schema".', 'text.format.schema');
      }
      const decoded: ResponseFormat = { type: 'json-schema', schema: format.schema };
      if (typeof format.name === 'string') decoded.name = format.name;
      if (typeof format.strict === 'boolean') decoded.strict = format.strict;
      return decoded;
    }
    default:
      throw invalid('`text.format.type` must be "text", "json_object" or "json_schema".', 'text.format.type');
  }
}

function decodeNumber(value: unknown, param: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`\`${param}\` must be a number.`, param);
  return value;
}

function requireString(value: unknown, param: string, what: string): string {
  if (typeof value !== 'string') throw invalid(`\`${param}\` must be a string: ${what}.`, param);
  return value;
}

function textPart(text: string, providerOptions: TextPart['providerOptions']): TextPart {
  const part: TextPart = { type: 'text', text };
  if (providerOptions) part.providerOptions = providerOptions;
  return part;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function invalid(message: string, param?: string): ProxyError {
  return new ProxyError('invalid_request', message, param === undefined ? {} : { param });
}
