import { ProxyError } from '../../core/errors';
import type {
  AssistantMessage,
  CanonicalRequest,
  FilePart,
  ReasoningEffort,
  TextPart,
  ToolResultPart,
  UserMessage,
} from '../../core/request';
import type { Target, UpstreamRequest } from '../adapter';
import { anthropicToolUseId } from './tool-use-id';
import { isObject, parseToolArguments, type JsonObject } from '../../core/json';
import { anthropicAuthHeaders, anthropicEndpointUrl } from './endpoint';

/** Anthropic requires at least this thinking budget. */
const minimumThinkingBudget = 1024;

/**
 * A thinking budget that fits under `maxTokens`: half of it (the other half for the answer),
 * at least Anthropic's minimum; undefined when even the minimum does not fit
 * (`budget_tokens` must be ≥ 1024 and < `max_tokens`).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size
 */
export function thinkingBudgetWithin(maxTokens: number): number | undefined {
  const budget = Math.max(minimumThinkingBudget, Math.floor(maxTokens / 2));
  return budget < maxTokens ? budget : undefined;
}

/**
 * Thinking budgets for a reasoning effort when the client named no budget (OpenAI
 * clients send `reasoning_effort`). Each step roughly doubles; `high` still leaves half of
 * the 32k default `max_tokens` for the answer.
 */
const budgetByEffort: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
};

/** Fields the token-counting endpoint accepts; it rejects the sampling ones. */
const countTokensFields: readonly string[] = [
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'cache_control',
  'speed',
  'context_management',
  'mcp_servers',
  'user_profile_id',
];

interface Turn {
  role: 'user' | 'assistant' | 'system';
  content: JsonObject[];
  /** How many tool_result blocks open the turn: they must come before anything else. */
  toolResults: number;
}

