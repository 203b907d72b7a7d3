/**
 * Replies in the shape of OpenAI's Responses API, for fake upstreams: a whole `response`
 * object, the server-sent events of a streamed one, and an error body.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */

export interface ResponsesReplyOptions {
  model: string;
  text?: string;
  reasoning?: { summary: string; encryptedContent?: string };
  toolCalls?: Array<{ callId: string; name: string; arguments: string }>;
  status?: 'completed' | 'incomplete';
  usage?: { input: number; output: number; cached?: number; reasoning?: number };
}

type Json = Record<string, unknown>;

const responseId = 'resp_68c1f0a2b4d88190a3e5c7f9d1b3a5c70e2d4f6a8b0c1d2e';
const reasoningId = 'rs_68c1f0a3c5e08190b2d4f6a8c0e2a4b60f1e3d5c7b9a8f6e';
const messageId = 'msg_68c1f0a5d7f28190c4e6a8b0d2f4a6c81a3c5e7f9b2d4c6a';
const createdAt = 1757540514;

function callItemId(index: number): string {
  return `fc_68c1f0a6e9a48190d6f8b0c2e4a6c8e${index}2b4d6f8a0c3e5a7b9`;
}

function usageOf(options: ResponsesReplyOptions): Json {
  const usage = options.usage ?? { input: 0, output: 0 };
  return {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: usage.cached ?? 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    total_tokens: usage.input + usage.output,
  };
}

function response(options: ResponsesReplyOptions, status: string, output: Json[], usage: Json | null): Json {
  const incomplete = status === 'incomplete';
  return {
    id: responseId,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    max_output_tokens: null,
    max_tool_calls: null,
    model: options.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt_cache_key: null,
    reasoning: options.reasoning ? { effort: 'medium', summary: 'auto' } : { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

function reasoningItem(reasoning: NonNullable<ResponsesReplyOptions['reasoning']>): Json {
  const item: Json = { id: reasoningId, type: 'reasoning' };
  if (reasoning.encryptedContent !== undefined) item.encrypted_content = reasoning.encryptedContent;
  item.summary = [{ type: 'summary_text', text: reasoning.summary }];
  return item;
}

function messageItem(text: string, status: string): Json {
  return {
    id: messageId,
    type: 'message',
    status,
    content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
    role: 'assistant',
  };
}

function callItem(call: NonNullable<ResponsesReplyOptions['toolCalls']>[number], index: number, status: string, argumentsText: string): Json {
  return { id: callItemId(index), type: 'function_call', status, arguments: argumentsText, call_id: call.callId, name: call.name };
}

/** The output items of a finished response, in the order the model produced them. */
function outputItems(options: ResponsesReplyOptions): Json[] {
  const status = options.status ?? 'completed';
  const output: Json[] = [];
  if (options.reasoning) output.push(reasoningItem(options.reasoning));
  if (options.text !== undefined) output.push(messageItem(options.text, status === 'incomplete' ? 'incomplete' : 'completed'));
  options.toolCalls?.forEach((call, index) => output.push(callItem(call, index, 'completed', call.arguments)));
  return output;
}

/** A whole `response` object, as `POST /v1/responses` answers without `stream`. */
export function responsesJson(options: ResponsesReplyOptions): Json {
  return response(options, options.status ?? 'completed', outputItems(options), usageOf(options));
}

/**
 * The events of a streamed response, one SSE event per string, in the documented order.
 * Text, summaries and arguments arrive in several deltas, as they do from OpenAI.
 */
export function responsesEvents(options: ResponsesReplyOptions): string[] {
  const status = options.status ?? 'completed';
  const events: string[] = [];
  let sequence = 0;
  const emit = (type: string, fields: Json): void => {
    events.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  };
  emit('response.created', { response: response(options, 'in_progress', [], null) });
  emit('response.in_progress', { response: response(options, 'in_progress', [], null) });

  let outputIndex = 0;
  if (options.reasoning) {
    const summary = options.reasoning.summary;
    const common = { item_id: reasoningId, output_index: outputIndex, summary_index: 0 };
    emit('response.output_item.added', { output_index: outputIndex, item: { id: reasoningId, type: 'reasoning', summary: [] } });
    emit('response.reasoning_summary_part.added', { ...common, part: { type: 'summary_text', text: '' } });
    for (const delta of splitDeltas(summary)) emit('response.reasoning_summary_text.delta', { ...common, delta, obfuscation: 'k3Jx9' });
    emit('response.reasoning_summary_text.done', { ...common, text: summary });
    emit('response.reasoning_summary_part.done', { ...common, part: { type: 'summary_text', text: summary } });
    emit('response.output_item.done', { output_index: outputIndex, item: reasoningItem(options.reasoning) });
    outputIndex++;
  }
  if (options.text !== undefined) {
    const text = options.text;
    const common = { item_id: messageId, output_index: outputIndex, content_index: 0 };
    emit('response.output_item.added', { output_index: outputIndex, item: { ...messageItem('', 'in_progress'), content: [] } });
    emit('response.content_part.added', { ...common, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
    for (const delta of splitDeltas(text)) emit('response.output_text.delta', { ...common, delta, logprobs: [], obfuscation: 'Qx7' });
    emit('response.output_text.done', { ...common, text, logprobs: [] });
    emit('response.content_part.done', { ...common, part: { type: 'output_text', annotations: [], logprobs: [], text } });
    emit('response.output_item.done', { output_index: outputIndex, item: messageItem(text, status === 'incomplete' ? 'incomplete' : 'completed') });
    outputIndex++;
  }
  options.toolCalls?.forEach((call, index) => {
    const itemId = callItemId(index);
    emit('response.output_item.added', { output_index: outputIndex, item: callItem(call, index, 'in_progress', '') });
    for (const delta of splitDeltas(call.arguments)) {
      emit('response.function_call_arguments.delta', { item_id: itemId, output_index: outputIndex, delta, obfuscation: 'a1' });
    }
    emit('response.function_call_arguments.done', { item_id: itemId, output_index: outputIndex, arguments: call.arguments });
    emit('response.output_item.done', { output_index: outputIndex, item: callItem(call, index, 'completed', call.arguments) });
    outputIndex++;
  });

  const final = response(options, status, outputItems(options), usageOf(options));
  emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  return events;
}

/** An error body as OpenAI answers a failed request. */
export function responsesErrorJson(message: string, type: string, code: string | null): Json {
  return { error: { message, type, param: null, code } };
}

/** Splits text into a few deltas of at most 12 characters, never inside a surrogate pair. */
function splitDeltas(text: string): string[] {
  const characters = Array.from(text);
  const deltas: string[] = [];
  for (let start = 0; start < characters.length; start += 12) deltas.push(characters.slice(start, start + 12).join(''));
  return deltas;
}
