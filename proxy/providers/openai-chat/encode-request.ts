import { createHash } from 'node:crypto';
import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  Message,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  UserMessage,
} from '../../core/request';
import type { SplicedUpstreamRequest, Target, UpstreamRequest } from '../adapter';
import type { ClientBytes } from '../../wire/client-bytes';
import { SplicedJson } from '../../wire/spliced-json';
import { clientSchemaOf } from '../../wire/client-schema';
import { isObject, type JsonObject } from '../../core/json';
import { bearerAuthHeaders, chatEndpointUrl } from './endpoint';
import type { ChatRequestContentPart, ChatRequestMessage, ChatRequestToolCall } from '../../wire/openai-chat/types';

/**
 * Encodes a canonical request as a Chat Completions call, for OpenAI's chat endpoint and
 * every OpenAI-compatible provider. Fields not every server accepts (`developer` role,
 * `max_completion_tokens`) and Mistral's tool call ids follow `target.chatDialect`. With the
 * client's bytes (`source`), message text, tool descriptions and schemas are copied from them
 * instead of serialised again, and the body is a Buffer.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function encodeChatRequest(request: CanonicalRequest, target: Target): UpstreamRequest;
export function encodeChatRequest(request: CanonicalRequest, target: Target, source: ClientBytes | undefined): SplicedUpstreamRequest;
export function encodeChatRequest(request: CanonicalRequest, target: Target, source?: ClientBytes): SplicedUpstreamRequest {
  const dialect = target.chatDialect ?? {};
  const style: MessageStyle = {
    developerRole: dialect.developerRole === true,
    reasoningContent: dialect.reasoningContent === true,
    toolCallId: dialect.nineCharacterToolCallIds ? nineCharacterToolCallId : keepToolCallId,
  };
  const splice = new SplicedJson(source);
  const body: JsonObject = { model: target.model, messages: encodeMessages(request.messages, style, splice) };

  const tools = encodeTools(request.tools, splice);
  if (tools) {
    body.tools = tools;
    // OpenAI rejects tool_choice and parallel_tool_calls on a request without tools.
    if (request.toolChoice) body.tool_choice = encodeToolChoice(request.toolChoice);
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.maxOutputTokens !== undefined) {
    // OpenAI deprecated max_tokens (reasoning models refuse it); compatible servers mostly know only max_tokens.
    body[dialect.maxCompletionTokens ? 'max_completion_tokens' : 'max_tokens'] = request.maxOutputTokens;
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stopSequences && request.stopSequences.length > 0) body.stop = request.stopSequences;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  const reasoningEffort = encodeReasoningEffort(request);
  if (reasoningEffort !== undefined) body.reasoning_effort = reasoningEffort;
  if (request.responseFormat) body.response_format = encodeResponseFormat(request.responseFormat);
  if (request.user !== undefined) body.user = request.user;

  const extraFields = request.extraBody?.format === 'openai-chat' ? request.extraBody.fields : undefined;
  if (extraFields) {
    for (const key in extraFields) {
      // Canonical fields win; stream_options is merged below so include_usage stays on.
      if (key === 'stream_options' || key in body) continue;
      body[key] = extraFields[key];
    }
  }
  if (request.stream) {
    body.stream = true;
    // Always ask for usage: without it a stream's cost is unknown. The inbound encoder
    // decides separately whether the client sees the usage chunk.
    const clientOptions = extraFields?.stream_options;
    body.stream_options = isObject(clientOptions) ? { ...clientOptions, include_usage: true } : { include_usage: true };
  }

  return { url: chatEndpointUrl(request.stream ? 'stream' : 'generate', target), headers: chatRequestHeaders(target), body: splice.serialize(body) };
}

/**
 * A Chat Completions call's headers. They follow the target alone (its key and the provider's
 * configured headers, which win), never the request: a caller may make them once per provider.
 */
export function chatRequestHeaders(target: Target): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...bearerAuthHeaders(target.apiKey) };
  if (target.headers) Object.assign(headers, target.headers);
  return headers;
}

type ToolCallIdEncoder = (id: string) => string;

/** The provider's dialect, as the message encoders read it. */
interface MessageStyle {
  developerRole: boolean;
  reasoningContent: boolean;
  toolCallId: ToolCallIdEncoder;
}