/**
 * Encodes a canonical request as `POST /v1/messages`.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export function encodeAnthropicRequest(request: CanonicalRequest, target: Target): UpstreamRequest {
  const body = encodeMessagesBody(request, target);
  return { url: anthropicEndpointUrl(request.stream ? 'stream' : 'generate', target), headers: encodeHeaders(request, target), body: JSON.stringify(body) };
}

/**
 * Encodes a canonical request as `POST /v1/messages/count_tokens`: the same body without
 * the fields that endpoint rejects.
 *
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function encodeAnthropicCountTokensRequest(request: CanonicalRequest, target: Target): UpstreamRequest {
  const full = encodeMessagesBody(request, target);
  const body: JsonObject = {};
  for (const field of countTokensFields) if (full[field] !== undefined) body[field] = full[field];
  return { url: anthropicEndpointUrl('count-tokens', target), headers: encodeHeaders(request, target), body: JSON.stringify(body) };
}

/** The JSON body for `/v1/messages`, before serialisation. */
export function encodeMessagesBody(request: CanonicalRequest, target: Target): JsonObject {
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        // Leading system messages are the system prompt. Later ones stay where they are:
        // the API accepts role "system" turns, and moving them to the top would change the
        // prompt prefix that the cache and the model see.
        if (turns.length === 0) {
          for (const part of message.content) pushText(system, part);
        } else {
          const blocks: JsonObject[] = [];
          for (const part of message.content) pushText(blocks, part);
          appendTurn(turns, 'system', blocks);
        }
        break;
      case 'user':
        appendTurn(turns, 'user', encodeUserContent(message.content, target));
        break;
      case 'assistant':
        appendTurn(turns, 'assistant', encodeAssistantContent(message.content));
        break;
      case 'tool':
        appendToolResults(turns, message.content.map((part) => encodeToolResult(part, target)));
        break;
    }
  }

  // The ceiling (the model's output limit, or what its context window leaves) bounds the default,
  // and thinking below: Anthropic counts thinking inside max_tokens.
  const ceiling = target.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  let maxTokens = Math.min(request.maxOutputTokens ?? defaultMaxOutputTokens(target.model), ceiling);
  const body: JsonObject = { model: target.model, max_tokens: maxTokens };
  if (system.length > 0) body.system = system.length === 1 && isPlainText(system[0]!) ? system[0]!.text : system;
  body.messages = turns.map(encodeTurn);

  const anthropic = request.providerOptions?.anthropic;
  let thinking: JsonObject | undefined;
  if (isObject(anthropic?.thinking)) {
    thinking = anthropic.thinking;
    if (thinking.type === 'enabled' && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= maxTokens) {
      // max_tokens was lowered to the target's ceiling: the client's budget must stay below it.
      const budget = thinkingBudgetWithin(maxTokens);
      thinking = budget === undefined ? undefined : { ...thinking, budget_tokens: budget };
    }
  } else if (request.reasoning) {
    if (!request.reasoning.enabled) {
      thinking = { type: 'disabled' };
    } else {
      let budget = Math.max(minimumThinkingBudget, request.reasoning.budgetTokens ?? budgetByEffort[request.reasoning.effort ?? 'medium']);
      if (budget >= maxTokens && (request.reasoning.budgetTokens !== undefined || maxTokens <= minimumThinkingBudget)) {
        // The client asked for both numbers (or left no room at all): grow max_tokens to keep
        // the answer's room, as far as the ceiling allows.
        maxTokens = Math.min(maxTokens + budget, ceiling);
        body.max_tokens = maxTokens;
      }
      if (budget >= maxTokens) budget = thinkingBudgetWithin(maxTokens) ?? budget;
      // A ceiling below Anthropic's minimum budget leaves no room to think: answer without.
      thinking = budget < maxTokens ? { type: 'enabled', budget_tokens: budget } : undefined;
    }
  }
  if (thinking && thinking.type !== 'disabled' && continuesToolUseWithoutThinking(turns)) {
    // A tool-use loop started by another provider has no signed thinking block, and
    // Anthropic rejects a continuation with thinking on unless the assistant turn starts
    // with one. Answering without thinking beats failing the request.
    thinking = undefined;
  }
  if (thinking) body.thinking = thinking;
  const thinkingOn = thinking !== undefined && thinking.type !== 'disabled';

  // Thinking allows only temperature 1, no top_k and only top_p ≥ 0.95; recent models also
  // reject temperature and top_p together, so temperature wins. OpenAI's range reaches 2.
  if (request.temperature !== undefined && (!thinkingOn || request.temperature === 1)) body.temperature = Math.min(1, Math.max(0, request.temperature));
  if (request.topP !== undefined && body.temperature === undefined && (!thinkingOn || request.topP >= 0.95)) body.top_p = request.topP;
  if (request.topK !== undefined && !thinkingOn) body.top_k = request.topK;
  if (request.stopSequences) {
    // The API rejects whitespace-only stop sequences, which OpenAI clients often send ("\n").
    const stopSequences = request.stopSequences.filter((sequence) => sequence.trim() !== '');
    if (stopSequences.length > 0) body.stop_sequences = stopSequences;
  }

  const tools = encodeTools(request);
  if (tools.length > 0) {
    body.tools = tools;
    const toolChoice = encodeToolChoice(request);
    if (toolChoice) body.tool_choice = toolChoice;
  }

  const outputConfig: JsonObject = {};
  if (anthropic?.effort !== undefined) outputConfig.effort = anthropic.effort;
  // Plain JSON mode has no Anthropic switch; only a schema can be enforced.
  if (request.responseFormat?.type === 'json-schema') outputConfig.format = { type: 'json_schema', schema: request.responseFormat.schema };
  for (const _ in outputConfig) {
    body.output_config = outputConfig;
    break;
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.stream) body.stream = true;

  if (request.extraBody?.format === 'anthropic-messages') {
    const fields = request.extraBody.fields;
    for (const key in fields) body[key] = fields[key];
  }
  if (!hasCacheControl(body)) {
    if (target.promptCaching === true) placeCacheBreakpoints(body);
  } else {
    keepLastBreakpoints(body);
  }
  return body;
}

/**
 * A translated request whose client marked more breakpoints than Anthropic accepts (a client
 * written for a gateway that drops the extra ones) would be refused whole: only the last four,
 * in prompt order (tools, system, messages), are kept. The last ones cover the longest prefix.
 */
