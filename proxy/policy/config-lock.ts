import { ProxyError } from '../core/errors';
import type { CallPolicy } from '../call/call-policy';

/**
 * Every model call refused while the config file's budgets or disabled models cannot be read
 * (see `salvagePolicy`): Switchyard cannot tell whether the call would cross a budget, so it
 * does not make it. 403, which the SDKs do not retry: the file does not fix itself. Lifted as
 * soon as the file loads (the control plane rebuilds the policies without it).
 */
export function configLockPolicy(reason: string): CallPolicy {
  const error = new ProxyError(
    'permission',
    `Switchyard refused this call: its config file sets budgets or disabled models it cannot read (${reason}). Fix the config file; the call is refused until then so that no budget is passed unseen.`,
  );
  return { name: 'config-lock', admitCall: () => error };
}
