import type { FinishReason } from '../../core/stream-part';
import type { AnthropicStopReason } from '../../wire/anthropic-messages/types';

const anthropicStopReasons: ReadonlySet<string> = new Set<AnthropicStopReason>([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
  'compaction',
]);

/**
 * The `stop_reason` to report. When the upstream was Anthropic its raw reason is already
 * an Anthropic reason and goes back unchanged (keeping `model_context_window_exceeded`
 * apart from `max_tokens`); otherwise the canonical reason is mapped.
 *
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function encodeAnthropicStopReason(finishReason: FinishReason, rawFinishReason: string | undefined, stopSequence: string | undefined): AnthropicStopReason {
  if (rawFinishReason !== undefined && anthropicStopReasons.has(rawFinishReason)) return rawFinishReason as AnthropicStopReason;
  switch (finishReason) {
    case 'stop':
      return stopSequence !== undefined ? 'stop_sequence' : 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'pause':
      return 'pause_turn';
    case 'refusal':
    case 'content-filter':
      return 'refusal';
    case 'error':
    case 'other':
      return 'end_turn';
  }
}
