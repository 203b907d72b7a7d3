import assert from 'node:assert/strict';
import { openPanel, openSidebar, sidebarRows, statusBarItem, waitForProxyRunning, walkthroughStep } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { poll } from '../harness/processes';
import { runCommand, screenshot, setColorTheme, timeouts } from '../harness/workbench';

// Issue 14: what a new user sees in the first minute, before any key or request — the profile
// is fresh and the VSIX was installed from the command line, as a script or a team would.

describe('the first screen of a new user', () => {
  it('opens the walkthrough by itself on the first start, its steps not done yet', async () => {
    const { page } = uiContext();
    const title = page.locator('.gettingStartedContainer', { hasText: 'Get started with Switchyard' });
    await title.first().waitFor({ timeout: timeouts.workbench });
    for (const step of ['setKey', 'connectTool', 'testRequest']) {
      const button = walkthroughStep(page, step);
      await button.waitFor();
      assert.equal(await button.getAttribute('aria-checked'), 'false', `step ${step} is done before the user did anything`);
    }
    await screenshot(page, 'e2e-dark-walkthrough-first');
    await setColorTheme(page, 'Light Modern', 'light');
    await screenshot(page, 'e2e-light-walkthrough-first');
    await setColorTheme(page, 'Dark Modern', 'dark');
  });

  it('says in the status bar tooltip which keys are missing', async () => {
    const { page, proxyPort } = uiContext();
    const text = await waitForProxyRunning(page, proxyPort);
    assert.match(text, new RegExp(`Switchyard :${proxyPort}`));
    await statusBarItem(page).hover();
    const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Switchyard proxy' }).first();
    await hover.waitFor();
    const tooltip = (await hover.innerText()).replace(/\s+/g, " ");
    assert.match(tooltip, /No provider key yet/);
    assert.match(tooltip, /Set Provider Key/);
    await page.mouse.move(600, 400);
  });

  it('shows what to do next in the sidebar, not a tree of zeros', async () => {
    const { page, proxyPort } = uiContext();
    await openSidebar(page);
    const rows = await poll(
      'the setup rows in the Switchyard view',
      async () => {
        const found = await sidebarRows(page);
        return found.some((row) => row.includes('Set a provider key')) ? found : undefined;
      },
      timeouts.action,
    );
    assert.ok(rows.some((row) => row.includes('Connect a tool')), rows.join('\n'));
    assert.ok(rows.some((row) => row.includes(`http://127.0.0.1:${proxyPort}/v1`)), rows.join('\n'));
    await screenshot(page, 'e2e-dark-sidebar-first');
  });

  it('opens the panel on the base URLs and the buttons that set Switchyard up', async () => {
    const { page, proxyPort } = uiContext();
    const panel = await openPanel(page);
    const urls = panel.locator('.empty-state .base-urls');
    await urls.waitFor();
    const text = await urls.innerText();
    assert.ok(text.includes(`http://127.0.0.1:${proxyPort}`) && text.includes(`http://127.0.0.1:${proxyPort}/v1`), text);
    for (const command of ['switchyard.setProviderKey', 'switchyard.configureTool', 'switchyard.copyConnectionSettings', 'switchyard.sendTestRequest']) {
      await panel.locator(`.empty-state vscode-button[data-command="${command}"]`).waitFor();
    }
    // Without a key, setting one is the first, primary, button.
    assert.equal(await panel.locator('.empty-state vscode-button[data-command="switchyard.setProviderKey"]').getAttribute('secondary'), null);
    await screenshot(page, 'e2e-dark-panel-first');
    await setColorTheme(page, 'Light Modern', 'light');
    await screenshot(page, 'e2e-light-panel-first');
    await setColorTheme(page, 'Dark Modern', 'dark');
    await runCommand(page, 'View: Close All Editors');
  });
});
