import { ConfigConflict, type ControlClient } from '../control-client';

/** Reads tried before giving up when the config keeps changing between a read and its save. */
const conflictAttempts = 3;

/**
 * Changes the proxy's config file through the control API (read, change, write back; the proxy
 * validates it and puts it in force at once). The save names the revision it read (If-Match):
 * when someone saved in between (the panel, `switchyard config push`, a hand edit), the change
 * is applied again to their version rather than overwriting it. Throws with the proxy's problems
 * if it refused.
 */
export async function updateConfig(client: ControlClient, change: (config: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await client.config();
    if (current.file === undefined) {
      throw new Error('The running proxy has no config file to save into (it was started without --config).');
    }
    let result;
    try {
      result = await client.saveConfig(change(structuredClone(current.config)), current.revision);
    } catch (error) {
      if (error instanceof ConfigConflict && attempt < conflictAttempts) continue;
      throw error;
    }
    if (!result.ok) {
      const problems = result.problems.map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message)).join('; ');
      throw new Error(`The proxy refused the change: ${problems}`);
    }
    return;
  }
}
