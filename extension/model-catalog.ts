import type { KnownModel } from '../proxy/control/protocol';
import { formatUsd } from './format';

/**
 * The model lists of Toggle Models and Choose Default Route, curated from what the proxy knows
 * (its providers' models and the price table's): grouped by provider, providers with a key
 * first, the newest models of each first, and the price table's legacy and malformed names out
 * (`ada`, `davinci`, `openai/ft:gpt-3.5-turbo-`). Pure, so the rules are tested alone.
 */

/** Names that are not a model anyone should pick: fine-tune stubs, cut-off names. */
const malformed = /(^ft:|\.ft-|[-.:_/]$|\s)/;

/** Retired or superseded generations the price table still prices. */
const legacy: readonly RegExp[] = [
  /^(ada|babbage|curie|davinci)(-|$)/,
  /^text-(ada|babbage|curie|davinci)/,
  /^code-(davinci|cushman)/,
  /^gpt-3\.5/,
  /^gpt-4(-32k|-0\d{3}|-vision-preview|-turbo)?$/,
  /^gpt-4-\d{4}/,
  /^claude-(1|2|v1|instant)/,
  /^claude-3-(opus|sonnet|haiku)(-|$)/,
  /^gemini-(1\.0|1\.5|pro$|pro-1\.5|flash-1\.5)/,
  /^(llama2|llama3-\d+b-\d+|mixtral-8x7b-32768|gemma-7b-it)/,
];

/** Not chat models: fine to toggle, of no use as a default route. */
const notChat = /(embed|tts|transcribe|whisper|moderation|image|realtime|audio|ocr|voice|guard|search|deep-research|computer-use)/;

/** The model part of `provider/model`. */
function modelName(model: KnownModel): string {
  return model.id.startsWith(`${model.provider}/`) ? model.id.slice(model.provider.length + 1) : model.id;
}

/** Whether a model belongs in the curated list at all. */
export function isCurrentModel(model: KnownModel): boolean {
  const name = modelName(model);
  if (name === '' || malformed.test(name)) return false;
  return !legacy.some((pattern) => pattern.test(name.slice(name.lastIndexOf('/') + 1)));
}

/** Whether a model answers chat requests (for the default route). */
export function isChatModel(model: KnownModel): boolean {
  return !notChat.test(modelName(model));
}

/**
 * The model's generation as a number for "newest first": `gpt-5.5` → 5.5, `claude-opus-4-8` →
 * 4.8, `gemini-3.8-flash` → 3.8, `o3` → 3; 0 when the name holds none.
 */
export function generationOf(model: KnownModel): number {
  const name = modelName(model).slice(modelName(model).lastIndexOf('/') + 1);
  const match = /(?:^|[-_])(?:[a-z]+-)?(\d+)(?:[.-](\d))?(?!\d)/.exec(name.replace(/^o(\d)/, 'o-$1')) ?? /(\d+)(?:\.(\d))?/.exec(name);
  if (match === null) return 0;
  const major = Number(match[1]);
  // A date or a size (`2512`, `70b`…) is not a generation.
  if (major > 20) return 0;
  return major + (match[2] === undefined ? 0 : Number(match[2]) / 10);
}

/** A dated snapshot (`gpt-4o-2024-05-13`, `mistral-large-2512`) comes after its alias. */
function isSnapshot(model: KnownModel): boolean {
  return /-(\d{4}-\d{2}-\d{2}|\d{4})$/.test(modelName(model));
}

/** Newest generation first, aliases before dated snapshots, then by name. */
export function compareModels(a: KnownModel, b: KnownModel): number {
  return generationOf(b) - generationOf(a) || Number(isSnapshot(a)) - Number(isSnapshot(b)) || modelName(a).localeCompare(modelName(b));
}

/** Well-known providers first, in this order; the rest alphabetically. */
const providerOrder = ['anthropic', 'openai', 'gemini', 'xai', 'mistral', 'groq', 'deepinfra', 'cerebras', 'openrouter', 'together', 'fireworks'];

export interface ModelGroup {
  provider: string;
  /** The provider has a key in force (or needs none). */
  keyed: boolean;
  models: KnownModel[];
}

/**
 * The curated groups: providers with a key first (then the others when `showAll`), each with
 * its current models newest first. `chatOnly` leaves out embedding, speech and image models.
 * A model that is disabled stays listed (Toggle Models must be able to tick it again).
 */
export function curateModels(models: readonly KnownModel[], options: { showAll: boolean; chatOnly?: boolean }): ModelGroup[] {
  const byProvider = new Map<string, ModelGroup>();
  for (const model of models) {
    if (!isCurrentModel(model)) continue;
    if (options.chatOnly === true && !isChatModel(model)) continue;
    const keyed = model.keyed !== false;
    if (!keyed && !options.showAll) continue;
    let group = byProvider.get(model.provider);
    if (group === undefined) byProvider.set(model.provider, (group = { provider: model.provider, keyed, models: [] }));
    group.models.push(model);
  }
  const rank = (provider: string): number => {
    const index = providerOrder.indexOf(provider);
    return index === -1 ? providerOrder.length : index;
  };
  const groups = [...byProvider.values()].sort((a, b) => Number(b.keyed) - Number(a.keyed) || rank(a.provider) - rank(b.provider) || a.provider.localeCompare(b.provider));
  for (const group of groups) group.models.sort(compareModels);
  return groups;
}

/** How many listed models the curated view leaves out, for the "Show all" entry. */
export function hiddenProviders(models: readonly KnownModel[]): string[] {
  return [...new Set(models.filter((model) => model.keyed === false && isCurrentModel(model)).map((model) => model.provider))];
}

/** List prices as the panel writes money: `$3.00 in · $15.00 out per 1M tokens`. */
export function describePrice(model: KnownModel): string | undefined {
  if (model.inputPrice === undefined && model.outputPrice === undefined) return undefined;
  return `${formatUsd(model.inputPrice)} in · ${formatUsd(model.outputPrice)} out per 1M tokens`;
}
