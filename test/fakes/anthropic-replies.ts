/**
 * Builders for fake Anthropic Messages replies: a whole `message`, the SSE events of the
 * same answer in the documented order, and an error body. Tests hand them to FakeUpstream.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

export interface AnthropicReplyOptions {
  model: string;
  text?: string;
  thinking?: { text: string; signature: string };
  toolUses?: Array<{ id: string; name: string; input: object }>;
  /** Defaults to `tool_use` when there are tool uses, else `end_turn`. */
  stopReason?: string;
  /** In Anthropic's terms: `input` is the uncached prompt, cache reads and writes come on top. */
  usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
  /** Defaults to a fixed `msg_…` id. */
  id?: string;
}

const defaultId = 'msg_01XFDUDYJgAACzvnptvVoYEL';
const requestId = 'req_011CSHoEeqs5C35K2UUqR7Fy';

/** A non-streamed `message` body. */
export function anthropicMessageJson(options: AnthropicReplyOptions): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = [];
  if (options.thinking) content.push({ type: 'thinking', thinking: options.thinking.text, signature: options.thinking.signature });
  if (options.text !== undefined) content.push({ type: 'text', text: options.text });
  for (const toolUse of options.toolUses ?? []) content.push({ type: 'tool_use', id: toolUse.id, name: toolUse.name, input: toolUse.input });
  return {
    id: options.id ?? defaultId,
    type: 'message',
    role: 'assistant',
    model: options.model,
    content,
    stop_reason: stopReasonOf(options),
    stop_sequence: null,
    usage: { ...inputUsageOf(options), cache_creation: cacheCreationOf(options), output_tokens: outputTokensOf(options), service_tier: 'standard' },
  };
}

/**
 * The same answer as SSE events, one per array item: message_start (input usage, one
 * output token), then per block content_block_start, deltas (text and tool input JSON
 * split over several) and content_block_stop, with a ping after the first block starts as
 * the API sends it; a thinking block ends with its signature_delta. Then message_delta
 * (stop reason, cumulative usage repeating the input counts) and message_stop.
 */
export function anthropicEvents(options: AnthropicReplyOptions): string[] {
  const events: string[] = [];
  const push = (data: Record<string, unknown>): void => {
    events.push(`event: ${data.type as string}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  push({
    type: 'message_start',
    message: {
      id: options.id ?? defaultId,
      type: 'message',
      role: 'assistant',
      model: options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...inputUsageOf(options), cache_creation: cacheCreationOf(options), output_tokens: 1, service_tier: 'standard' },
    },
  });
  let index = 0;
  const startBlock = (block: Record<string, unknown>): void => {
    push({ type: 'content_block_start', index, content_block: block });
    if (index === 0) events.push('event: ping\ndata: {"type": "ping"}\n\n');
  };
  const stopBlock = (): void => {
    push({ type: 'content_block_stop', index });
    index++;
  };
  if (options.thinking) {
    startBlock({ type: 'thinking', thinking: '', signature: '' });
    for (const piece of split(options.thinking.text, 3)) push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } });
    push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: options.thinking.signature } });
    stopBlock();
  }
  if (options.text !== undefined) {
    startBlock({ type: 'text', text: '' });
    for (const piece of split(options.text, 4)) push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    stopBlock();
  }
  for (const toolUse of options.toolUses ?? []) {
    startBlock({ type: 'tool_use', id: toolUse.id, name: toolUse.name, input: {} });
    // The API opens with an empty partial_json before the first real piece.
    push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
    for (const piece of split(JSON.stringify(toolUse.input), 3)) {
      push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    stopBlock();
  }
  push({
    type: 'message_delta',
    delta: { stop_reason: stopReasonOf(options), stop_sequence: null },
    usage: { ...inputUsageOf(options), output_tokens: outputTokensOf(options) },
  });
  push({ type: 'message_stop' });
  return events;
}

/** An Anthropic error body, e.g. `anthropicErrorJson('overloaded_error', 'Overloaded')`. */
export function anthropicErrorJson(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

function stopReasonOf(options: AnthropicReplyOptions): string {
  return options.stopReason ?? (options.toolUses?.length ? 'tool_use' : 'end_turn');
}

function inputUsageOf(options: AnthropicReplyOptions): Record<string, number> {
  const usage = options.usage ?? { input: 25, output: 12 };
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite ?? 0,
    cache_read_input_tokens: usage.cacheRead ?? 0,
  };
}

function cacheCreationOf(options: AnthropicReplyOptions): Record<string, number> {
  return { ephemeral_5m_input_tokens: options.usage?.cacheWrite ?? 0, ephemeral_1h_input_tokens: 0 };
}

function outputTokensOf(options: AnthropicReplyOptions): number {
  return (options.usage ?? { input: 25, output: 12 }).output;
}

/** Splits into about `count` pieces by code point, so no piece ends inside a surrogate pair. */
function split(value: string, count: number): string[] {
  if (value === '') return [];
  const codePoints = Array.from(value);
  const size = Math.max(1, Math.ceil(codePoints.length / count));
  const pieces: string[] = [];
  for (let start = 0; start < codePoints.length; start += size) pieces.push(codePoints.slice(start, start + size).join(''));
  return pieces;
}
