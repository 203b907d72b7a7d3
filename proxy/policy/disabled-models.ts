import { ProxyError } from '../core/errors';
import type { CallPolicy } from '../call/call-policy';
import { compileGlob } from '../routing/glob';

/**
 * Compiles the config's `disabledModels` globs (over `provider/model`) into one test, or
 * undefined when the list is empty. Exact names, the usual case for models switched off one by
 * one in "Switchyard: Toggle Models", are a Set lookup whatever their number.
 */
export function compileDisabledModels(patterns: readonly string[]): ((target: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const exact = new Set<string>();
  const globs: Array<(value: string) => boolean> = [];
  for (const pattern of patterns) {
    if (pattern.includes('*') || pattern.includes('?')) globs.push(compileGlob(pattern));
    else exact.add(pattern);
  }
  if (globs.length === 0) return (target) => exact.has(target);
  return (target) => {
    if (exact.has(target)) return true;
    for (const matches of globs) if (matches(target)) return true;
    return false;
  };
}

/**
 * The refusal of a call that only disabled models could answer, sent in the client's own error
 * shape (403): it names the model and both ways to switch it back on.
 */
export function disabledModelError(targets: readonly string[], route?: string): ProxyError {
  const what = route === undefined ? `The model ${targets[0]} is` : `Every target of route '${route}' (${targets.join(', ')}) is`;
  return new ProxyError(
    'permission',
    `${what} disabled in Switchyard. Enable it with the VS Code command "Switchyard: Toggle Models", or remove it from "disabledModels" in the config.`,
    { param: 'model' },
  );
}

/**
 * `disabledModels` as a call policy: a candidate whose resolved `provider/model` is disabled
 * is passed over (reason `disabled`), and a call only disabled models could answer is refused
 * with `disabledModelError`. Undefined when the list is empty: the pipeline then pays nothing.
 */
export function disabledModelsPolicy(patterns: readonly string[]): CallPolicy | undefined {
  const isDisabled = compileDisabledModels(patterns);
  if (isDisabled === undefined) return undefined;
  return {
    name: 'disabled-models',
    skipTarget: (_context, target) => (isDisabled(target.label) ? 'disabled' : undefined),
    refusal: (_context, skipped, route) => disabledModelError(skipped.map((target) => target.label), route),
  };
}
