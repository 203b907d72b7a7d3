import type { ConnectionSettings } from './connection-settings';

/** The tools "Switchyard: Configure a Tool" knows, by the id its buttons pass. */
export const tools = ['claude-code', 'codex', 'continue', 'cline'] as const;
export type ToolId = (typeof tools)[number];

export const toolNames: Readonly<Record<ToolId, string>> = {
  'claude-code': 'Claude Code',
  codex: 'Codex CLI',
  continue: 'Continue',
  cline: 'Cline',
};

/** What a tool needs: a file Switchyard can write for it, or settings the user enters by hand. */
export interface ToolSetup {
  tool: ToolId;
  /** The file to write, relative to the home folder, when the tool reads one; undefined for Cline. */
  file?: string;
  /** The exact settings, as text to show (Markdown). */
  instructions: string;
}

/** The placeholder written where the proxy requires no key but a tool insists on one. */
const noKey = 'switchyard-no-key-needed';

export function isToolId(value: unknown): value is ToolId {
  return typeof value === 'string' && (tools as readonly string[]).includes(value);
}

/**
 * Claude Code reads `env` from `~/.claude/settings.json` for every session. The settings are
 * merged into what is there: other fields and other variables stay as they were.
 * Throws when the existing text is not a JSON object (the user's file is left alone then).
 */
export function claudeCodeSettings(existing: string | undefined, connection: ConnectionSettings): string {
  let settings: Record<string, unknown> = {};
  if (existing !== undefined && existing.trim() !== '') {
    const parsed: unknown = JSON.parse(existing);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('~/.claude/settings.json does not hold a JSON object.');
    settings = parsed as Record<string, unknown>;
  }
  const currentEnv = settings.env;
  const env: Record<string, unknown> = typeof currentEnv === 'object' && currentEnv !== null && !Array.isArray(currentEnv) ? { ...(currentEnv as Record<string, unknown>) } : {};
  env.ANTHROPIC_BASE_URL = connection.baseUrl;
  if (connection.localKey !== undefined) env.ANTHROPIC_API_KEY = connection.localKey;
  return `${JSON.stringify({ ...settings, env }, null, 2)}\n`;
}

/** The heading of the block Switchyard appends to `~/.codex/config.toml`. */
const codexProviderHeading = '[model_providers.switchyard]';

/**
 * Codex CLI: a `switchyard` model provider and a profile using it, appended to
 * `~/.codex/config.toml` so the user's own default stays (run `codex --profile switchyard`).
 * The key comes from `SWITCHYARD_API_KEY`. Returns undefined when the file has the block already.
 */
export function codexConfig(existing: string | undefined, connection: ConnectionSettings): string | undefined {
  if (existing?.includes(codexProviderHeading)) return undefined;
  const block = [
    '# Added by Switchyard: `codex --profile switchyard` goes through the local proxy.',
    codexProviderHeading,
    'name = "Switchyard"',
    `base_url = "${connection.openAiBaseUrl}"`,
    'env_key = "SWITCHYARD_API_KEY"',
    'wire_api = "responses"',
    '',
    '[profiles.switchyard]',
    'model_provider = "switchyard"',
    '',
  ].join('\n');
  const before = existing === undefined || existing.trim() === '' ? '' : `${existing.replace(/\s*$/, '')}\n\n`;
  return `${before}${block}`;
}

/** Continue's `~/.continue/config.yaml` entries (YAML; the user merges them into `models:`). */
export function continueModels(connection: ConnectionSettings): string {
  const key = connection.localKey ?? noKey;
  return [
    'models:',
    '  - name: Claude via Switchyard',
    '    provider: anthropic',
    '    model: claude-sonnet-4-5',
    `    apiBase: ${connection.openAiBaseUrl}/`,
    `    apiKey: ${key}`,
    '  - name: GPT via Switchyard',
    '    provider: openai',
    '    model: gpt-4.1',
    `    apiBase: ${connection.openAiBaseUrl}`,
    `    apiKey: ${key}`,
    '',
  ].join('\n');
}

/** The settings of each tool, as the command shows them. */
export function toolSetup(tool: ToolId, connection: ConnectionSettings): ToolSetup {
  const key = connection.localKey ?? noKey;
  switch (tool) {
    case 'claude-code':
      return {
        tool,
        file: '.claude/settings.json',
        instructions: [
          '# Claude Code through Switchyard',
          '',
          'Switchyard writes these variables into `env` of `~/.claude/settings.json` (other settings stay):',
          '',
          '```json',
          claudeCodeSettings(undefined, connection).trimEnd(),
          '```',
          '',
          'Or for one session in a terminal:',
          '',
          '```sh',
          `ANTHROPIC_BASE_URL=${connection.baseUrl} ANTHROPIC_API_KEY=${key} claude`,
          '```',
          '',
          'If Claude Code asks whether to use the API key from the environment, answer yes. Then run `claude` and ask anything: the call appears in the Switchyard panel.',
        ].join('\n'),
      };
    case 'codex':
      return {
        tool,
        file: '.codex/config.toml',
        instructions: [
          '# Codex CLI through Switchyard',
          '',
          'Switchyard appends a provider and a profile to `~/.codex/config.toml` (your default stays):',
          '',
          '```toml',
          (codexConfig(undefined, connection) ?? '').trimEnd(),
          '```',
          '',
          'Then, in a new VS Code terminal (Switchyard sets `SWITCHYARD_API_KEY` there while "switchyard.injectTerminalEnvironment" is on):',
          '',
          '```sh',
          'codex --profile switchyard',
          '```',
          '',
          'In any other terminal, set the key first:',
          '',
          '```sh',
          `export SWITCHYARD_API_KEY=${key}`,
          'codex --profile switchyard',
          '```',
          '',
          'Or for one session without the profile:',
          '',
          '```sh',
          `OPENAI_BASE_URL=${connection.openAiBaseUrl} OPENAI_API_KEY=${key} codex`,
          '```',
        ].join('\n'),
      };
    case 'continue':
      return {
        tool,
        instructions: [
          '# Continue through Switchyard',
          '',
          'Add these models to `~/.continue/config.yaml` (under `models:`); any model name works — `claude-*`, `gpt-*`, `gemini-*`, `provider/model` or one of your routes:',
          '',
          '```yaml',
          continueModels(connection).trimEnd(),
          '```',
        ].join('\n'),
      };
    case 'cline':
      return {
        tool,
        instructions: [
          '# Cline through Switchyard',
          '',
          "In Cline's settings (the gear in its view):",
          '',
          '- **API Provider**: Anthropic',
          `- **Use custom base URL**: on, \`${connection.baseUrl}\``,
          `- **Anthropic API Key**: \`${key}\``,
          '',
          'Claude models then keep prompt caching and extended thinking. For any other model choose **OpenAI Compatible** instead:',
          '',
          `- **Base URL**: \`${connection.openAiBaseUrl}\``,
          `- **API Key**: \`${key}\``,
          '- **Model ID**: e.g. `gpt-4.1`, `groq/llama-3.3-70b-versatile`, or one of your routes',
          '',
          'The key is on the clipboard.',
        ].join('\n'),
      };
  }
}
