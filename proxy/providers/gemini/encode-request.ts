import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  FunctionTool,
  ReasoningEffort,
  TextPart,
  ToolChoice,
  ToolMessage,
} from '../../core/request';
import type { Target, UpstreamRequest } from '../adapter';
import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequestBody,
  GeminiThinkingConfig,
  GeminiTool,
  GeminiToolConfig,
} from '../../wire/gemini/types';
import { isObject, parseToolArguments } from '../../core/json';
import { geminiAuthHeaders, geminiEndpointUrl, geminiModelId } from './endpoint';

/**
 * The placeholder Google documents for a function call Gemini did not sign: history from
 * another provider, or a call whose signature a client could not carry (an OpenAI-format
 * client has no field for it). Gemini 3 answers 400 when the first call of a step has no
 * signature; this value turns that check off for the call, which is better than failing.
 *
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures#faqs
 */
export const geminiSkipSignature = 'skip_thought_signature_validator';

/**
 * Thinking budgets for a requested effort. They sit inside every 2.5 and 3 model's allowed
 * range (Flash-Lite needs at least 512), and Gemini 3 maps budgets to its thinking levels.
 */
const budgetByEffort: Record<ReasoningEffort, number> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/** Largest budgets Gemini accepts: 32768 on Pro models, 24576 on Flash and Flash-Lite. */
const proMaxBudget = 32768;
const flashMaxBudget = 24576;

/** What an earlier tool call told us, for the results that answer it. */
interface CallInfo {
  name: string;
  /** Gemini's own id, sent back only when Gemini made it. */
  geminiId?: string;
}

/**
 * Encodes a canonical request as a Gemini `generateContent` (or, when streaming,
 * `streamGenerateContent?alt=sse`) call.
 *
 * @see https://ai.google.dev/api/generate-content#method:-models.generatecontent
 */
export function encodeGeminiRequest(request: CanonicalRequest, target: Target): UpstreamRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...geminiAuthHeaders(target.apiKey) };
  if (target.headers) Object.assign(headers, target.headers);
  return {
    url: geminiEndpointUrl(request.stream ? 'stream' : 'generate', target),
    headers,
    body: JSON.stringify(encodeGeminiBody(request, geminiModelId(target.model))),
  };
}

/**
 * Builds the request body. `model` is the provider's model id, used only to keep a thinking
 * budget within what that model accepts.
 */
export function encodeGeminiBody(request: CanonicalRequest, model: string): GeminiRequestBody {
  const contents: GeminiContent[] = [];
  const systemParts: GeminiPart[] = [];
  const calls = new Map<string, CallInfo>();
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        for (const part of message.content) {
          if (part.text !== '') systemParts.push({ text: part.text });
        }
        break;
      case 'user':
        append(contents, 'user', encodeUserParts(message.content));
        break;
      case 'assistant':
        append(contents, 'model', encodeAssistantParts(message, calls));
        break;
      case 'tool':
        append(contents, 'user', encodeToolResults(message, calls));
        break;
    }
  }
  signFirstCalls(contents);

  const body: GeminiRequestBody = { contents };
  if (systemParts.length > 0) body.systemInstruction = { parts: systemParts };
  const tools = encodeTools(request);
  if (tools.length > 0) body.tools = tools;
  const toolConfig = request.toolChoice ? encodeToolChoice(request.toolChoice) : undefined;
  if (toolConfig) body.toolConfig = toolConfig;
  const generationConfig = encodeGenerationConfig(request, model);
  if (generationConfig) body.generationConfig = generationConfig;
  // Fields a Gemini client sent that have no canonical home (safetySettings, cachedContent,
  // labels…) go back only to Gemini; another provider would reject them.
  if (request.extraBody?.format === 'gemini') {
    for (const [key, value] of Object.entries(request.extraBody.fields)) {
      if (!(key in body)) body[key] = value;
    }
  }
  return body;
}

/** Gemini wants turns to alternate; consecutive contents of one role are merged. */
function append(contents: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return; // Gemini rejects a content without parts
  const last = contents[contents.length - 1];
  if (last !== undefined && last.role === role && last.parts) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function encodeUserParts(content: Array<TextPart | FilePart>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      // Gemini rejects empty text parts ("contents.parts must not be empty").
      if (part.text !== '') parts.push({ text: part.text });
    } else {
      parts.push(encodeFile(part));
    }
  }
  return parts;
}

