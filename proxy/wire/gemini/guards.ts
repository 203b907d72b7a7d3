import { isObject, type JsonObject } from '../../core/json';
import { countsProblem, wireProblem, wireValue, type WireCheck } from '../checks';
import type { GeminiResponse } from './types';

const what = 'GenerateContentResponse';
const usageCounts = ['promptTokenCount', 'cachedContentTokenCount', 'candidatesTokenCount', 'thoughtsTokenCount', 'toolUsePromptTokenCount', 'totalTokenCount'] as const;

/**
 * Checks one answer (a whole `generateContent` body or one streamed event) before the decoder
 * reads it: the fields it reads have their documented types. Google omits absent fields
 * rather than sending null, so null counts as wrong. An `error` envelope is the caller's to
 * read first.
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
export function checkGeminiResponse(chunk: unknown): WireCheck<GeminiResponse> {
  if (!isObject(chunk)) return wireProblem(what, 'not a JSON object');
  const problem = responseProblem(chunk);
  if (problem !== undefined) return wireProblem(what, problem);
  // Checked above.
  return wireValue(chunk as GeminiResponse);
}

function responseProblem(chunk: JsonObject): string | undefined {
  if (!isAbsentOr(chunk.responseId, isString)) return 'responseId is not a string';
  if (!isAbsentOr(chunk.modelVersion, isString)) return 'modelVersion is not a string';
  if (chunk.usageMetadata === null) return 'usageMetadata is null';
  const usage = countsProblem(chunk.usageMetadata, 'usageMetadata', usageCounts);
  if (usage !== undefined) return usage;
  if (!isAbsentOr(chunk.promptFeedback, isObject)) return 'promptFeedback is not an object';
  if (isObject(chunk.promptFeedback) && !isAbsentOr(chunk.promptFeedback.blockReason, isString)) return 'promptFeedback.blockReason is not a string';
  if (!isAbsentOr(chunk.candidates, Array.isArray)) return 'candidates is not a list';
  // Only the first candidate is read (see the decoder).
  const candidate: unknown = Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined;
  if (candidate === undefined) return undefined;
  if (!isObject(candidate)) return 'candidates[0] is not an object';
  if (!isAbsentOr(candidate.finishReason, isString)) return 'candidates[0].finishReason is not a string';
  if (!isAbsentOr(candidate.content, isObject)) return 'candidates[0].content is not an object';
  const parts = isObject(candidate.content) ? candidate.content.parts : undefined;
  if (!isAbsentOr(parts, Array.isArray)) return 'candidates[0].content.parts is not a list';
  if (!Array.isArray(parts)) return undefined;
  for (let index = 0; index < parts.length; index++) {
    const problem = partProblem(parts[index], `candidates[0].content.parts[${index}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function partProblem(part: unknown, path: string): string | undefined {
  if (!isObject(part)) return `${path} is not an object`;
  if (!isAbsentOr(part.text, isString)) return `${path}.text is not a string`;
  if (!isAbsentOr(part.thoughtSignature, isString)) return `${path}.thoughtSignature is not a string`;
  const call = part.functionCall;
  if (!isAbsentOr(call, isObject)) return `${path}.functionCall is not an object`;
  if (!isObject(call)) return undefined;
  if (!isAbsentOr(call.name, isString)) return `${path}.functionCall.name is not a string`;
  if (!isAbsentOr(call.id, isString)) return `${path}.functionCall.id is not a string`;
  if (!isAbsentOr(call.args, isObject)) return `${path}.functionCall.args is not an object`;
  return undefined;
}

function isAbsentOr(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