function encodeMessages(messages: Message[], style: MessageStyle, splice: SplicedJson): ChatRequestMessage[] {
  const encoded: ChatRequestMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        encoded.push({
          // Only OpenAI knows `developer`; elsewhere it is a system message by another name.
          role: message.variant === 'developer' && style.developerRole ? 'developer' : 'system',
          content: joinText(message.content, splice),
        });
        break;
      case 'user':
        encoded.push(encodeUserMessage(message, splice));
        break;
      case 'assistant':
        encoded.push(encodeAssistantMessage(message, style, splice));
        break;
      case 'tool':
        encodeToolMessage(message, encoded, style.toolCallId, splice);
        break;
    }
  }
  return encoded;
}

function encodeUserMessage(message: UserMessage, splice: SplicedJson): ChatRequestMessage {
  const content = message.content;
  if (content.length === 1 && content[0]?.type === 'text') return { role: 'user', content: splice.string(content[0].text) };
  return { role: 'user', content: content.map((part) => (part.type === 'text' ? { type: 'text', text: splice.string(part.text) } : encodeFilePart(part))) };
}

function encodeFilePart(part: FilePart): ChatRequestContentPart {
  const { mediaType, data } = part;
  if (mediaType.startsWith('image/') && data.type !== 'file-id') {
    const url = data.type === 'url' ? data.url : `data:${mediaType};base64,${data.data}`;
    const detail = part.providerOptions?.openai?.imageDetail;
    return { type: 'image_url', image_url: typeof detail === 'string' ? { url, detail } : { url } };
  }
  if (data.type === 'file-id') {
    return { type: 'file', file: part.filename === undefined ? { file_id: data.id } : { file_id: data.id, filename: part.filename } };
  }
  if (data.type === 'url') {
    throw new ProxyError(
      'invalid_request',
      `Chat Completions cannot fetch a ${mediaType} file from a URL (${data.url}); send it inline as base64 data instead.`,
    );
  }
  const audioFormat = audioFormats[mediaType];
  if (audioFormat) return { type: 'input_audio', input_audio: { data: data.data, format: audioFormat } };
  if (mediaType.startsWith('text/')) {
    // Plain text files are inlined: most compatible servers accept no `file` part at all.
    return { type: 'text', text: Buffer.from(data.data, 'base64').toString('utf8') };
  }
  // OpenAI requires a filename alongside file_data.
  const filename = part.filename ?? defaultFilename(mediaType);
  return { type: 'file', file: { filename, file_data: `data:${mediaType};base64,${data.data}` } };
}

const audioFormats: Record<string, 'wav' | 'mp3'> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
};

function defaultFilename(mediaType: string): string {
  return mediaType === 'application/pdf' ? 'document.pdf' : 'file';
}

/**
 * Assistant reasoning is dropped unless the dialect asks for `reasoning_content`: Chat
 * Completions has no input field for earlier reasoning, OpenAI refuses unknown message fields,
 * and DeepSeek's older reasoner answered 400 when `reasoning_content` came back. Its thinking
 * mode now requires it after a tool call, hence the dialect flag. Redacted reasoning (an
 * Anthropic `redacted_thinking` block) has no text another provider could read.
 *
 * @see https://api-docs.deepseek.com/guides/thinking_mode
 */
function encodeAssistantMessage(message: AssistantMessage, style: MessageStyle, splice: SplicedJson): ChatRequestMessage {
  let text: string | undefined;
  let reasoning: string[] | undefined;
  let toolCalls: ChatRequestToolCall[] | undefined;
  for (const part of message.content) {
    if (part.type === 'text') text = text === undefined ? part.text : text + part.text;
    else if (part.type === 'tool-call') {
      const id = style.toolCallId(part.id);
      const call: ChatRequestToolCall =
        part.providerOptions?.openai?.toolType === 'custom'
          ? { id, type: 'custom', custom: { name: part.name, input: part.input } }
          : { id, type: 'function', function: { name: part.name, arguments: part.input === '' ? '{}' : part.input } };
      (toolCalls ??= []).push(call);
    } else if (part.type === 'reasoning' && style.reasoningContent && part.text !== '') {
      (reasoning ??= []).push(part.text);
    }
  }
  const encoded: ChatRequestMessage = { role: 'assistant', content: text === undefined ? (toolCalls ? null : '') : splice.string(text) };
  if (reasoning) encoded.reasoning_content = reasoning.length === 1 ? splice.string(reasoning[0]!) : splice.joined(reasoning, '');
  if (toolCalls) encoded.tool_calls = toolCalls;
  return encoded;
}

