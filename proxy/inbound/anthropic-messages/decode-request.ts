import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  FunctionTool,
  Message,
  ProviderTool,
  ReasoningPart,
  TextPart,
  ToolCallPart,
  ToolDefinition,
  ToolResultPart,
  UserMessage,
} from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';

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

const textKeys: ReadonlySet<string> = new Set(['type', 'text', 'cache_control', 'citations']);
const imageKeys: ReadonlySet<string> = new Set(['type', 'source', 'cache_control']);
const documentKeys: ReadonlySet<string> = new Set(['type', 'source', 'cache_control', 'citations', 'title', 'context']);
const toolUseKeys: ReadonlySet<string> = new Set(['type', 'id', 'name', 'input', 'cache_control']);
const toolResultKeys: ReadonlySet<string> = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control']);
const toolKeys: ReadonlySet<string> = new Set(['name', 'description', 'input_schema', 'strict', 'cache_control', 'eager_input_streaming']);

/** State shared while decoding one request's messages. */
interface DecodeState {
  /** Tool names by tool_use id, so tool results can name their tool (Gemini needs it). */
  toolNames: Map<string, string>;
}

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
    throw invalid('The request body must be a JSON object with `model`, `max_tokens` and `messages`.');
  }
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    throw invalid('model: Field required. Name the model to use, for example "claude-sonnet-4-5".', 'model');
  }
  if (!Array.isArray(body.messages)) {
    throw invalid('messages: Field required. Send an array of {"role": "user" | "assistant", "content": ...} turns.', 'messages');
  }
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    throw invalid('stream: must be true or false.', 'stream');
  }
  const request: CanonicalRequest = { model, messages: [], stream: stream === true };
  const state: DecodeState = { toolNames: new Map() };

  if (body.system !== undefined && body.system !== null) {
    request.messages.push({ role: 'system', content: decodeSystemContent(body.system, 'system') });
  }
  decodeMessages(body.messages, request.messages, state);

  const maxTokens = body.max_tokens;
  if (maxTokens === undefined || maxTokens === null) {
    if (requireMaxTokens) {
      throw invalid(
        'max_tokens: Field required. The Anthropic Messages API needs the largest number of tokens to generate, for example "max_tokens": 4096.',
        'max_tokens',
      );
    }
  } else if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) {
    throw invalid('max_tokens: must be a positive integer.', 'max_tokens');
  } else {
    request.maxOutputTokens = maxTokens as number;
  }

  const temperature = optionalNumber(body, 'temperature');
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(body, 'top_p');
  if (topP !== undefined) request.topP = topP;
  const topK = optionalNumber(body, 'top_k');
  if (topK !== undefined) request.topK = topK;

  const stopSequences = body.stop_sequences;
  if (stopSequences !== undefined && stopSequences !== null) {
    if (!Array.isArray(stopSequences) || !stopSequences.every((sequence) => typeof sequence === 'string')) {
      throw invalid('stop_sequences: must be an array of strings.', 'stop_sequences');
    }
    request.stopSequences = stopSequences as string[];
  }

  if (body.tools !== undefined && body.tools !== null) request.tools = decodeTools(body.tools);
  if (body.tool_choice !== undefined && body.tool_choice !== null) decodeToolChoice(body.tool_choice, request);
  if (body.thinking !== undefined && body.thinking !== null) decodeThinking(body.thinking, request);

  let extraFields: JsonObject | undefined;
  const metadata = body.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) throw invalid('metadata: must be an object such as {"user_id": "…"}.', 'metadata');
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

function decodeMessages(messages: unknown[], out: Message[], state: DecodeState): void {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    const path = `messages.${index}`;
    if (!isObject(message)) throw invalid(`${path}: each message must be an object with "role" and "content".`, 'messages');
    switch (message.role) {
      case 'user':
        decodeUserTurn(message.content, path, out, state);
        break;
      case 'assistant':
        out.push(decodeAssistantTurn(message.content, path, state));
        break;
      // Claude Code sends system reminders as role "system" turns inside `messages`; the
      // API accepts them there, so they stay in place instead of joining the top-level system.
      case 'system':
        out.push({ role: 'system', content: decodeSystemContent(message.content, `${path}.content`) });
        break;
      default:
        throw invalid(`${path}.role: must be "user", "assistant" or "system".`, 'messages');
    }
  }
}

function decodeSystemContent(content: unknown, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`${path}: must be a string or an array of text blocks.`, 'system');
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    if (!isObject(block) || block.type !== 'text') {
      throw invalid(`${path}.${index}: system content blocks must be {"type": "text", "text": "…"}.`, 'system');
    }
    parts.push(decodeTextBlock(block, `${path}.${index}`));
  }
  return parts;
}

/**
 * A user turn. Its `tool_result` blocks become a tool message placed before the rest of
 * the turn, which is where the API requires them to be anyway.
 */
