/**
 * A tool call id Anthropic accepts. Its ids must match `^[a-zA-Z0-9_-]+$`; some providers'
 * do not (Kimi's `functions.get_weather:0`). Calls, results and ids shown to Anthropic
 * clients all go through this one mapping, so they keep matching each other.
 *
 * @see https://docs.anthropic.com/en/api/messages#body-messages-content-id
 */
export function anthropicToolUseId(id: string): string {
  if (id === '') return 'toolu_missing_id';
  for (let index = 0; index < id.length; index++) {
    const code = id.charCodeAt(index);
    const valid =
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
    if (!valid) return id.replace(/[^a-zA-Z0-9_-]/g, '_');
  }
  return id;
}
