import type { FinishReason } from '../../core/stream-part';

/**
 * Maps Anthropic's `stop_reason` to the canonical finish reason. The raw value travels
 * beside it (`rawFinishReason`) so that an Anthropic client gets the exact reason back.
 *
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function mapAnthropicStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    // The prompt plus the answer filled the context window: the answer was cut short.
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    // Both ask the client to send the turn back as-is so the model can go on.
    case 'pause_turn':
    case 'compaction':
      return 'pause';
    case 'refusal':
      return 'refusal';
    default:
      return 'other';
  }
}
