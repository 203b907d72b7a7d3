import type { FinishReason } from '../../core/stream-part';

/** Gemini's own reasons, passed through when the answer came from Gemini. */
const geminiReasons = new Set([
  'STOP',
  'MAX_TOKENS',
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'OTHER',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'MALFORMED_FUNCTION_CALL',
  'IMAGE_SAFETY',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
]);

/**
 * The canonical finish reason as a Gemini `finishReason`. A reason Gemini itself gave (kept
 * in `rawFinishReason`) is sent as is, so `RECITATION` stays distinct from `SAFETY`; other
 * providers' reasons are mapped. Gemini says `STOP` after function calls too.
 *
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
export function encodeGeminiFinishReason(reason: FinishReason, rawFinishReason?: string): string {
  if (rawFinishReason !== undefined && geminiReasons.has(rawFinishReason)) return rawFinishReason;
  switch (reason) {
    case 'stop':
    case 'tool-calls':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content-filter':
    case 'refusal':
      return 'SAFETY';
    case 'pause':
    case 'error':
    case 'other':
      return 'OTHER';
  }
}
