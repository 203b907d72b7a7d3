import type { ChatDialect, ProviderKind, SwitchyardConfig } from './config';
import { providerPresets } from './presets';

/** A provider ready to call: preset and config entry merged, key set over the control API or read from the environment. */
export interface ResolvedProvider {
  id: string;
  kind: ProviderKind;
  baseUrl: string;
  /** Held in memory only; never logged, recorded or echoed. */
  apiKey?: string;
  /** Where `apiKey` came from: the control API (the VS Code extension's keychain), the environment, or nowhere. */
  keySource: 'control' | 'environment' | 'none';
  /** True for the built-in presets, false for providers that only the config declares. */
  preset: boolean;
  /** The variables the key is read from, for error messages that name the fix. */
  apiKeyEnv: string[];
  keyRequired: boolean;
  headers: Record<string, string>;
  models: string[];
  /** The preset's Chat Completions dialect with the config entry's flags over it. */
  chatDialect: ChatDialect;
  /** Whether translated calls get prompt-cache breakpoints Switchyard places (the config's `promptCaching`). */
  promptCaching: boolean;
}

/**
 * Merges presets with the config's provider entries; a config entry overrides preset fields.
 * A key in `controlKeys` (set over the control API) wins over the environment.
 */
export function resolveProviders(
  config: SwitchyardConfig,
  env: NodeJS.ProcessEnv,
  controlKeys: ReadonlyMap<string, string> = new Map(),
): Map<string, ResolvedProvider> {
  const providers = new Map<string, ResolvedProvider>();
  const ids = new Set([...Object.keys(providerPresets), ...Object.keys(config.providers)]);
  for (const id of ids) {
    const preset = providerPresets[id];
    const entry = config.providers[id] ?? {};
    const kind = entry.type ?? preset?.kind ?? 'openai-compatible';
    const apiKeyEnv = entry.apiKeyEnv ? [entry.apiKeyEnv] : preset ? preset.apiKeyEnv : [defaultKeyVariable(id)];
    const baseUrl = (entry.baseUrl ?? preset?.baseUrl ?? '').replace(/\/+$/, '');
    const controlKey = controlKeys.get(id);
    const apiKey = controlKey ?? apiKeyEnv.map((name) => env[name]).find((value) => value !== undefined && value !== '');
    providers.set(id, {
      id,
      kind,
      baseUrl,
      apiKey,
      keySource: controlKey !== undefined ? 'control' : apiKey !== undefined ? 'environment' : 'none',
      preset: preset !== undefined,
      apiKeyEnv,
      // A custom provider on a loopback URL is usually a local server that takes no key.
      keyRequired: preset ? preset.keyRequired : !isLoopbackUrl(baseUrl),
      headers: entry.headers ?? {},
      models: entry.models ?? [],
      chatDialect: { ...preset?.chatDialect, ...entry.chatDialect },
      promptCaching: config.promptCaching !== 'off',
    });
  }
  return providers;
}

/** `my-llm` → `MY_LLM_API_KEY`, the variable a custom provider's key is read from by default. */
function defaultKeyVariable(providerId: string): string {
  return `${providerId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_API_KEY`;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}
