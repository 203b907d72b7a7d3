import { isObject, type JsonObject } from '../../core/json';
import { countsProblem, isOptionalArray, isOptionalNumber, isOptionalObject, isOptionalString, wireProblem, wireValue, type WireCheck } from '../checks';

/** A Responses stream event whose fields the decoder reads have been checked; `type` falls back to the SSE event name. */
export interface CheckedResponsesEvent {
  type: string;
  data: JsonObject;
}

const usageCounts = ['input_tokens', 'output_tokens', 'total_tokens'] as const;
const usageNested = { input_tokens_details: ['cached_tokens'], output_tokens_details: ['reasoning_tokens'] } as const;

/** The string fields each event type the decoder reads must carry (`?` marks one that may be absent). */
const stringFields: Readonly<Record<string, readonly string[]>> = {
  'response.content_part.added': ['item_id'],
  'response.output_text.delta': ['item_id', 'delta'],
  'response.refusal.delta': ['item_id', 'delta'],
  'response.output_text.done': ['item_id', 'text?'],
  'response.refusal.done': ['item_id', 'refusal?'],
  'response.content_part.done': ['item_id'],
  'response.reasoning_summary_part.added': ['item_id'],
  'response.reasoning_summary_text.delta': ['item_id', 'delta'],
  'response.reasoning_text.delta': ['item_id', 'delta'],
  'response.function_call_arguments.delta': ['item_id', 'delta'],
  'response.custom_tool_call_input.delta': ['item_id', 'delta'],
  'response.function_call_arguments.done': ['item_id', 'arguments?'],
  'response.custom_tool_call_input.done': ['item_id', 'input?'],
};

/**
 * Checks one Responses stream event before the decoder reads it: the fields of its type that
 * the decoder uses have their documented types. Types the decoder does not read pass.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function checkResponsesStreamEvent(data: unknown, eventName: string | undefined): WireCheck<CheckedResponsesEvent> {
  if (!isObject(data)) return wireProblem(`${eventName ?? 'stream'} event`, 'not a JSON object');
  const type = typeof data.type === 'string' ? data.type : eventName;
  if (type === undefined) return wireProblem('stream event', 'no type');
  const problem = eventProblem(type, data);
  if (problem !== undefined) return wireProblem(`${type} event`, problem);
  return wireValue({ type, data });
}

/**
 * Checks a whole `response` object before the decoder reads it.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
export function checkResponsesObject(body: unknown): WireCheck<JsonObject> {
  if (!isObject(body)) return wireProblem('response', 'not a JSON object');
  const problem = responseProblem(body, 'response');
  if (problem !== undefined) return wireProblem('response', problem);
  if (!isOptionalArray(body.output)) return wireProblem('response', 'output is not a list');
  if (Array.isArray(body.output)) {
    for (let index = 0; index < body.output.length; index++) {
      const itemProblem = outputItemProblem(body.output[index], `output[${index}]`);
      if (itemProblem !== undefined) return wireProblem('response', itemProblem);
    }
  }
  return wireValue(body);
}

function eventProblem(type: string, data: JsonObject): string | undefined {
  const fields = stringFields[type];
  if (fields !== undefined) {
    for (const field of fields) {
      const optional = field.endsWith('?');
      const name = optional ? field.slice(0, -1) : field;
      if (optional ? !isOptionalString(data[name]) : typeof data[name] !== 'string') return optional ? `${name} is not a string` : `no ${name}`;
    }
    if (!isOptionalNumber(data.content_index)) return 'content_index is not a number';
    if (!isOptionalNumber(data.summary_index)) return 'summary_index is not a number';
  }
  switch (type) {
    case 'response.created':
    case 'response.completed':
    case 'response.incomplete':
      if (!isObject(data.response)) return 'no response';
      return responseProblem(data.response, 'response');
    case 'response.failed':
      return isOptionalObject(data.response) ? undefined : 'response is not an object';
    case 'response.output_item.added':
    case 'response.output_item.done':
      if (!isOptionalNumber(data.output_index)) return 'output_index is not a number';
      return outputItemProblem(data.item, 'item');
    case 'response.content_part.added':
      if (!isObject(data.part)) return 'no part';
      return isOptionalString(data.part.type) ? undefined : 'part.type is not a string';
    default:
      return undefined;
  }
}

function responseProblem(response: JsonObject, path: string): string | undefined {
  if (!isOptionalString(response.id)) return `${path}.id is not a string`;
  if (!isOptionalString(response.model)) return `${path}.model is not a string`;
  if (!isOptionalString(response.status)) return `${path}.status is not a string`;
  if (!isOptionalObject(response.incomplete_details)) return `${path}.incomplete_details is not an object`;
  return countsProblem(response.usage, `${path}.usage`, usageCounts, usageNested);
}

function outputItemProblem(item: unknown, path: string): string | undefined {
  if (!isObject(item)) return `no ${path}`;
  if (typeof item.type !== 'string') return `${path} has no type`;
  for (const field of ['id', 'call_id', 'name', 'arguments', 'input', 'encrypted_content', 'phase', 'namespace']) {
    if (!isOptionalString(item[field])) return `${path}.${field} is not a string`;
  }
  return undefined;
}
