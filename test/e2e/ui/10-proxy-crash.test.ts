import assert from 'node:assert/strict';
import { askOpenAi } from '../harness/clients';
import { answerOf } from '../harness/fake-providers';
import { poll } from '../harness/processes';
import { waitForProxyRunning } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { findNotification, screenshot, timeouts } from '../harness/workbench';

async function proxyPid(port: number): Promise<number | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/_switchyard/health`);
  const health = (await response.json()) as { pid?: unknown };
  return typeof health.pid === 'number' ? health.pid : undefined;
}

describe('a crashed proxy', () => {
  it('is restarted, the reason is shown, and requests flow again', async () => {
    const context = uiContext();
    const { page, proxyPort } = context;
    const killed = await proxyPid(proxyPort);
    assert.ok(killed !== undefined, 'the proxy reports no pid');
    process.kill(killed, 'SIGKILL');

    const { text: message } = await findNotification(page, 'Switchyard proxy crashed');
    // The reason, not the proxy's last routine log line (with its timestamp).
    assert.match(message, /(?:was killed by SIGKILL; no error was printed|stopped answering on port \d+)\. Restarting it…/);
    assert.doesNotMatch(message, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    await screenshot(page, 'e2e-crash-notification');

    await poll('a new proxy on the same port', async () => {
      const pid = await proxyPid(proxyPort).catch(() => undefined);
      return pid !== undefined && pid !== killed ? pid : undefined;
    }, timeouts.workbench);
    await waitForProxyRunning(page, proxyPort);
    // Keys live only in the proxy's memory: the extension gives the new one the keychain's key again.
    const answer = await askOpenAi(context, 'openai/gpt-4o');
    assert.equal(answer.text, answerOf('openai'));
  });
});
