import type { SpendNode } from './spend-nodes';

/** Provider names people know, for the status bar and the first screen. */
export const mainProviders: ReadonlyArray<readonly [id: string, name: string]> = [
  ['anthropic', 'Anthropic'],
  ['openai', 'OpenAI'],
  ['gemini', 'Gemini'],
];

/**
 * The sidebar before the first request: what to do next (set a key, connect a tool, send a
 * test request) and the base URLs to point tools at, each a click away. Replaces the tree of
 * zeros a new user would otherwise see. `providersWithKeys` is undefined on a team proxy, whose
 * provider keys are its admin's: then there is no key step.
 */
export function setupNodes(base: string, providersWithKeys: readonly string[] | undefined): SpendNode[] {
  const hasKey = providersWithKeys !== undefined && providersWithKeys.length > 0;
  const keyStep: SpendNode[] =
    providersWithKeys === undefined
      ? []
      : [
          {
            id: 'setup-key',
            label: hasKey ? 'Provider keys set' : 'Set a provider key',
            description: hasKey ? providersWithKeys.join(', ') : 'step 1',
            tooltip: hasKey ? 'Add another with Switchyard: Set Provider Key' : 'Switchyard calls providers with your own keys, kept in the OS keychain.',
            icon: hasKey ? 'pass' : 'key',
            command: { id: 'switchyard.setProviderKey' },
          },
        ];
  return [
    ...keyStep,
    {
      id: 'setup-tool',
      label: 'Connect a tool',
      description: 'Claude Code, Codex, Continue, Cline',
      tooltip: 'Writes or shows the exact settings for the tool',
      icon: 'plug',
      command: { id: 'switchyard.configureTool' },
    },
    // The test request asks the proxy which models it has, which a team proxy tells its admin only.
    ...(providersWithKeys === undefined
      ? []
      : [
          {
            id: 'setup-test',
            label: 'Send a test request',
            description: 'then see it in the panel',
            icon: 'send',
            command: { id: 'switchyard.sendTestRequest' },
          },
        ]),
    {
      id: 'setup-anthropic-url',
      // The URL is the label: the side bar cuts descriptions first, and the URL is what is needed.
      label: base,
      description: 'Anthropic-style: Claude Code, Cline',
      tooltip: `Claude Code, Cline (Anthropic provider), the Anthropic SDK: ${base}. Click to copy the connection settings.`,
      icon: 'link',
      command: { id: 'switchyard.copyConnectionSettings' },
    },
    {
      id: 'setup-openai-url',
      label: `${base}/v1`,
      description: 'OpenAI-style: Codex, Continue, SDKs',
      tooltip: `Codex CLI, Continue, aider, the OpenAI SDK: ${base}/v1. Click to copy the connection settings.`,
      icon: 'link',
      command: { id: 'switchyard.copyConnectionSettings' },
    },
  ];
}

/**
 * The status bar tooltip's line about keys: which of the main providers have none.
 * Undefined while it is not known (the proxy is not connected).
 */
export function missingKeysLine(providersWithKeys: readonly string[] | undefined): string | undefined {
  if (providersWithKeys === undefined) return undefined;
  if (providersWithKeys.length === 0) return 'No provider key yet: run "Switchyard: Set Provider Key".';
  const missing = mainProviders.filter(([id]) => !providersWithKeys.includes(id)).map(([, name]) => name);
  const set = `Keys set: ${providersWithKeys.join(', ')}.`;
  return missing.length === 0 ? set : `${set} No key for ${missing.join(', ')}.`;
}
