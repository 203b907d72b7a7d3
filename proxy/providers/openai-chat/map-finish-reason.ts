import type { FinishReason } from '../../core/stream-part';

/**
 * Maps a Chat Completions `finish_reason` to the canonical one. Compatible providers add a
 * few of their own: Mistral's `model_length`, vLLM and TGI's `eos`, and OpenRouter's
 * `error` when the model failed mid-answer.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapChatFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
    case 'eos':
    case 'end_turn':
      return 'stop';
    case 'length':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}
