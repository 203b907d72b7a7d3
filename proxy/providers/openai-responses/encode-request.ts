import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  Message,
  ReasoningOptions,
  ResponseFormat,
  SystemMessage,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolResultPart,
  UserMessage,
} from '../../core/request';
import type { Target, UpstreamRequest } from '../adapter';
import { isReasoningModel, readResponsesOptions, type SummaryText } from './responses-options';
import { isObject, type JsonObject } from '../../core/json';
import { bearerAuthHeaders } from '../openai-chat/endpoint';
import { responsesEndpointUrl } from './endpoint';

/** The smallest `max_output_tokens` the Responses API accepts. */
const minimumOutputTokens = 16;

/**
 * Encodes a canonical request as a Responses API `POST /responses` call.
 *
 * A request decoded from a Responses client (its `extraBody.format` is `openai-responses`)
 * keeps that client's choices: its top-level extras (`store`, `include`, `previous_response_id`,
 * `prompt_cache_key`…) are copied back, and where it left a field out, so do we. Any other client
 * gets safe defaults instead: `store: false` (no conversation left at the provider that the
 * user did not ask for), encrypted reasoning included so the next turn can resend it, explicit
 * `strict: false` on tools (the API's default is `true`, which rejects ordinary schemas), and
 * no sampling parameters on reasoning models, which reject them.
 *
 * Dropped because the Responses API has no such field: `stop`, `seed`, `top_k`,
 * `presence_penalty`, `frequency_penalty`.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export function encodeResponsesRequest(request: CanonicalRequest, target: Target): UpstreamRequest {
  const fromResponsesClient = request.extraBody?.format === 'openai-responses';
  const reasoningModel = isReasoningModel(target.model);
  const body: JsonObject = { model: target.model };
  if (fromResponsesClient && request.extraBody) Object.assign(body, request.extraBody.fields);

  const { instructions, input } = encodeInput(request.messages, fromResponsesClient);
  if (instructions !== undefined) body.instructions = instructions;
  body.input = input;

  const tools = encodeTools(request.tools, fromResponsesClient);
  if (tools.length > 0) body.tools = tools;
  if (request.toolChoice) body.tool_choice = encodeToolChoice(request.toolChoice, request.tools);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;

  if (request.maxOutputTokens !== undefined) {
    // Anthropic clients probe with max_tokens: 1, which the Responses API rejects (minimum 16).
    body.max_output_tokens = fromResponsesClient
      ? request.maxOutputTokens
      : Math.max(minimumOutputTokens, request.maxOutputTokens);
  }
  if (fromResponsesClient || !reasoningModel) {
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
  }

  const reasoning = encodeReasoning(request, fromResponsesClient, reasoningModel);
  if (reasoning) body.reasoning = reasoning;

  if (request.responseFormat) {
    const text = isObject(body.text) ? body.text : {};
    body.text = { ...text, format: encodeResponseFormat(request.responseFormat) };
  }
  if (request.user !== undefined) body.user = request.user;

  if (request.stream) body.stream = true;
  else {
    delete body.stream;
    // The API rejects stream_options on a request that does not stream.
    delete body.stream_options;
  }

  if (!fromResponsesClient) {
    body.store = false;
    if (reasoningModel) body.include = ['reasoning.encrypted_content'];
  }

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: request.stream ? 'text/event-stream' : 'application/json',
    ...bearerAuthHeaders(target.apiKey),
  };
  if (target.headers) Object.assign(headers, target.headers);
  return { url: responsesEndpointUrl(request.stream ? 'stream' : 'generate', target), headers, body: JSON.stringify(body) };
}

interface EncodedInput {
  instructions?: string;
  input: JsonObject[];
}

/**
 * Messages to `instructions` plus input items. For a Responses client only the text that came
 * from its `instructions` field goes back there; for others, the system messages that lead the
 * conversation become `instructions` (developer messages stay messages, as the client chose).
 */
function encodeInput(messages: Message[], fromResponsesClient: boolean): EncodedInput {
  const input: JsonObject[] = [];
  const instructionTexts: string[] = [];
  let leading = true;
  for (const message of messages) {
    if (message.role === 'system' && isInstructions(message, leading, fromResponsesClient)) {
      for (const part of message.content) instructionTexts.push(part.text);
      continue;
    }
    leading = false;
    switch (message.role) {
      case 'system':
        input.push({
          type: 'message',
          role: message.variant === 'developer' ? 'developer' : 'system',
          content: message.content.map(encodeInputText),
        });
        break;
      case 'user':
        input.push(encodeUserMessage(message));
        break;
      case 'assistant':
        encodeAssistantMessage(message, input);
        break;
      case 'tool':
        for (const part of message.content) input.push(encodeToolResult(part));
        break;
    }
  }
  const encoded: EncodedInput = { input };
  if (instructionTexts.length > 0) encoded.instructions = instructionTexts.join('\n\n');
  return encoded;
}