function keepLastBreakpoints(body: JsonObject): void {
  const marked: JsonObject[] = [];
  const collect = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks) {
      if (!isObject(block)) continue;
      if (block.cache_control !== undefined) marked.push(block);
      collect(block.content);
    }
  };
  collect(body.tools);
  collect(body.system);
  if (Array.isArray(body.messages)) for (const message of body.messages) if (isObject(message)) collect(message.content);
  for (const block of marked.slice(0, Math.max(0, marked.length - maximumBreakpoints))) delete block.cache_control;
}

/** Anthropic accepts at most this many cache breakpoints per request. */
const maximumBreakpoints = 4;

const ephemeral = { type: 'ephemeral' } as const;

/**
 * Marks prompt-cache breakpoints on a request whose client marked none (an OpenAI, Responses or
 * Gemini client translated to Anthropic), where Anthropic's docs place them: the end of the
 * tools, the end of the system prompt, the last message, and the message that was last in the
 * previous request of the conversation (the user turn before the last assistant turn), so each
 * turn reads the prefix the previous one wrote even past the 20-block lookback. At most four.
 * Prefix bytes stay the same from turn to turn, markers aside (the cache hashes content, and
 * markers move on as the conversation grows, as Claude Code's do): every turn's content is
 * sent in block form, so a turn marked once and plain later is not a string one time and an
 * array the next.
 * Blocks are copied before they are marked: a kept client block must not change under the caller.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export function placeCacheBreakpoints(body: JsonObject): void {
  let placed = 0;
  const tools = body.tools;
  if (Array.isArray(tools) && tools.length > 0) {
    const last = tools.length - 1;
    if (isObject(tools[last])) {
      tools[last] = { ...tools[last], cache_control: ephemeral };
      placed++;
    }
  }
  if (typeof body.system === 'string') body.system = [{ type: 'text', text: body.system }];
  if (Array.isArray(body.system) && body.system.length > 0 && markLastBlock(body.system)) placed++;
  const messages = Array.isArray(body.messages) ? (body.messages as JsonObject[]) : [];
  for (const message of messages) if (typeof message.content === 'string') message.content = [{ type: 'text', text: message.content }];
  const marks = [messages.length - 1];
  // The previous request's last message: the user turn before the last assistant turn.
  if (messages.length >= 3 && messages[messages.length - 3]?.role === 'user') marks.push(messages.length - 3);
  for (const index of marks) {
    if (placed >= maximumBreakpoints) break;
    const message = messages[index];
    if (message === undefined) continue;
    if (Array.isArray(message.content) && markLastBlock(message.content)) placed++;
  }
}

/** Marks the last block that can carry a breakpoint (not thinking); false when there is none. */
function markLastBlock(blocks: unknown[]): boolean {
  for (let index = blocks.length - 1; index >= 0; index--) {
    const block = blocks[index];
    if (!isObject(block) || block.type === 'thinking' || block.type === 'redacted_thinking') continue;
    blocks[index] = { ...block, cache_control: ephemeral };
    return true;
  }
  return false;
}

/** Whether the client marked any breakpoint itself (its markers always win), or asked for automatic caching. */
function hasCacheControl(body: JsonObject): boolean {
  if (body.cache_control !== undefined) return true;
  const marked = (blocks: unknown): boolean => Array.isArray(blocks) && blocks.some((block) => isObject(block) && (block.cache_control !== undefined || marked(block.content)));
  if (marked(body.tools) || marked(body.system)) return true;
  return Array.isArray(body.messages) && body.messages.some((message) => isObject(message) && marked(message.content));
}

/**
 * The largest `max_tokens` every model of a family accepts. A client that set no limit
 * should not be cut short, and 32,000 is the ceiling of the smallest current model
 * (Opus 4 and 4.1); Claude 3 and 3.5 models cap lower.
 *
 * @see https://docs.anthropic.com/en/docs/about-claude/models/overview
 */
export function defaultMaxOutputTokens(model: string): number {
  if (model.startsWith('claude-3-5')) return 8192;
  if (model.startsWith('claude-3-opus') || model.startsWith('claude-3-sonnet') || model.startsWith('claude-3-haiku')) return 4096;
  return 32000;
}