function decodeUserTurn(content: unknown, path: string, out: Message[], state: DecodeState): void {
  if (typeof content === 'string') {
    out.push({ role: 'user', content: [{ type: 'text', text: content }] });
    return;
  }
  if (!Array.isArray(content)) throw invalid(`${path}.content: must be a string or an array of content blocks.`, 'messages');
  let toolResults: ToolResultPart[] | undefined;
  const parts: UserMessage['content'] = [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    const blockPath = `${path}.content.${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      throw invalid(`${blockPath}: each content block must be an object with a "type".`, 'messages');
    }
    switch (block.type) {
      case 'text':
        parts.push(decodeTextBlock(block, blockPath));
        break;
      case 'image':
        parts.push(decodeImageBlock(block, blockPath));
        break;
      case 'document':
        parts.push(decodeDocumentBlock(block, blockPath));
        break;
      case 'tool_result':
        (toolResults ??= []).push(decodeToolResultBlock(block, blockPath, state));
        break;
      default:
        parts.push(keepBlock(block));
    }
  }
  if (toolResults) out.push({ role: 'tool', content: toolResults });
  if (parts.length > 0 || !toolResults) out.push({ role: 'user', content: parts });
}

function decodeAssistantTurn(content: unknown, path: string, state: DecodeState): AssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content: [{ type: 'text', text: content }] };
  if (!Array.isArray(content)) throw invalid(`${path}.content: must be a string or an array of content blocks.`, 'messages');
  const parts: AssistantMessage['content'] = [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    const blockPath = `${path}.content.${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      throw invalid(`${blockPath}: each content block must be an object with a "type".`, 'messages');
    }
    switch (block.type) {
      case 'text':
        parts.push(decodeTextBlock(block, blockPath));
        break;
      case 'thinking':
        parts.push(decodeThinkingBlock(block, blockPath));
        break;
      case 'redacted_thinking': {
        if (typeof block.data !== 'string') throw invalid(`${blockPath}.data: must be the string the API returned.`, 'messages');
        parts.push({ type: 'reasoning', text: '', redactedData: block.data });
        break;
      }
      case 'tool_use':
        parts.push(decodeToolUseBlock(block, blockPath, state));
        break;
      default:
        parts.push(keepBlock(block));
    }
  }
  return { role: 'assistant', content: parts };
}

