import { isObject } from '../../core/json';
import { countsProblem, isOptionalArray, isOptionalNumber, isOptionalObject, isOptionalString, wireProblem, wireValue, type WireCheck } from '../checks';
import type { ChatChunk, ChatCompletionBody } from './types';

const usageCounts = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_cache_hit_tokens'] as const;
const usageNested = { prompt_tokens_details: ['cached_tokens'], completion_tokens_details: ['reasoning_tokens'] } as const;
/** The fields that are strings or null; `content` may also be a list of parts (checked apart). */
const textFields = ['reasoning_content', 'reasoning', 'refusal'] as const;

/**
 * Checks one streamed `chat.completion.chunk` before the decoder reads it. Compatible servers
 * send null for absent fields, which passes; a field of another type does not. An `error`
 * object is the caller's to read first.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export function checkChatChunk(data: unknown): WireCheck<ChatChunk> {
  const what = 'chat.completion.chunk';
  if (!isObject(data)) return wireProblem(what, 'not a JSON object');
  const problem =
    headProblem(data.id, data.model) ??
    countsProblem(data.usage, 'usage', usageCounts, usageNested) ??
    (isOptionalObject(data.x_groq) ? countsProblem(data.x_groq?.usage, 'x_groq.usage', usageCounts, usageNested) : 'x_groq is not an object') ??
    choicesProblem(data.choices, 'delta', false);
  if (problem !== undefined) return wireProblem(what, problem);
  // Checked above.
  return wireValue(data as ChatChunk);
}

/**
 * Checks a whole `chat.completion` before the decoder reads it; it must have a first choice.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function checkChatCompletion(body: unknown): WireCheck<ChatCompletionBody> {
  const what = 'chat.completion';
  if (!isObject(body)) return wireProblem(what, 'not a JSON object');
  if (!Array.isArray(body.choices) || body.choices.length === 0) return wireProblem(what, 'no choices');
  const problem = headProblem(body.id, body.model) ?? countsProblem(body.usage, 'usage', usageCounts, usageNested) ?? choicesProblem(body.choices, 'message', true);
  if (problem !== undefined) return wireProblem(what, problem);
  // Checked above.
  return wireValue(body as ChatCompletionBody);
}

function headProblem(id: unknown, model: unknown): string | undefined {
  if (!isOptionalString(id)) return 'id is not a string';
  if (!isOptionalString(model)) return 'model is not a string';
  return undefined;
}

function choicesProblem(choices: unknown, field: 'delta' | 'message', firstOnly: boolean): string | undefined {
  if (!isOptionalArray(choices)) return 'choices is not a list';
  if (!Array.isArray(choices)) return undefined;
  const checked = firstOnly ? choices.slice(0, 1) : choices;
  for (let index = 0; index < checked.length; index++) {
    const choice: unknown = checked[index];
    const path = `choices[${index}]`;
    if (!isObject(choice)) return `${path} is not an object`;
    if (!isOptionalNumber(choice.index)) return `${path}.index is not a number`;
    if (!isOptionalString(choice.finish_reason)) return `${path}.finish_reason is not a string`;
    const problem = messageProblem(choice[field], `${path}.${field}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function messageProblem(message: unknown, path: string): string | undefined {
  if (!isOptionalObject(message)) return `${path} is not an object`;
  if (!isObject(message)) return undefined;
  const content = message.content;
  // A string (every provider's text) passes at the first test; only a list of parts is walked.
  if (!isOptionalString(content)) {
    const problem = contentPartsProblem(content, `${path}.content`);
    if (problem !== undefined) return problem;
  }
  for (const field of textFields) if (!isOptionalString(message[field])) return `${path}.${field} is not a string`;
  const functionCall = message.function_call;
  if (!isOptionalObject(functionCall)) return `${path}.function_call is not an object`;
  if (isObject(functionCall) && (!isOptionalString(functionCall.name) || !isOptionalString(functionCall.arguments))) return `${path}.function_call has a name or arguments that is not a string`;
  const calls = message.tool_calls;
  if (!isOptionalArray(calls)) return `${path}.tool_calls is not a list`;
  if (!Array.isArray(calls)) return undefined;
  for (let index = 0; index < calls.length; index++) {
    const problem = toolCallProblem(calls[index], `${path}.tool_calls[${index}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * The first problem with a `content` that is not a string: it must be a list of parts, each an
 * object; a `text` part needs its text, a `thinking` part a list of parts whose `text` ones have
 * theirs. A part of another type (Mistral's `reference`, or one added later) is not checked: the
 * decoder passes over it, so it cannot make a reply unreadable.
 *
 * @see https://docs.mistral.ai/capabilities/reasoning/
 */
function contentPartsProblem(content: unknown, path: string): string | undefined {
  if (!Array.isArray(content)) return `${path} is not a string or a list of parts`;
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partPath = `${path}[${index}]`;
    if (!isObject(part)) return `${partPath} is not an object`;
    if (part.type === 'text' && typeof part.text !== 'string') return `${partPath}.text is not a string`;
    if (part.type !== 'thinking') continue;
    const thinking = part.thinking;
    if (!Array.isArray(thinking)) return `${partPath}.thinking is not a list`;
    for (let inner = 0; inner < thinking.length; inner++) {
      const thought: unknown = thinking[inner];
      if (!isObject(thought)) return `${partPath}.thinking[${inner}] is not an object`;
      if (thought.type === 'text' && typeof thought.text !== 'string') return `${partPath}.thinking[${inner}].text is not a string`;
    }
  }
  return undefined;
}

function toolCallProblem(call: unknown, path: string): string | undefined {
  if (!isObject(call)) return `${path} is not an object`;
  if (!isOptionalNumber(call.index)) return `${path}.index is not a number`;
  if (!isOptionalString(call.id)) return `${path}.id is not a string`;
  if (!isOptionalString(call.type)) return `${path}.type is not a string`;
  for (const [field, input] of [['function', 'arguments'], ['custom', 'input']] as const) {
    const fields = call[field];
    if (!isOptionalObject(fields)) return `${path}.${field} is not an object`;
    if (!isObject(fields)) continue;
    if (!isOptionalString(fields.name)) return `${path}.${field}.name is not a string`;
    if (!isOptionalString(fields[input])) return `${path}.${field}.${input} is not a string`;
  }
  return undefined;
}