/**
 * Inline bytes become `inlineData`; URLs and provider file ids become `fileData` (Gemini
 * Files API URIs, and public URLs on models that fetch them).
 *
 * @see https://ai.google.dev/api/caching#Part
 */
function encodeFile(part: FilePart): GeminiPart {
  const data = part.data;
  switch (data.type) {
    case 'base64':
      return { inlineData: { mimeType: part.mediaType, data: data.data } };
    case 'url': {
      // A data URL is inline bytes in disguise; Gemini does not fetch `data:` URIs.
      if (data.url.startsWith('data:')) {
        const marker = data.url.indexOf(';base64,');
        if (marker !== -1) {
          return {
            inlineData: { mimeType: data.url.slice('data:'.length, marker), data: data.url.slice(marker + ';base64,'.length) },
          };
        }
      }
      return { fileData: { mimeType: part.mediaType, fileUri: data.url } };
    }
    case 'file-id':
      return { fileData: { mimeType: part.mediaType, fileUri: data.id } };
  }
}

function encodeAssistantParts(message: AssistantMessage, calls: Map<string, CallInfo>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  for (const part of message.content) {
    const signature = geminiSignature(part.providerOptions?.gemini);
    switch (part.type) {
      case 'text': {
        // An empty text part is kept only as the carrier of a signature Gemini sent on it.
        if (part.text === '' && signature === undefined) break;
        const text: GeminiPart = { text: part.text };
        if (signature !== undefined) text.thoughtSignature = signature;
        parts.push(text);
        break;
      }
      case 'reasoning':
        // Gemini reuses its reasoning only through the signature on the part. Reasoning from
        // another provider (an Anthropic signature, OpenAI encrypted content) or a thought
        // summary whose signature was lost would come back as unsigned prompt text that
        // Gemini cannot trust, so it is left out.
        if (signature !== undefined) parts.push({ text: part.text, thought: true, thoughtSignature: signature });
        break;
      case 'tool-call': {
        const geminiId = readString(part.providerOptions?.gemini, 'functionCallId');
        const functionCall: GeminiPart['functionCall'] = { name: part.name, args: parseToolArguments(part.input) };
        if (geminiId !== undefined) functionCall.id = geminiId;
        const call: GeminiPart = { functionCall };
        if (signature !== undefined) call.thoughtSignature = signature;
        parts.push(call);
        calls.set(part.id, geminiId === undefined ? { name: part.name } : { name: part.name, geminiId });
        break;
      }
    }
  }
  return parts;
}

/**
 * Tool results become `functionResponse` parts in a user turn. Gemini matches them to calls by
 * name (and by id when it gave one), so a result without `toolName` takes the name of the
 * call it answers. Files in a result follow it as sibling parts, which every model reads
 * (`functionResponse.parts` is Gemini 3 only).
 *
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 */
function encodeToolResults(message: ToolMessage, calls: Map<string, CallInfo>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const files: GeminiPart[] = [];
  for (const result of message.content) {
    const call = calls.get(result.toolCallId);
    const name = result.toolName ?? call?.name;
    if (name === undefined) {
      throw new ProxyError(
        'invalid_request',
        `The tool result for call '${result.toolCallId}' answers no earlier tool call, and Gemini needs the function's name. Send the assistant message with that tool call before its result.`,
      );
    }
    let text = '';
    for (const part of result.content) {
      if (part.type === 'text') text = text === '' ? part.text : `${text}\n${part.text}`;
      else files.push(encodeFile(part));
    }
    // `output` and `error` are the keys the API documents for a function's result.
    const functionResponse: GeminiPart['functionResponse'] = {
      name,
      response: result.isError === true ? { error: text } : { output: text },
    };
    if (call?.geminiId !== undefined) functionResponse.id = call.geminiId;
    parts.push({ functionResponse });
  }
  parts.push(...files);
  return parts;
}

/**
 * Gemini 3 requires the first function call of every model turn to carry a signature. Calls
 * that reach us unsigned get the documented placeholder (see `geminiSkipSignature`).
 */
function signFirstCalls(contents: GeminiContent[]): void {
  for (const content of contents) {
    if (content.role !== 'model' || !content.parts) continue;
    const first = content.parts.find((part) => part.functionCall !== undefined);
    if (first !== undefined && first.thoughtSignature === undefined) first.thoughtSignature = geminiSkipSignature;
  }
}

