import { ProxyError } from '../core/errors';
import type { Principal } from '../core/principal';
import type { CallPolicy } from '../call/call-policy';
import { compileGlob } from '../routing/glob';

/** Compiled allow-lists, by the list itself: keys share them, and a reload recompiles. */
const compiled = new WeakMap<readonly string[], (label: string) => boolean>();

/** Whether a principal may call a resolved `provider/model`: always, unless its key has an allow-list. */
export function mayCall(principal: Principal | undefined, label: string): boolean {
  const models = principal?.policy?.models;
  if (models === undefined) return true;
  let test = compiled.get(models);
  if (test === undefined) {
    const globs = models.map(compileGlob);
    test = (value) => globs.some((matches) => matches(value));
    compiled.set(models, test);
  }
  return test(label);
}

/**
 * A named key's model allow-list as a call policy: a candidate whose resolved
 * `provider/model` no glob of the key allows is passed over (an alias or a route cannot
 * smuggle it in), and a call left with none is refused with a 403 naming the key, the model
 * and what the key may call.
 */
export function modelAllowListPolicy(): CallPolicy {
  return {
    name: 'model-allow-list',
    skipTarget: (context, target) => (mayCall(context.principal, target.label) ? undefined : `not allowed for key '${context.principal?.label ?? ''}'`),
    refusal: (context, skipped, route) => {
      const principal = context.principal;
      const allowed = principal?.policy?.models ?? [];
      const what = route === undefined ? `the model ${skipped[0]?.label ?? context.requestedModel}` : `route '${route}' (${skipped.map((target) => target.label).join(', ')})`;
      return new ProxyError(
        'permission',
        `The access key '${principal?.label ?? ''}' may not call ${what}. It may call: ${allowed.join(', ') || 'no model'}. Change it with: switchyard keys update ${principal?.name ?? 'NAME'} --models GLOB,...`,
        { param: 'model' },
      );
    },
  };
}
