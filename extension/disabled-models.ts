/**
 * The config's `disabledModels` after the user ticked models in "Toggle Models": the listed
 * models left unticked, plus the entries the list cannot show (globs such as `openai/gpt-4o*`,
 * models no longer listed) unless they would disable a model the user just ticked.
 */
export function nextDisabledModels(previous: readonly string[], listed: readonly string[], enabled: ReadonlySet<string>): string[] {
  const listedSet = new Set(listed);
  const kept = previous.filter((entry) => !listedSet.has(entry) && ![...enabled].some((model) => matchesGlob(entry, model)));
  const unticked = listed.filter((model) => !enabled.has(model));
  return [...new Set([...kept, ...unticked])];
}

/** Whether a `disabledModels` entry matches `provider/model`: exact, or a glob with `*` and `?`. */
export function matchesGlob(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(value);
}

/** Reads `disabledModels` from a config as written; anything malformed counts as none. */
export function disabledModelsOf(config: Record<string, unknown>): string[] {
  const value = config.disabledModels;
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}
