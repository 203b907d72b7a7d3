import type {
  Response as OpenAiResponse,
  ResponseCustomToolCall,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseUsage,
  Tool,
} from 'openai/resources/responses/responses';
import type { CanonicalRequest, ReasoningPart, ResponseFormat, ToolCallPart } from '../../core/request';
import type { CanonicalResponse } from '../../core/response';
import type { FinishReason } from '../../core/stream-part';
import type { Usage } from '../../core/usage';
import { readResponsesOptions, type ResponsesPartOptions, type SummaryText } from '../../providers/openai-responses/responses-options';
import type { ResponseContext } from '../codec';
import { sealReasoning } from './reasoning-envelope';
import { isObject } from '../../core/json';

/**
 * A `response` object as the REST API sends it. `output_text` is left out: the openai SDKs
 * compute it on the client from `output`, and the API does not send it. `usage` is null until
 * the response completes. `store` is on the wire though not in the SDK's type.
 */
export type ResponsesResponseBody = Omit<OpenAiResponse, 'output_text' | 'usage'> & { usage: ResponseUsage | null; store?: boolean };

/**
 * Encodes a complete response as a Responses API `response` object.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
export function encodeResponsesResponse(response: CanonicalResponse, context: ResponseContext): ResponsesResponseBody {
  const ids = new ItemIds(context.requestId);
  const output: ResponseOutputItem[] = [];
  for (const part of response.content) {
    const options = readResponsesOptions(part.providerOptions);
    switch (part.type) {
      case 'text':
        if (options.item) output.push(options.item as unknown as ResponseOutputItem);
        // An empty text block has no wire form: OpenAI never sends an empty message.
        else if (part.text !== '') {
          const item = messageItem(ids.take('msg', options.itemId), options, 'completed');
          item.content.push(contentPart(options, part.text));
          output.push(item);
        }
        break;
      case 'reasoning':
        output.push(reasoningItem(ids.take('rs', options.itemId), part.text, part, part.redactedData));
        break;
      case 'tool-call':
        output.push(completedCallItem(ids.take(callPrefix(options), options.itemId), part, part.input));
        break;
    }
  }
  const shell = new ResponseShell(context, responseIdFor(response.id, context.requestId));
  return shell.finished(response.finishReason, output, response.usage);
}

/** The provider's id when it is a Responses id, else one derived from Switchyard's request id. */
export function responseIdFor(providerId: string | undefined, requestId: string): string {
  if (providerId !== undefined && providerId.startsWith('resp_')) return providerId;
  return `resp_${idSuffix(requestId)}`;
}

/** Usage as the Responses API reports it; the canonical totals already count cached and reasoning tokens. */
export function encodeResponsesUsage(usage: Usage): ResponseUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/**
 * Hands out item ids: the provider's when it gave one (once: two items never share an id),
 * else `<prefix>_<request id>_<n>`.
 */
export class ItemIds {
  private readonly used = new Set<string>();
  private readonly base: string;
  private next = 0;

  constructor(requestId: string) {
    this.base = idSuffix(requestId);
  }

  take(prefix: string, providerId: string | undefined): string {
    if (providerId !== undefined && !this.used.has(providerId)) {
      this.used.add(providerId);
      return providerId;
    }
    return `${prefix}_${this.base}_${this.next++}`;
  }
}

/** A message item with no content yet; `phase` is kept when the provider gave one. */
export function messageItem(id: string, options: ResponsesPartOptions, status: ResponseOutputMessage['status']): ResponseOutputMessage {
  const item: ResponseOutputMessage = { id, type: 'message', status, content: [], role: 'assistant' };
  if (options.phase === 'commentary' || options.phase === 'final_answer') item.phase = options.phase;
  return item;
}

