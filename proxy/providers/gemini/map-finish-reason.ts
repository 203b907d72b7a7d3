import type { FinishReason } from '../../core/stream-part';

/**
 * Maps a Gemini `finishReason` to the canonical one. Gemini says `STOP` whether or not the
 * model called functions, so the caller tells us whether any function call arrived.
 *
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
export function mapGeminiFinishReason(reason: string, hasFunctionCalls: boolean): FinishReason {
  switch (reason) {
    case 'STOP':
      return hasFunctionCalls ? 'tool-calls' : 'stop';
    case 'MAX_TOKENS':
    // The per-request token limit was reached with more to say.
    case 'CONTINUATION':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content-filter';
    // The model produced a call that does not parse or names no declared function.
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
      return 'error';
    default:
      return 'other';
  }
}
