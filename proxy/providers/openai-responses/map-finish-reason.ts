import type { FinishReason } from '../../core/stream-part';

/**
 * A response's `status` and `incomplete_details.reason` as one finish reason. The Responses
 * API has no "tool calls" status: a completed response that holds function calls is waiting
 * for their results, which is what `tool-calls` means.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-status
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-incomplete_details
 */
export function mapResponsesFinishReason(
  status: string | undefined,
  incompleteReason: string | undefined,
  hasToolCalls: boolean,
): { finishReason: FinishReason; rawFinishReason: string } {
  switch (status) {
    case 'completed':
      return { finishReason: hasToolCalls ? 'tool-calls' : 'stop', rawFinishReason: 'completed' };
    case 'incomplete':
      if (incompleteReason === 'max_output_tokens') return { finishReason: 'length', rawFinishReason: incompleteReason };
      if (incompleteReason === 'content_filter') return { finishReason: 'content-filter', rawFinishReason: incompleteReason };
      return { finishReason: 'other', rawFinishReason: incompleteReason ?? 'incomplete' };
    case 'failed':
      return { finishReason: 'error', rawFinishReason: 'failed' };
    default:
      return { finishReason: 'other', rawFinishReason: status ?? 'unknown' };
  }
}