function encodeHeaders(request: CanonicalRequest, target: Target): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...anthropicAuthHeaders(target.apiKey) };
  // The anthropic-beta header of the client, when the server copied it here.
  const betas = request.providerOptions?.anthropic?.betas;
  if (Array.isArray(betas) && betas.length > 0) headers['anthropic-beta'] = betas.join(',');
  if (target.headers) Object.assign(headers, target.headers);
  return headers;
}

function appendTurn(turns: Turn[], role: Turn['role'], blocks: JsonObject[]): void {
  if (blocks.length === 0) return; // the API rejects empty turns
  const last = turns[turns.length - 1];
  // Consecutive turns of one role are merged: the API would merge them anyway, and it
  // needs tool results and the user's next words in one user turn.
  if (last && last.role === role) {
    for (const block of blocks) last.content.push(block);
  } else {
    turns.push({ role, content: blocks, toolResults: 0 });
  }
}

/** Tool results join the user turn around them, ahead of its other blocks as the API requires. */
function appendToolResults(turns: Turn[], blocks: JsonObject[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last && last.role === 'user') {
    last.content.splice(last.toolResults, 0, ...blocks);
    last.toolResults += blocks.length;
  } else {
    turns.push({ role: 'user', content: blocks, toolResults: blocks.length });
  }
}

function encodeTurn(turn: Turn): JsonObject {
  const content = turn.content;
  return { role: turn.role, content: content.length === 1 && isPlainText(content[0]!) ? content[0]!.text : content };
}

function encodeUserContent(parts: UserMessage['content'], target: Target): JsonObject[] {
  const blocks: JsonObject[] = [];
  for (const part of parts) {
    if (part.type === 'text') pushText(blocks, part);
    else blocks.push(encodeFile(part, target));
  }
  return blocks;
}

function encodeAssistantContent(parts: AssistantMessage['content']): JsonObject[] {
  const blocks: JsonObject[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        pushText(blocks, part);
        break;
      case 'reasoning':
        // Anthropic verifies every thinking block it gets back against its signature.
        // Reasoning from other providers has none (or one Anthropic cannot verify), so it
        // is dropped rather than failing the whole request.
        if (part.signature) blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
        else if (part.redactedData) blocks.push({ type: 'redacted_thinking', data: part.redactedData });
        break;
      case 'tool-call': {
        const block: JsonObject = { type: 'tool_use', id: anthropicToolUseId(part.id), name: part.name, input: parseToolArguments(part.input) };
        const anthropic = part.providerOptions?.anthropic;
        if (anthropic) applyOptions(block, anthropic);
        blocks.push(block);
        break;
      }
    }
  }
  return blocks;
}

function encodeToolResult(part: ToolResultPart, target: Target): JsonObject {
  const block: JsonObject = { type: 'tool_result', tool_use_id: anthropicToolUseId(part.toolCallId) };
  const anthropic = part.providerOptions?.anthropic;
  const content: JsonObject[] = [];
  for (const item of part.content) {
    if (item.type === 'text') pushText(content, item);
    else content.push(encodeFile(item, target));
  }
  const only = part.content[0];
  if (part.content.length === 1 && only?.type === 'text' && !only.providerOptions && anthropic?.contentAsBlocks !== true) {
    block.content = only.text;
  } else if (content.length > 0) {
    block.content = content;
  }
  if (part.isError) block.is_error = true;
  if (anthropic) applyOptions(block, anthropic);
  return block;
}

