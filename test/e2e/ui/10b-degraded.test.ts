import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { askOpenAi } from '../harness/clients';
import { poll } from '../harness/processes';
import { openPanel, statusBarItem, waitForProxyRunning } from '../harness/switchyard';
import { extensionDataDir, uiContext } from '../harness/ui-context';
import { clearNotifications, screenshot, setColorTheme, timeouts } from '../harness/workbench';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
/** The integration suite's helper: a live process caught inside a request-log write. */
const holder = path.join(repositoryRoot, 'test', 'integration', 'helpers', 'hold-write-lock.ts');

/** Starts a process that holds the request log's write lock on `dataDir`, once it holds it. */
async function holdTheLog(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dataDir], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => (line === 'locked' ? resolve() : reject(new Error(line))));
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}: ${stderr}`)));
  });
  return child;
}

async function health(port: number): Promise<{ status: string; problems?: string[] }> {
  return (await (await fetch(`http://127.0.0.1:${port}/_switchyard/health`)).json()) as { status: string; problems?: string[] };
}

describe('a proxy whose request log cannot write', () => {
  it('shows Degraded and why in the status bar and the panel, dark and light, and recovers when the log can write again', async () => {
    const context = uiContext();
    const { page, proxyPort, profile } = context;
    await waitForProxyRunning(page, proxyPort);
    // Another live process inside a write: the proxy cannot take the lock (it is not stale), so
    // the call's record cannot be written.
    const writer = await holdTheLog(extensionDataDir(profile));
    try {
      await askOpenAi(context, 'openai/gpt-4o');
      const degraded = await poll('the proxy to report degraded', async () => {
        const answer = await health(proxyPort);
        return answer.status === 'degraded' ? answer : undefined;
      }, timeouts.action);
      assert.match(degraded.problems?.join(' ') ?? '', /cannot be written \(database is locked\)/);

      const item = statusBarItem(page);
      await poll('the status bar item to show the warning', async () => ((await item.locator('.codicon-warning').count()) > 0 ? true : undefined), timeouts.action);
      await clearNotifications(page);
      const panel = await openPanel(page);
      const status = panel.locator('.proxy-status.state-degraded');
      await status.waitFor({ timeout: timeouts.action });
      const text = await status.innerText();
      assert.match(text, /Proxy Degraded/);
      assert.match(text, /cannot be written/);

      for (const theme of [
        { name: 'dark', label: 'Dark Modern', kind: 'dark' as const },
        { name: 'light', label: 'Light Modern', kind: 'light' as const },
      ]) {
        await setColorTheme(page, theme.label, theme.kind);
        await status.waitFor();
        await screenshot(page, `e2e-${theme.name}-degraded`);
        // The status bar's tooltip names the problem.
        await item.hover();
        await page.locator('.monaco-hover', { hasText: 'Degraded' }).first().waitFor({ timeout: timeouts.action });
        await screenshot(page, `e2e-${theme.name}-degraded-tooltip`);
        await page.mouse.move(0, 0);
      }
    } finally {
      writer.kill('SIGKILL');
      await setColorTheme(page, 'Dark Modern', 'dark');
    }

    // The holder is gone: the proxy removes its lock on the next write and is well again.
    await askOpenAi(context, 'openai/gpt-4o');
    await poll('the proxy to report ok again', async () => ((await health(proxyPort)).status === 'ok' ? true : undefined), timeouts.action);
    const panel = await openPanel(page);
    await panel.locator('.proxy-status.state-running').waitFor({ timeout: timeouts.action });
    await poll('the status bar warning to go', async () => ((await statusBarItem(page).locator('.codicon-warning').count()) === 0 ? true : undefined), timeouts.action);
  });
});
