import type { ReasoningPart, TextPart, ToolCallPart } from '../../core/request';
import type { CanonicalResponse, ResponseContent } from '../../core/response';
import { emptyUsage, type Usage } from '../../core/usage';
import { decodeResponsesFailure } from './decode-error';
import { mapResponsesFinishReason } from './map-finish-reason';
import { responsesProviderOptions, withResponsesOptions, type ReasoningText, type SummaryText } from './responses-options';
import { isObject, type JsonObject } from '../../core/json';
import { checkResponsesObject } from '../../wire/openai-responses/guards';
import { malformedWireError } from '../../wire/checks';

/**
 * A `response` object as a canonical response. A response whose status is `failed` throws
 * its error, as a failed stream would.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object
 * @throws ProxyError for a failed response, or one marked `malformed` for a body it cannot read.
 */
export function decodeResponsesResponse(answer: unknown, provider = 'openai'): CanonicalResponse {
  if (isObject(answer) && answer.status === 'failed') throw decodeResponsesFailure(answer.error, provider);
  const checked = checkResponsesObject(answer);
  if (!checked.ok) throw malformedWireError(provider, checked);
  const body = checked.value;
  const content: ResponseContent[] = [];
  let hasToolCalls = false;
  if (Array.isArray(body.output)) {
    for (const item of body.output) {
      if (!isObject(item)) continue;
      if (item.type === 'function_call' || item.type === 'custom_tool_call') hasToolCalls = true;
      decodeOutputItem(item, content);
    }
  }
  const incomplete = isObject(body.incomplete_details) ? body.incomplete_details : undefined;
  const { finishReason, rawFinishReason } = mapResponsesFinishReason(
    typeof body.status === 'string' ? body.status : 'completed',
    typeof incomplete?.reason === 'string' ? incomplete.reason : undefined,
    hasToolCalls,
  );
  const response: CanonicalResponse = { content, finishReason, rawFinishReason, usage: decodeResponsesUsage(body.usage) };
  if (typeof body.id === 'string') response.id = body.id;
  if (typeof body.model === 'string') response.model = body.model;
  return response;
}

/**
 * Responses usage in canonical form. `input_tokens` already counts cached tokens and
 * `output_tokens` reasoning tokens, as the canonical totals do.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function decodeResponsesUsage(usage: unknown): Usage {
  const decoded = emptyUsage();
  if (!isObject(usage)) return decoded;
  decoded.inputTokens = numberOr(usage.input_tokens);
  decoded.outputTokens = numberOr(usage.output_tokens);
  if (isObject(usage.input_tokens_details)) decoded.cacheReadTokens = numberOr(usage.input_tokens_details.cached_tokens);
  if (isObject(usage.output_tokens_details)) decoded.reasoningTokens = numberOr(usage.output_tokens_details.reasoning_tokens);
  return decoded;
}

/** Appends the canonical parts one output item holds. */
export function decodeOutputItem(item: JsonObject, content: ResponseContent[]): void {
  const itemId = typeof item.id === 'string' ? item.id : undefined;
  switch (item.type) {
    case 'message': {
      const phase = typeof item.phase === 'string' ? item.phase : undefined;
      if (!Array.isArray(item.content)) return;
      for (const part of item.content) {
        if (!isObject(part)) continue;
        if (part.type === 'output_text' && typeof part.text === 'string') {
          content.push(withResponsesOptions(textPart(part.text), { itemId, phase }));
        } else if (part.type === 'refusal' && typeof part.refusal === 'string') {
          content.push(withResponsesOptions(textPart(part.refusal), { itemId, phase, contentType: 'refusal' }));
        }
      }
      return;
    }
    case 'reasoning': {
      const summary = summaryParts(item.summary);
      const reasoningContent = reasoningTextParts(item.content);
      const part: ReasoningPart = {
        type: 'reasoning',
        text: reasoningText(summary, reasoningContent),
        providerOptions: responsesProviderOptions({
          itemId,
          encryptedContent: typeof item.encrypted_content === 'string' ? item.encrypted_content : undefined,
          summary,
          reasoningContent,
        }),
      };
      content.push(part);
      return;
    }
    case 'function_call':
    case 'custom_tool_call': {
      const custom = item.type === 'custom_tool_call';
      const part: ToolCallPart = {
        type: 'tool-call',
        id: stringOr(item.call_id),
        name: stringOr(item.name),
        input: stringOr(custom ? item.input : item.arguments),
      };
      content.push(
        withResponsesOptions(part, {
          itemId,
          namespace: typeof item.namespace === 'string' ? item.namespace : undefined,
          itemType: custom ? 'custom_tool_call' : undefined,
        }),
      );
      return;
    }
    default:
      content.push(withResponsesOptions(textPart(''), { item }));
  }
}

/** The `summary_text` parts of a reasoning item, when it has a well-formed list. */
export function summaryParts(value: unknown): SummaryText[] {
  const parts: SummaryText[] = [];
  if (!Array.isArray(value)) return parts;
  for (const part of value) {
    if (isObject(part) && typeof part.text === 'string') parts.push({ type: 'summary_text', text: part.text });
  }
  return parts;
}

/** The `reasoning_text` parts of a reasoning item, or undefined when it has none. */
export function reasoningTextParts(value: unknown): ReasoningText[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const parts: ReasoningText[] = [];
  for (const part of value) {
    if (isObject(part) && typeof part.text === 'string') parts.push({ type: 'reasoning_text', text: part.text });
  }
  return parts;
}

/**
 * The canonical text of a reasoning item: its summary parts joined by a blank line, or its raw
 * reasoning text when it has no summary.
 */
export function reasoningText(summary: SummaryText[], reasoningContent: ReasoningText[] | undefined): string {
  if (summary.length > 0) return joinTexts(summary);
  return reasoningContent ? joinTexts(reasoningContent) : '';
}

/** The separator between summary parts in the canonical reasoning text. */
export const summarySeparator = '\n\n';

function joinTexts(parts: Array<{ text: string }>): string {
  if (parts.length === 1) return parts[0].text;
  return parts.map((part) => part.text).join(summarySeparator);
}

function textPart(text: string): TextPart {
  return { type: 'text', text };
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function numberOr(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