/**
 * Function tools go in one `functionDeclarations` entry with their JSON Schema as
 * `parametersJsonSchema`, which takes full JSON Schema (`anyOf`, `$ref`, `additionalProperties`,
 * type arrays). The older `parameters` takes only an OpenAPI subset and rejects the schemas
 * MCP servers and zod emit. Gemini's own tools (`googleSearch`…) are sent as they came.
 *
 * @see https://ai.google.dev/api/caching#FunctionDeclaration
 */
function encodeTools(request: CanonicalRequest): GeminiTool[] {
  const tools: GeminiTool[] = [];
  if (!request.tools) return tools;
  const declarations: GeminiFunctionDeclaration[] = [];
  for (const tool of request.tools) {
    if (tool.type === 'function') declarations.push(encodeFunctionDeclaration(tool));
    else if (tool.api === 'gemini') tools.push(tool.raw);
  }
  if (declarations.length > 0) tools.unshift({ functionDeclarations: declarations });
  return tools;
}

function encodeFunctionDeclaration(tool: FunctionTool): GeminiFunctionDeclaration {
  const declaration: GeminiFunctionDeclaration = { name: tool.name };
  if (tool.description !== undefined && tool.description !== '') declaration.description = tool.description;
  declaration.parametersJsonSchema = withoutSchemaKeyword(tool.inputSchema);
  return declaration;
}

/**
 * Gemini rejects the `$schema` keyword ("Unknown name \"$schema\""), which zod-to-json-schema
 * and many MCP servers put at the root. Only the root is checked: that is where they put it.
 */
function withoutSchemaKeyword(schema: Record<string, unknown>): Record<string, unknown> {
  if (!('$schema' in schema)) return schema;
  const copy = { ...schema };
  delete copy.$schema;
  return copy;
}

/** @see https://ai.google.dev/api/caching#FunctionCallingConfig */
function encodeToolChoice(choice: ToolChoice): GeminiToolConfig {
  switch (choice.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }
}

/**
 * Sampling, output format and thinking. A Gemini client's own generationConfig fields with no
 * canonical home (`candidateCount`, `responseModalities`…) arrive in
 * `providerOptions.gemini.generationConfig` and are sent underneath ours.
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerationConfig
 */
function encodeGenerationConfig(request: CanonicalRequest, model: string): GeminiGenerationConfig | undefined {
  const extra = request.providerOptions?.gemini?.generationConfig;
  const config: GeminiGenerationConfig = isObject(extra) ? { ...extra } : {};
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) config.stopSequences = request.stopSequences;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json-schema') config.responseJsonSchema = withoutSchemaKeyword(format.schema);
  }
  const thinking = encodeThinkingConfig(request, model);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length > 0 ? config : undefined;
}

/**
 * Thinking on asks for thought summaries (`includeThoughts`) so clients can show them, with
 * the requested budget, or the client's Gemini 3 `thinkingLevel`, or a budget for the effort.
 * Thinking off is sent as a zero budget only when the client asked for zero: 2.5 Pro and the
 * Gemini 3 models cannot stop thinking and answer 400 to a zero budget.
 *
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
function encodeThinkingConfig(request: CanonicalRequest, model: string): GeminiThinkingConfig | undefined {
  const reasoning = request.reasoning;
  if (reasoning === undefined) return undefined;
  if (!reasoning.enabled) return reasoning.budgetTokens === 0 ? { thinkingBudget: 0 } : undefined;
  // A Gemini client that asked not to see thoughts keeps that choice.
  const config: GeminiThinkingConfig = { includeThoughts: request.providerOptions?.gemini?.includeThoughts !== false };
  const level = readString(request.providerOptions?.gemini, 'thinkingLevel');
  const maxBudget = model.includes('pro') ? proMaxBudget : flashMaxBudget;
  if (reasoning.budgetTokens !== undefined) {
    // -1 is Gemini's "let the model decide"; other budgets are kept within the model's range
    // (an Anthropic client may ask for 64k).
    config.thinkingBudget = reasoning.budgetTokens < 0 ? -1 : Math.min(reasoning.budgetTokens, maxBudget);
  } else if (level !== undefined) {
    config.thinkingLevel = level;
  } else if (reasoning.effort !== undefined) {
    config.thinkingBudget = Math.min(budgetByEffort[reasoning.effort], maxBudget);
  }
  return config;
}


function geminiSignature(options: Record<string, unknown> | undefined): string | undefined {
  return readString(options, 'thoughtSignature');
}

function readString(options: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = options?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

