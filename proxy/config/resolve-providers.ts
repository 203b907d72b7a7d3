import type { ProviderKind, SwitchyardConfig } from './config';
import { providerPresets } from './presets';

/** A provider ready to call: preset and config entry merged, key read from the environment. */
export interface ResolvedProvider {
  id: string;
  kind: ProviderKind;
  baseUrl: string;
  /** Held in memory only; never logged, recorded or echoed. */
  apiKey?: string;
  /** The variables the key is read from, for error messages that name the fix. */
  apiKeyEnv: string[];
  keyRequired: boolean;
  headers: Record<string, string>;
  models: string[];
}

/** Merges presets with the config's provider entries; a config entry overrides preset fields. */
export function resolveProviders(config: SwitchyardConfig, env: NodeJS.ProcessEnv): Map<string, ResolvedProvider> {
  const providers = new Map<string, ResolvedProvider>();
  const ids = new Set([...Object.keys(providerPresets), ...Object.keys(config.providers)]);
  for (const id of ids) {
    const preset = providerPresets[id];
    const entry = config.providers[id] ?? {};
    const kind = entry.type ?? preset?.kind ?? 'openai-compatible';
    const apiKeyEnv = entry.apiKeyEnv ? [entry.apiKeyEnv] : preset ? preset.apiKeyEnv : [defaultKeyVariable(id)];
    const baseUrl = (entry.baseUrl ?? preset?.baseUrl ?? '').replace(/\/+$/, '');
    const apiKey = apiKeyEnv.map((name) => env[name]).find((value) => value !== undefined && value !== '');
    providers.set(id, {
      id,
      kind,
      baseUrl,
      apiKey,
      apiKeyEnv,
      // A custom provider on a loopback URL is usually a local server that takes no key.
      keyRequired: preset ? preset.keyRequired : !isLoopbackUrl(baseUrl),
      headers: entry.headers ?? {},
      models: entry.models ?? [],
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
