import type { ControlClient } from '../control-client';

/**
 * Changes the proxy's config file through the control API (read, change, write back; the proxy
 * validates it and puts it in force at once). Throws with the proxy's problems if it refused.
 */
export async function updateConfig(client: ControlClient, change: (config: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const current = await client.config();
  if (current.file === undefined) {
    throw new Error('The running proxy has no config file to save into (it was started without --config).');
  }
  const result = await client.saveConfig(change(structuredClone(current.config)));
  if (!result.ok) {
    const problems = result.problems.map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message)).join('; ');
    throw new Error(`The proxy refused the change: ${problems}`);
  }
}