function isInstructions(message: SystemMessage, leading: boolean, fromResponsesClient: boolean): boolean {
  if (fromResponsesClient) return message.content.length > 0 && readResponsesOptions(message.content[0].providerOptions).instructions === true;
  return leading && message.variant !== 'developer';
}

function encodeInputText(part: TextPart): JsonObject {
  return { type: 'input_text', text: part.text };
}

function encodeUserMessage(message: UserMessage): JsonObject {
  const content: JsonObject[] = [];
  for (const part of message.content) {
    content.push(part.type === 'text' ? encodeInputText(part) : encodeFile(part));
  }
  return { type: 'message', role: 'user', content };
}

/**
 * An image becomes `input_image`, any other file `input_file`.
 *
 * @see https://platform.openai.com/docs/guides/images-vision
 * @see https://platform.openai.com/docs/guides/pdf-files
 */
function encodeFile(part: FilePart): JsonObject {
  if (part.mediaType.startsWith('image/')) {
    const image: JsonObject = { type: 'input_image', detail: readResponsesOptions(part.providerOptions).imageDetail ?? 'auto' };
    switch (part.data.type) {
      case 'base64':
        image.image_url = `data:${part.mediaType};base64,${part.data.data}`;
        break;
      case 'url':
        image.image_url = part.data.url;
        break;
      case 'file-id':
        image.file_id = part.data.id;
        break;
    }
    return image;
  }
  const file: JsonObject = { type: 'input_file' };
  switch (part.data.type) {
    case 'base64':
      // The API requires a filename with inline file data.
      file.filename = part.filename ?? (part.mediaType === 'application/pdf' ? 'document.pdf' : 'file');
      file.file_data = `data:${part.mediaType};base64,${part.data.data}`;
      return file;
    case 'url':
      file.file_url = part.data.url;
      break;
    case 'file-id':
      file.file_id = part.data.id;
      break;
  }
  if (part.filename !== undefined) file.filename = part.filename;
  return file;
}

/**
 * An assistant turn becomes a run of items in its order: text parts sharing an item id form
 * one `message`, reasoning with encrypted content a `reasoning` item, tool calls
 * `function_call` (or `custom_tool_call`) items, and carried items go back verbatim.
 *
 * Reasoning without `encryptedContent` is dropped: it came from another provider (or from a
 * response stored server side that we cannot reference with `store: false`), and the API only
 * accepts reasoning it can decrypt.
 */
function encodeAssistantMessage(message: AssistantMessage, input: JsonObject[]): void {
  let current: { item: JsonObject; content: JsonObject[]; itemId?: string; phase?: string } | undefined;
  for (const part of message.content) {
    const options = readResponsesOptions(part.providerOptions);
    if (part.type === 'text') {
      if (options.item) {
        current = undefined;
        input.push(options.item);
        continue;
      }
      if (part.text === '') continue;
      if (!current || current.itemId !== options.itemId || current.phase !== options.phase) {
        const content: JsonObject[] = [];
        const item: JsonObject = { type: 'message', role: 'assistant', content };
        if (options.itemId !== undefined) item.id = options.itemId;
        if (options.phase !== undefined) item.phase = options.phase;
        current = { item, content, itemId: options.itemId, phase: options.phase };
        input.push(item);
      }
      current.content.push(
        options.contentType === 'refusal' ? { type: 'refusal', refusal: part.text } : { type: 'output_text', text: part.text },
      );
      continue;
    }
    current = undefined;
    if (part.type === 'reasoning') {
      if (options.encryptedContent === undefined) continue;
      const item: JsonObject = { type: 'reasoning' };
      if (options.itemId !== undefined) item.id = options.itemId;
      item.summary = options.summary ?? summaryOf(part.text);
      if (options.reasoningContent) item.content = options.reasoningContent;
      item.encrypted_content = options.encryptedContent;
      input.push(item);
      continue;
    }
    if (options.itemType === 'custom_tool_call') {
      const item: JsonObject = { type: 'custom_tool_call', call_id: part.id, name: part.name, input: part.input };
      if (options.itemId !== undefined) item.id = options.itemId;
      if (options.status !== undefined) item.status = options.status;
      input.push(item);
      continue;
    }
    const item: JsonObject = { type: 'function_call', call_id: part.id, name: part.name, arguments: part.input };
    if (options.itemId !== undefined) item.id = options.itemId;
    if (options.namespace !== undefined) item.namespace = options.namespace;
    if (options.status !== undefined) item.status = options.status;
    input.push(item);
  }
}

