import { parseToolArguments } from '../../core/json';
import type { CanonicalResponse, ResponseContent } from '../../core/response';
import type { GeminiContent, GeminiPart, GeminiResponse } from '../../wire/gemini/types';
import type { ResponseContext } from '../codec';
import { encodeReasoningSignature } from './carried-signature';
import { encodeGeminiFinishReason } from './encode-finish-reason';
import { encodeGeminiUsage } from './encode-usage';

/**
 * A canonical response as a `GenerateContentResponse`. The model is reported as the client
 * named it (the one in its URL).
 *
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
export function encodeGeminiResponse(response: CanonicalResponse, context: ResponseContext): GeminiResponse {
  const parts: GeminiPart[] = [];
  for (const content of response.content) {
    const part = encodeGeminiPart(content);
    if (part !== undefined) parts.push(part);
  }
  // Google leaves `parts` out when there is nothing (a MAX_TOKENS spent on thinking).
  const content: GeminiContent = parts.length > 0 ? { parts, role: 'model' } : { role: 'model' };
  return {
    candidates: [{ content, finishReason: encodeGeminiFinishReason(response.finishReason, response.rawFinishReason), index: 0 }],
    usageMetadata: encodeGeminiUsage(response.usage),
    modelVersion: context.model,
    responseId: response.id ?? context.requestId,
  };
}

/**
 * One piece of content as a Gemini part: reasoning as a thought part, a tool call as a
 * `functionCall` whose id the client echoes in its `functionResponse`. A Gemini signature
 * goes back on the part it came with; an Anthropic thinking signature or redacted thinking
 * rides in the thought part's `thoughtSignature` so that it comes back with the history.
 */
export function encodeGeminiPart(content: ResponseContent): GeminiPart | undefined {
  let part: GeminiPart;
  let signature: unknown;
  switch (content.type) {
    case 'text':
      signature = content.providerOptions?.gemini?.thoughtSignature;
      if (content.text === '' && typeof signature !== 'string') return undefined;
      part = { text: content.text };
      break;
    case 'reasoning':
      signature = encodeReasoningSignature(content);
      if (content.text === '' && signature === undefined) return undefined;
      part = { text: content.text, thought: true };
      break;
    case 'tool-call':
      signature = content.providerOptions?.gemini?.thoughtSignature;
      part = { functionCall: { id: content.id, name: content.name, args: parseToolArguments(content.input) } };
      break;
  }
  if (typeof signature === 'string') part.thoughtSignature = signature;
  return part;
}

