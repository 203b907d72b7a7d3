/** What AI tools need to reach the proxy: base URLs, and the local key when one is required. */
export interface ConnectionSettings {
  /** `http://127.0.0.1:<port>`, the Anthropic-style base URL (tools append `/v1/messages`). */
  baseUrl: string;
  /** `<baseUrl>/v1`, the OpenAI-style base URL (tools append `/chat/completions`). */
  openAiBaseUrl: string;
  /** The local key clients send as their API key; undefined when the proxy requires none. */
  localKey?: string;
}

/**
 * The proxy's addresses: the local one on a port (it listens on 127.0.0.1 only), or a team
 * proxy's base URL (`https://switchyard.example.com`, no trailing slash) with the user's access key.
 */
export function connectionSettings(portOrBaseUrl: number | string, localKey: string | undefined): ConnectionSettings {
  const baseUrl = typeof portOrBaseUrl === 'number' ? `http://127.0.0.1:${portOrBaseUrl}` : portOrBaseUrl.replace(/\/+$/, '');
  return { baseUrl, openAiBaseUrl: `${baseUrl}/v1`, localKey };
}

/**
 * Tools that insist on some API key accept any text when the proxy requires none; this one
 * says what it is if it ever shows up in a tool's error message.
 */
const placeholderKey = 'switchyard-no-key-needed';

/**
 * The environment variables a terminal needs so that Claude Code (`ANTHROPIC_*`) and Codex CLI
 * and other OpenAI SDK users (`OPENAI_*`) go through the proxy. The API keys are only set when
 * the proxy requires the local key; otherwise the user's own variables stay untouched.
 * `SWITCHYARD_API_KEY` is always set: it is Switchyard's own variable, read by the `switchyard`
 * profile "Configure a Tool" writes for Codex CLI (`env_key`), and Codex refuses to start when an
 * `env_key` variable is missing or empty — so without a required key it holds the placeholder.
 */
export function terminalEnvironment(settings: ConnectionSettings): Record<string, string> {
  const environment: Record<string, string> = {
    ANTHROPIC_BASE_URL: settings.baseUrl,
    OPENAI_BASE_URL: settings.openAiBaseUrl,
    SWITCHYARD_API_KEY: settings.localKey ?? placeholderKey,
  };
  if (settings.localKey !== undefined) {
    environment.ANTHROPIC_API_KEY = settings.localKey;
    environment.OPENAI_API_KEY = settings.localKey;
  }
  return environment;
}

/** The text "Copy Connection Settings" puts on the clipboard. */
export function connectionSettingsText(settings: ConnectionSettings): string {
  const key = settings.localKey ?? placeholderKey;
  const keyLine =
    settings.localKey === undefined
      ? 'API key:                          none needed (any text works for tools that insist on one)'
      : `API key:                          ${settings.localKey}`;
  return [
    'Switchyard connection settings',
    '',
    `OpenAI-style tools (base URL):    ${settings.openAiBaseUrl}`,
    `Anthropic-style tools (base URL): ${settings.baseUrl}`,
    keyLine,
    '',
    '# Claude Code',
    `ANTHROPIC_BASE_URL=${settings.baseUrl} ANTHROPIC_API_KEY=${key} claude`,
    '',
    '# Codex CLI',
    `OPENAI_BASE_URL=${settings.openAiBaseUrl} OPENAI_API_KEY=${key} codex`,
    '',
  ].join('\n');
}