/** An `output_text` part, or a `refusal` part for text that was one. */
export function contentPart(options: ResponsesPartOptions, text: string): ResponseOutputText | ResponseOutputRefusal {
  if (options.contentType === 'refusal') return { type: 'refusal', refusal: text };
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

/**
 * A finished reasoning item. OpenAI's own encrypted content goes back as it came; the
 * signature of another provider's reasoning is sealed into `encrypted_content`, the one field
 * clients resend untouched (see `reasoning-envelope.ts`).
 */
export function reasoningItem(
  id: string,
  text: string,
  part: Pick<ReasoningPart, 'signature' | 'providerOptions'>,
  redactedData: string | undefined,
): ResponseReasoningItem {
  const options = readResponsesOptions(part.providerOptions);
  const item: ResponseReasoningItem = { id, type: 'reasoning', summary: summaryFor(options.summary, text) };
  const encrypted = options.encryptedContent ?? sealReasoning(part.signature, redactedData, part.providerOptions);
  if (encrypted !== undefined) item.encrypted_content = encrypted;
  return item;
}

/** The provider's exact summary parts when it gave them, else the text as one part. */
function summaryFor(summary: SummaryText[] | undefined, text: string): SummaryText[] {
  if (summary && summary.length > 0) return summary;
  return text === '' ? [] : [{ type: 'summary_text', text }];
}

/** `fc` for function calls, `ctc` for calls to freeform custom tools. */
export function callPrefix(options: ResponsesPartOptions): string {
  return options.itemType === 'custom_tool_call' ? 'ctc' : 'fc';
}

/** A call item in its final state. */
export function completedCallItem(
  id: string,
  part: Pick<ToolCallPart, 'id' | 'name' | 'providerOptions'>,
  input: string,
): ResponseFunctionToolCall | ResponseCustomToolCall {
  const options = readResponsesOptions(part.providerOptions);
  if (options.itemType === 'custom_tool_call') return { id, type: 'custom_tool_call', call_id: part.id, name: part.name, input };
  const item: ResponseFunctionToolCall = { id, type: 'function_call', status: 'completed', arguments: input, call_id: part.id, name: part.name };
  if (options.namespace !== undefined) item.namespace = options.namespace;
  return item;
}

/**
 * The parts of a `response` object that echo the request, worked out once per response: the
 * SDKs and Codex expect them on every `response` they see (created, in progress, completed).
 * Unset fields get the values OpenAI reports for them.
 */
export class ResponseShell {
  private readonly echo: Echo;

  constructor(
    private readonly context: ResponseContext,
    readonly id: string,
  ) {
    this.echo = echoRequest(context);
  }

  /** The response while it is being generated. */
  inProgress(output: ResponseOutputItem[]): ResponsesResponseBody {
    return this.body('in_progress', output, null, null);
  }

  /** The response once generation ended: completed, or incomplete when cut short. */
  finished(finishReason: FinishReason, output: ResponseOutputItem[], usage: Usage): ResponsesResponseBody {
    const reason = incompleteReason(finishReason);
    return this.body(
      reason ? 'incomplete' : 'completed',
      output,
      encodeResponsesUsage(usage),
      reason ? { reason } : null,
    );
  }

  /** The response after an error ended it. */
  failed(output: ResponseOutputItem[], error: { code: string; message: string }): ResponsesResponseBody {
    const body = this.body('failed', output, null, null);
    // The SDK types narrow `code` to OpenAI's list; the wire carries any string.
    body.error = error as ResponsesResponseBody['error'];
    return body;
  }

  private body(
    status: NonNullable<ResponsesResponseBody['status']>,
    output: ResponseOutputItem[],
    usage: ResponseUsage | null,
    incomplete: ResponsesResponseBody['incomplete_details'],
  ): ResponsesResponseBody {
    return {
      id: this.id,
      object: 'response',
      created_at: this.context.created,
      status,
      error: null,
      incomplete_details: incomplete,
      output,
      usage,
      ...this.echo,
    };
  }
}

function incompleteReason(finishReason: FinishReason): 'max_output_tokens' | 'content_filter' | undefined {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content-filter') return 'content_filter';
  return undefined;
}

type Echo = Omit<ResponsesResponseBody, 'id' | 'object' | 'created_at' | 'status' | 'error' | 'incomplete_details' | 'output' | 'usage'>;

/** @see https://platform.openai.com/docs/api-reference/responses/object */
function echoRequest(context: ResponseContext): Echo {
  const request = context.request;
  const fields = request.extraBody?.format === 'openai-responses' ? request.extraBody.fields : {};
  const rawEffort = readResponsesOptions(request.providerOptions).reasoningEffort;
  const textFields = isObject(fields.text) ? fields.text : {};
  const echo: Echo = {
    background: typeof fields.background === 'boolean' ? fields.background : false,
    instructions: instructionsOf(request),
    max_output_tokens: request.maxOutputTokens ?? null,
    model: context.model,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    previous_response_id: typeof fields.previous_response_id === 'string' ? fields.previous_response_id : null,
    reasoning: {
      effort: (rawEffort ?? request.reasoning?.effort ?? null) as NonNullable<Echo['reasoning']>['effort'],
      summary: request.reasoning?.summary ?? null,
    },
    service_tier: fields.service_tier === 'flex' || fields.service_tier === 'priority' || fields.service_tier === 'scale' ? fields.service_tier : 'default',
    store: typeof fields.store === 'boolean' ? fields.store : true,
    temperature: request.temperature ?? 1,
    text: {
      format: encodeFormat(request.responseFormat),
      verbosity: textFields.verbosity === 'low' || textFields.verbosity === 'high' ? textFields.verbosity : 'medium',
    },
    tool_choice: encodeToolChoice(request, fields.tool_choice),
    tools: encodeTools(request),
    top_p: request.topP ?? 1,
    truncation: fields.truncation === 'auto' ? 'auto' : 'disabled',
    metadata: isObject(fields.metadata) ? (fields.metadata as Record<string, string>) : {},
  };
  if (request.user !== undefined) echo.user = request.user;
  if (typeof fields.prompt_cache_key === 'string') echo.prompt_cache_key = fields.prompt_cache_key;
  if (typeof fields.safety_identifier === 'string') echo.safety_identifier = fields.safety_identifier;
  return echo;
}

/** The text that came from the request's `instructions` field. */
function instructionsOf(request: CanonicalRequest): string | null {
  const texts: string[] = [];
  for (const message of request.messages) {
    if (message.role !== 'system') continue;
    for (const part of message.content) {
      if (readResponsesOptions(part.providerOptions).instructions) texts.push(part.text);
    }
  }
  return texts.length === 0 ? null : texts.join('\n\n');
}

function encodeFormat(format: ResponseFormat | undefined): NonNullable<NonNullable<Echo['text']>['format']> {
  switch (format?.type) {
    case undefined:
    case 'text':
      return { type: 'text' };
    case 'json':
      return { type: 'json_object' };
    case 'json-schema':
      return { type: 'json_schema', name: format.name ?? 'response', schema: format.schema, strict: format.strict ?? null };
  }
}

function encodeToolChoice(request: CanonicalRequest, raw: unknown): Echo['tool_choice'] {
  const choice = request.toolChoice;
  if (!choice) return (raw as Echo['tool_choice'] | undefined) ?? 'auto';
  if (choice.type !== 'tool') return choice.type;
  const custom = request.tools?.some((tool) => tool.type === 'provider' && tool.raw.type === 'custom' && tool.raw.name === choice.name);
  return custom ? { type: 'custom', name: choice.name } : { type: 'function', name: choice.name };
}

function encodeTools(request: CanonicalRequest): Tool[] {
  const tools: Tool[] = [];
  for (const tool of request.tools ?? []) {
    if (tool.type === 'provider') {
      if (tool.api === 'openai-responses') tools.push(tool.raw as unknown as Tool);
      continue;
    }
    tools.push({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.inputSchema,
      // The Responses API's default is strict.
      strict: tool.strict ?? true,
    });
  }
  return tools;
}

/** The request id reduced to characters every client accepts in an id. */
function idSuffix(requestId: string): string {
  let suffix = '';
  for (let index = 0; index < requestId.length; index++) {
    const code = requestId.charCodeAt(index);
    const alphanumeric = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (alphanumeric) suffix += requestId[index];
  }
  return suffix || '0';
}