/**
 * One `tool` message per result, with text content. Tool messages cannot carry images,
 * so images a tool returned follow in one user message that says which call they came from.
 */
function encodeToolMessage(message: ToolMessage, encoded: ChatRequestMessage[], toolCallId: ToolCallIdEncoder, splice: SplicedJson): void {
  let images: ChatRequestContentPart[] | undefined;
  for (const result of message.content) {
    let text = '';
    for (const part of result.content) {
      if (part.type === 'text') text += part.text;
      else {
        images ??= [];
        images.push({ type: 'text', text: `Image returned by tool call ${result.toolCallId}:` }, encodeFilePart(part));
      }
    }
    encoded.push({ role: 'tool', tool_call_id: toolCallId(result.toolCallId), content: splice.string(text) });
  }
  if (images) encoded.push({ role: 'user', content: images });
}

function keepToolCallId(id: string): string {
  return id;
}

/**
 * Mistral rejects tool call ids that are not exactly nine letters or digits ("Tool call id
 * was call_… but must be a-z, A-Z, 0-9, with a length of 9"), so a conversation that began
 * with another provider fails there. Other ids are hashed to a stable nine-character id, the
 * same for a call and its result; Mistral's own ids pass unchanged.
 */
function nineCharacterToolCallId(id: string): string {
  if (id.length === 9 && isAlphanumeric(id)) return id;
  const digest = createHash('sha256').update(id).digest('base64');
  let result = '';
  for (let index = 0; index < digest.length && result.length < 9; index++) {
    const character = digest[index] as string;
    if (isAlphanumeric(character)) result += character;
  }
  return result;
}

function isAlphanumeric(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const isDigit = code >= 48 && code <= 57;
    const isLetter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (!isDigit && !isLetter) return false;
  }
  return true;
}

function encodeTools(tools: ToolDefinition[] | undefined, splice: SplicedJson): JsonObject[] | undefined {
  if (!tools) return undefined;
  const encoded: JsonObject[] = [];
  for (const tool of tools) {
    if (tool.type === 'function') {
      const definition: JsonObject = { name: tool.name };
      if (tool.description !== undefined) definition.description = splice.string(tool.description);
      // The decoders hand the client's schema on as parsed: its bytes are the schema.
      // A schema still held as the client's bytes (client-schema.ts) is copied without being parsed.
      definition.parameters = splice.schema(clientSchemaOf(tool), () => tool.inputSchema);
      if (tool.strict !== undefined) definition.strict = tool.strict;
      encoded.push({ type: 'function', function: definition });
    } else if (tool.api === 'openai-chat') {
      encoded.push(tool.raw);
    }
    // Tools of other APIs (Anthropic web search, Responses built-ins) mean nothing here.
  }
  return encoded.length > 0 ? encoded : undefined;
}

function encodeToolChoice(choice: ToolChoice): string | JsonObject {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.name } } : choice.type;
}

/**
 * Prefers the client's own Chat Completions value (`none`, `xhigh`, Groq's `default`),
 * kept by the inbound decoder. Without an explicit effort nothing is sent: an Anthropic
 * thinking budget alone must not make a non-reasoning model reject the request.
 */
function encodeReasoningEffort(request: CanonicalRequest): string | undefined {
  const wireValue = request.providerOptions?.openai?.reasoningEffort;
  if (typeof wireValue === 'string') return wireValue;
  return request.reasoning?.enabled ? request.reasoning.effort : undefined;
}

function encodeResponseFormat(format: ResponseFormat): JsonObject {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json':
      return { type: 'json_object' };
    case 'json-schema': {
      // OpenAI requires a schema name.
      const definition: JsonObject = { name: format.name ?? 'response', schema: format.schema };
      if (format.strict !== undefined) definition.strict = format.strict;
      return { type: 'json_schema', json_schema: definition };
    }
  }
}

function joinText(parts: TextPart[], splice: SplicedJson): string {
  if (parts.length === 1 && parts[0]) return splice.string(parts[0].text);
  return splice.joined(parts.map((part) => part.text), '\n\n');
}