function decodeTextBlock(block: JsonObject, path: string): TextPart {
  if (typeof block.text !== 'string') throw invalid(`${path}.text: must be a string.`, 'messages');
  const part: TextPart = { type: 'text', text: block.text };
  let anthropic: JsonObject | undefined;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  if (block.citations != null) (anthropic ??= {}).citations = block.citations;
  const extra = extraKeys(block, textKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

function decodeThinkingBlock(block: JsonObject, path: string): ReasoningPart {
  if (typeof block.thinking !== 'string') throw invalid(`${path}.thinking: must be a string.`, 'messages');
  const part: ReasoningPart = { type: 'reasoning', text: block.thinking };
  // An empty signature comes from a thinking block that no Anthropic model signed.
  if (typeof block.signature === 'string' && block.signature !== '') part.signature = block.signature;
  return part;
}

function decodeToolUseBlock(block: JsonObject, path: string, state: DecodeState): ToolCallPart {
  if (typeof block.id !== 'string' || typeof block.name !== 'string') {
    throw invalid(`${path}: tool_use blocks need a string "id" and "name".`, 'messages');
  }
  const input = block.input;
  const part: ToolCallPart = {
    type: 'tool-call',
    id: block.id,
    name: block.name,
    // Some clients send the arguments already as JSON text.
    input: typeof input === 'string' ? input : JSON.stringify(input ?? {}),
  };
  state.toolNames.set(block.id, block.name);
  let anthropic: JsonObject | undefined;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, toolUseKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

function decodeToolResultBlock(block: JsonObject, path: string, state: DecodeState): ToolResultPart {
  if (typeof block.tool_use_id !== 'string') {
    throw invalid(`${path}.tool_use_id: must be the id of the tool_use block this result answers.`, 'messages');
  }
  const part: ToolResultPart = { type: 'tool-result', toolCallId: block.tool_use_id, content: [] };
  const toolName = state.toolNames.get(block.tool_use_id);
  if (toolName !== undefined) part.toolName = toolName;
  let anthropic: JsonObject | undefined;
  const content = block.content;
  if (typeof content === 'string') {
    part.content.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const item = content[index];
      const itemPath = `${path}.content.${index}`;
      if (!isObject(item) || typeof item.type !== 'string') {
        throw invalid(`${itemPath}: each content block must be an object with a "type".`, 'messages');
      }
      if (item.type === 'text') part.content.push(decodeTextBlock(item, itemPath));
      else if (item.type === 'image') part.content.push(decodeImageBlock(item, itemPath));
      else if (item.type === 'document') part.content.push(decodeDocumentBlock(item, itemPath));
      else part.content.push(keepBlock(item));
    }
    // One plain text block would otherwise come back as the string shorthand.
    if (content.length === 1 && part.content[0]?.type === 'text' && !part.content[0].providerOptions) {
      (anthropic ??= {}).contentAsBlocks = true;
    }
  } else if (content !== undefined && content !== null) {
    throw invalid(`${path}.content: must be a string or an array of content blocks.`, 'messages');
  }
  if (block.is_error === true) part.isError = true;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, toolResultKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

function decodeImageBlock(block: JsonObject, path: string): FilePart | TextPart {
  const source = block.source;
  if (!isObject(source)) throw invalid(`${path}.source: must be an object such as {"type": "base64", "media_type": "image/png", "data": "…"}.`, 'messages');
  let part: FilePart;
  switch (source.type) {
    case 'base64':
      if (typeof source.data !== 'string' || typeof source.media_type !== 'string') {
        throw invalid(`${path}.source: base64 images need string "media_type" and "data".`, 'messages');
      }
      part = { type: 'file', mediaType: source.media_type, data: { type: 'base64', data: source.data } };
      break;
    case 'url':
      if (typeof source.url !== 'string') throw invalid(`${path}.source.url: must be a string.`, 'messages');
      part = { type: 'file', mediaType: imageMediaTypeForUrl(source.url), data: { type: 'url', url: source.url } };
      break;
    case 'file':
      if (typeof source.file_id !== 'string') throw invalid(`${path}.source.file_id: must be a string.`, 'messages');
      // The Files API id says nothing of the format; `image/*` still marks the part as an image.
      part = { type: 'file', mediaType: 'image/*', data: { type: 'file-id', id: source.file_id } };
      break;
    default:
      return keepBlock(block);
  }
  let anthropic: JsonObject | undefined;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, imageKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

function decodeDocumentBlock(block: JsonObject, path: string): FilePart | TextPart {
  const source = block.source;
  if (!isObject(source)) throw invalid(`${path}.source: must be an object such as {"type": "base64", "media_type": "application/pdf", "data": "…"}.`, 'messages');
  let part: FilePart;
  let anthropic: JsonObject | undefined;
  switch (source.type) {
    case 'base64':
      if (typeof source.data !== 'string') throw invalid(`${path}.source.data: must be a base64 string.`, 'messages');
      part = {
        type: 'file',
        mediaType: typeof source.media_type === 'string' ? source.media_type : 'application/pdf',
        data: { type: 'base64', data: source.data },
      };
      break;
    case 'url':
      if (typeof source.url !== 'string') throw invalid(`${path}.source.url: must be a string.`, 'messages');
      // URL documents are PDFs: the API takes no other kind by URL.
      part = { type: 'file', mediaType: 'application/pdf', data: { type: 'url', url: source.url } };
      break;
    case 'text':
      if (typeof source.data !== 'string') throw invalid(`${path}.source.data: must be the document text.`, 'messages');
      // Canonical files carry bytes; the Anthropic encoder turns them back into a text source.
      part = { type: 'file', mediaType: 'text/plain', data: { type: 'base64', data: Buffer.from(source.data, 'utf8').toString('base64') } };
      anthropic = { sourceType: 'text' };
      break;
    case 'file':
      if (typeof source.file_id !== 'string') throw invalid(`${path}.source.file_id: must be a string.`, 'messages');
      part = { type: 'file', mediaType: 'application/octet-stream', data: { type: 'file-id', id: source.file_id } };
      break;
    default:
      // Custom content documents ({"type": "content"}) have no canonical form.
      return keepBlock(block);
  }
  if (typeof block.title === 'string') {
    part.filename = block.title;
    (anthropic ??= {}).title = block.title;
  }
  if (block.context != null) (anthropic ??= {}).context = block.context;
  if (block.citations != null) (anthropic ??= {}).citations = block.citations;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, documentKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

/**
 * A block with no canonical form (server tool calls and their results, search results,
 * compaction, container uploads, blocks newer than this code). The block itself rides in
 * `providerOptions.anthropic.block`, which the Anthropic encoder sends back verbatim; the
 * text is a short description so that another provider still sees that something was there.
 */
function keepBlock(block: JsonObject): TextPart {
  return { type: 'text', text: describeBlock(block), providerOptions: { anthropic: { block } } };
}

function describeBlock(block: JsonObject): string {
  if ((block.type === 'server_tool_use' || block.type === 'mcp_tool_use') && typeof block.name === 'string') {
    return `[${block.type} ${block.name} ${JSON.stringify(block.input ?? {})}]`;
  }
  if (block.type === 'web_search_tool_result' && Array.isArray(block.content)) {
    const lines: string[] = [];
    for (const result of block.content) {
      if (isObject(result) && typeof result.url === 'string') lines.push(`${typeof result.title === 'string' ? result.title : ''} <${result.url}>`);
    }
    return `[web search results]\n${lines.join('\n')}`;
  }
  return `[${block.type as string}]`;
}

function decodeTools(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) throw invalid('tools: must be an array of tool definitions.', 'tools');
  const definitions: ToolDefinition[] = [];
  for (let index = 0; index < tools.length; index++) {
    const tool = tools[index];
    const path = `tools.${index}`;
    if (!isObject(tool)) throw invalid(`${path}: must be an object.`, 'tools');
    const type = tool.type;
    if (type === undefined || type === null || type === 'custom') {
      definitions.push(decodeCustomTool(tool, path));
    } else if (typeof type === 'string') {
      // Typed tools (web_search_20250305, bash_20250124, text_editor_…, computer_…) are
      // defined by Anthropic and only mean something to Anthropic.
      const providerTool: ProviderTool = { type: 'provider', api: 'anthropic', raw: tool };
      if (typeof tool.name === 'string') providerTool.name = tool.name;
      definitions.push(providerTool);
    } else {
      throw invalid(`${path}.type: must be a string such as "custom" or "web_search_20250305".`, 'tools');
    }
  }
  return definitions;
}

function decodeCustomTool(tool: JsonObject, path: string): FunctionTool {
  if (typeof tool.name !== 'string' || tool.name === '') throw invalid(`${path}.name: Field required.`, 'tools');
  if (!isObject(tool.input_schema)) {
    throw invalid(`${path}.input_schema: Field required. Give a JSON Schema object such as {"type": "object", "properties": {}}.`, 'tools');
  }
  const definition: FunctionTool = { type: 'function', name: tool.name, inputSchema: tool.input_schema };
  if (typeof tool.description === 'string') definition.description = tool.description;
  if (typeof tool.strict === 'boolean') definition.strict = tool.strict;
  let anthropic: JsonObject | undefined;
  if (tool.cache_control != null) (anthropic ??= {}).cacheControl = tool.cache_control;
  if (tool.eager_input_streaming != null) (anthropic ??= {}).eagerInputStreaming = tool.eager_input_streaming;
  const extra = extraKeys(tool, toolKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) definition.providerOptions = { anthropic };
  return definition;
}

function decodeToolChoice(choice: unknown, request: CanonicalRequest): void {
  if (!isObject(choice)) throw invalid('tool_choice: must be an object such as {"type": "auto"}.', 'tool_choice');
  switch (choice.type) {
    case 'auto':
      request.toolChoice = { type: 'auto' };
      break;
    case 'any':
      request.toolChoice = { type: 'required' };
      break;
    case 'none':
      request.toolChoice = { type: 'none' };
      break;
    case 'tool':
      if (typeof choice.name !== 'string') throw invalid('tool_choice.name: Field required when tool_choice.type is "tool".', 'tool_choice');
      request.toolChoice = { type: 'tool', name: choice.name };
      break;
    default:
      throw invalid('tool_choice.type: must be "auto", "any", "tool" or "none".', 'tool_choice');
  }
  if (typeof choice.disable_parallel_tool_use === 'boolean') request.parallelToolCalls = !choice.disable_parallel_tool_use;
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
    throw invalid('thinking: must be an object such as {"type": "enabled", "budget_tokens": 4096}.', 'thinking');
  }
  let plain = false;
  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (!Number.isInteger(budget)) throw invalid('thinking.budget_tokens: Field required when thinking is enabled; use at least 1024.', 'thinking');
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
  if (!isObject(config)) throw invalid('output_config: must be an object.', 'output_config');
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

function optionalNumber(body: JsonObject, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${field}: must be a number.`, field);
  return value;
}

function imageMediaTypeForUrl(url: string): string {
  let end = url.indexOf('?');
  if (end === -1) end = url.length;
  const dot = url.lastIndexOf('.', end);
  switch (dot === -1 ? '' : url.slice(dot + 1, end).toLowerCase()) {
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'gif':
      return 'image/gif';
    case 'webp':
      return 'image/webp';
    default:
      return 'image/*';
  }
}

/** The fields of `object` outside `known`, or undefined when there are none. */
function extraKeys(object: JsonObject, known: ReadonlySet<string>): JsonObject | undefined {
  let extra: JsonObject | undefined;
  for (const key in object) if (!known.has(key)) (extra ??= {})[key] = object[key];
  return extra;
}

function hasOnlyKeys(object: JsonObject, ...keys: string[]): boolean {
  for (const key in object) if (!keys.includes(key)) return false;
  return true;
}

function invalid(message: string, param?: string): ProxyError {
  return new ProxyError('invalid_request', message, param === undefined ? {} : { param });
}