function summaryOf(text: string): SummaryText[] {
  return text === '' ? [] : [{ type: 'summary_text', text }];
}

/**
 * A tool result becomes `function_call_output`: a string when it is text only, else a list of
 * input parts. The API has no error flag; the text says what failed.
 *
 * @see https://platform.openai.com/docs/guides/function-calling
 */
function encodeToolResult(part: ToolResultPart): JsonObject {
  const custom = readResponsesOptions(part.providerOptions).itemType === 'custom_tool_call_output';
  return {
    type: custom ? 'custom_tool_call_output' : 'function_call_output',
    call_id: part.toolCallId,
    output: encodeToolOutput(part.content),
  };
}

function encodeToolOutput(content: ToolResultPart['content']): string | JsonObject[] {
  if (content.every((part) => part.type === 'text')) {
    return content.length === 1 ? (content[0] as TextPart).text : content.map((part) => (part as TextPart).text).join('\n');
  }
  return content.map((part) => (part.type === 'text' ? encodeInputText(part) : encodeFile(part)));
}

/**
 * Function tools are flat here (`{type, name, parameters}`), unlike Chat Completions. Tools
 * only another API understands are dropped; tools this API owns (`namespace`, `custom`,
 * `web_search`…) go back as the client sent them.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-tools
 */
function encodeTools(tools: ToolDefinition[] | undefined, fromResponsesClient: boolean): JsonObject[] {
  const encoded: JsonObject[] = [];
  if (!tools) return encoded;
  for (const tool of tools) {
    if (tool.type === 'provider') {
      if (tool.api === 'openai-responses') encoded.push(tool.raw);
      continue;
    }
    const item: JsonObject = { type: 'function', name: tool.name };
    if (tool.description !== undefined) item.description = tool.description;
    item.parameters = tool.inputSchema;
    if (tool.strict !== undefined) item.strict = tool.strict;
    else if (!fromResponsesClient) item.strict = false;
    if (readResponsesOptions(tool.providerOptions).deferLoading !== undefined) {
      item.defer_loading = readResponsesOptions(tool.providerOptions).deferLoading;
    }
    encoded.push(item);
  }
  return encoded;
}

/** A named tool is a `custom` tool when the request defines one by that name, else a function. */
function encodeToolChoice(choice: ToolChoice, tools: ToolDefinition[] | undefined): unknown {
  if (choice.type !== 'tool') return choice.type;
  const custom = tools?.some((tool) => tool.type === 'provider' && tool.raw.type === 'custom' && tool.raw.name === choice.name);
  return { type: custom ? 'custom' : 'function', name: choice.name };
}

/**
 * `reasoning.effort` and `reasoning.summary`. Clients that are not Responses clients get
 * `summary: 'auto'`, so the reasoning they asked for (Anthropic thinking, say) comes back as
 * text, and get no `reasoning` at all on a model that does not reason.
 *
 * @see https://platform.openai.com/docs/guides/reasoning
 */
function encodeReasoning(request: CanonicalRequest, fromResponsesClient: boolean, reasoningModel: boolean): JsonObject | undefined {
  const rawEffort = readResponsesOptions(request.providerOptions).reasoningEffort;
  const options = request.reasoning;
  if (!fromResponsesClient && !reasoningModel) return undefined;
  if (!options?.enabled && rawEffort === undefined) {
    // A Responses client may send only a summary setting.
    if (fromResponsesClient && options?.summary) return { summary: options.summary };
    return undefined;
  }
  const reasoning: JsonObject = {};
  const effort = rawEffort ?? options?.effort ?? effortForBudget(options);
  if (effort !== undefined) reasoning.effort = effort;
  const summary = options?.summary ?? (fromResponsesClient ? undefined : 'auto');
  if (summary !== undefined) reasoning.summary = summary;
  return reasoning;
}

/** An Anthropic-style thinking budget, expressed as the nearest effort. */
function effortForBudget(options: ReasoningOptions | undefined): string | undefined {
  const budget = options?.budgetTokens;
  if (budget === undefined) return undefined;
  if (budget < 4096) return 'low';
  if (budget < 16384) return 'medium';
  return 'high';
}

/** @see https://platform.openai.com/docs/guides/structured-outputs */
function encodeResponseFormat(format: ResponseFormat): JsonObject {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json':
      return { type: 'json_object' };
    case 'json-schema': {
      const encoded: JsonObject = { type: 'json_schema', name: format.name ?? 'response', schema: format.schema };
      if (format.strict !== undefined) encoded.strict = format.strict;
      return encoded;
    }
  }
}