function encodeFile(part: FilePart, target: Target): JsonObject {
  const anthropic = part.providerOptions?.anthropic;
  const data = part.data;
  let block: JsonObject;
  if (part.mediaType.startsWith('image/')) {
    let source: JsonObject;
    if (data.type === 'base64') source = { type: 'base64', media_type: part.mediaType, data: data.data };
    else if (data.type === 'url') source = { type: 'url', url: data.url };
    else source = { type: 'file', file_id: data.id };
    block = { type: 'image', source };
  } else {
    let source: JsonObject;
    if (data.type === 'url') {
      source = { type: 'url', url: data.url };
    } else if (data.type === 'file-id') {
      source = { type: 'file', file_id: data.id };
    } else if (part.mediaType === 'application/pdf') {
      source = { type: 'base64', media_type: 'application/pdf', data: data.data };
    } else if (part.mediaType.startsWith('text/') || anthropic?.sourceType === 'text') {
      source = { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') };
    } else {
      throw new ProxyError(
        'invalid_request',
        `${target.provider} accepts images, PDFs and plain-text documents; a ${part.mediaType} file cannot be sent to ${target.model}. Convert it to text or PDF, or route this request to a model that reads such files.`,
      );
    }
    block = { type: 'document', source };
    const title = anthropic?.title ?? part.filename;
    if (title !== undefined) block.title = title;
    if (anthropic?.context !== undefined) block.context = anthropic.context;
    if (anthropic?.citations !== undefined) block.citations = anthropic.citations;
  }
  if (anthropic) applyOptions(block, anthropic);
  return block;
}

/** A text part as a block; a kept block goes back verbatim, and empty text (which the API rejects) is skipped. */
function pushText(blocks: JsonObject[], part: TextPart): void {
  const anthropic = part.providerOptions?.anthropic;
  if (anthropic && isObject(anthropic.block)) {
    blocks.push(anthropic.block);
    return;
  }
  if (part.text === '') return;
  const block: JsonObject = { type: 'text', text: part.text };
  if (anthropic) {
    if (anthropic.citations !== undefined) block.citations = anthropic.citations;
    applyOptions(block, anthropic);
  }
  blocks.push(block);
}

/** cache_control and any fields this code does not know, exactly as the client sent them. */
function applyOptions(block: JsonObject, anthropic: Record<string, unknown>): void {
  if (anthropic.cacheControl !== undefined) block.cache_control = anthropic.cacheControl;
  const extra = anthropic.extra;
  if (isObject(extra)) for (const key in extra) block[key] = extra[key];
}

function encodeTools(request: CanonicalRequest): JsonObject[] {
  const tools: JsonObject[] = [];
  if (!request.tools) return tools;
  for (const tool of request.tools) {
    if (tool.type === 'provider') {
      if (tool.api === 'anthropic-messages') tools.push(tool.raw);
      continue;
    }
    const encoded: JsonObject = { name: tool.name };
    if (tool.description !== undefined) encoded.description = tool.description;
    encoded.input_schema = tool.inputSchema;
    if (tool.strict !== undefined) encoded.strict = tool.strict;
    const anthropic = tool.providerOptions?.anthropic;
    if (anthropic) {
      // Vercel AI SDK sets eager_input_streaming on streamed tools.
      if (anthropic.eagerInputStreaming !== undefined) encoded.eager_input_streaming = anthropic.eagerInputStreaming;
      applyOptions(encoded, anthropic);
    }
    tools.push(encoded);
  }
  return tools;
}

function encodeToolChoice(request: CanonicalRequest): JsonObject | undefined {
  let choice: JsonObject | undefined;
  switch (request.toolChoice?.type) {
    case 'auto':
      choice = { type: 'auto' };
      break;
    case 'required':
      choice = { type: 'any' };
      break;
    case 'none':
      return { type: 'none' };
    case 'tool':
      choice = { type: 'tool', name: request.toolChoice.name };
      break;
  }
  if (request.parallelToolCalls !== undefined) {
    choice ??= { type: 'auto' };
    choice.disable_parallel_tool_use = !request.parallelToolCalls;
  }
  return choice;
}

/** True when the request answers tool results whose assistant turn has no thinking block first. */
function continuesToolUseWithoutThinking(turns: Turn[]): boolean {
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'user' || last.toolResults === 0 || last.toolResults !== last.content.length) return false;
  const assistant = turns[turns.length - 2];
  if (!assistant || assistant.role !== 'assistant') return false;
  const first = assistant.content[0]?.type;
  return first !== 'thinking' && first !== 'redacted_thinking';
}


/** A text block with nothing but its text, which the string shorthand can stand for. */
function isPlainText(block: JsonObject): block is { type: 'text'; text: string } {
  if (block.type !== 'text') return false;
  for (const key in block) if (key !== 'type' && key !== 'text') return false;
  return true;
}

