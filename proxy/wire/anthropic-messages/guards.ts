import { isObject, type JsonObject } from '../../core/json';
import { countsProblem, isIndex, isOptionalString, wireProblem, wireValue, type WireCheck } from '../checks';
import type { AnthropicMessage, AnthropicStreamEvent } from './types';

const usageCounts = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;
const usageNested = { output_tokens_details: ['thinking_tokens'] } as const;

/**
 * Checks one streamed event's `data` before the decoder reads it. Returns undefined as the
 * value for an event type Switchyard does not read (`ping`, types added later).
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export function checkAnthropicStreamEvent(data: unknown, eventName: string | undefined): WireCheck<AnthropicStreamEvent | undefined> {
  if (!isObject(data)) return wireProblem(`${eventName ?? 'stream'} event`, 'not a JSON object');
  if (typeof data.type !== 'string') return wireProblem(`${eventName ?? 'stream'} event`, 'no type');
  const what = `${data.type} event`;
  const problem = streamEventProblem(data, data.type);
  if (problem === null) return wireValue(undefined);
  if (problem !== undefined) return wireProblem(what, problem);
  // Checked above: every field the decoder reads has the type it expects.
  return wireValue(data as unknown as AnthropicStreamEvent);
}

/**
 * Checks a whole `message` answer.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export function checkAnthropicMessage(body: unknown): WireCheck<AnthropicMessage> {
  if (!isObject(body)) return wireProblem('message', 'not a JSON object');
  const problem = messageProblem(body, 'message');
  if (problem !== undefined) return wireProblem('message', problem);
  // Checked above.
  return wireValue(body as unknown as AnthropicMessage);
}

/** undefined: well formed; null: a type the decoder does not read; a string: what is wrong. */
function streamEventProblem(data: JsonObject, type: string): string | undefined | null {
  switch (type) {
    case 'message_start':
      if (!isObject(data.message)) return 'no message';
      return messageStartProblem(data.message);
    case 'content_block_start':
      if (!isIndex(data.index)) return 'no index';
      if (!isObject(data.content_block)) return 'no content_block';
      // The stream decoder falls back to the block's index for a tool_use without an id.
      return blockProblem(data.content_block, 'content_block', false);
    case 'content_block_delta':
      if (!isIndex(data.index)) return 'no index';
      if (!isObject(data.delta)) return 'no delta';
      return typeof data.delta.type === 'string' ? undefined : 'delta has no type';
    case 'content_block_stop':
      return isIndex(data.index) ? undefined : 'no index';
    case 'message_delta':
      if (!isObject(data.delta)) return 'no delta';
      if (!isOptionalString(data.delta.stop_reason)) return 'delta.stop_reason is not a string';
      if (!isOptionalString(data.delta.stop_sequence)) return 'delta.stop_sequence is not a string';
      return countsProblem(data.usage, 'usage', usageCounts, usageNested);
    case 'message_stop':
      return undefined;
    case 'error':
      if (!isObject(data.error)) return 'no error';
      return typeof data.error.message === 'string' ? undefined : 'error has no message';
    default:
      return null;
  }
}

function messageStartProblem(message: JsonObject): string | undefined {
  if (!isOptionalString(message.id)) return 'message.id is not a string';
  if (!isOptionalString(message.model)) return 'message.model is not a string';
  return countsProblem(message.usage, 'message.usage', usageCounts, usageNested);
}

function messageProblem(message: JsonObject, path: string): string | undefined {
  if (!Array.isArray(message.content)) return `no ${path}.content list`;
  for (let index = 0; index < message.content.length; index++) {
    const block: unknown = message.content[index];
    if (!isObject(block)) return `${path}.content[${index}] is not an object`;
    const problem = blockProblem(block, `${path}.content[${index}]`, true);
    if (problem !== undefined) return problem;
  }
  if (!isOptionalString(message.id)) return `${path}.id is not a string`;
  if (!isOptionalString(message.model)) return `${path}.model is not a string`;
  if (!isOptionalString(message.stop_reason)) return `${path}.stop_reason is not a string`;
  if (!isOptionalString(message.stop_sequence)) return `${path}.stop_sequence is not a string`;
  return countsProblem(message.usage, `${path}.usage`, usageCounts, usageNested);
}

function blockProblem(block: JsonObject, path: string, idRequired: boolean): string | undefined {
  if (typeof block.type !== 'string') return `${path} has no type`;
  if (block.type === 'tool_use') {
    if (idRequired && typeof block.id !== 'string') return `${path} (tool_use) has no id`;
    if (typeof block.name !== 'string') return `${path} (tool_use) has no name`;
    if (!isOptionalString(block.id)) return `${path} (tool_use) id is not a string`;
  }
  return undefined;
}
