import assert from 'node:assert/strict';
import { poll } from '../harness/processes';
import { openSidebar, sidebarRows, statusBarItem } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { screenshot, timeouts } from '../harness/workbench';

describe('the sidebar and the status bar', () => {
  it('shows today’s spend and the last requests in the Switchyard view', async () => {
    const { page } = uiContext();
    await openSidebar(page);
    const today = await poll(
      'a "Today" row with a spend and a request count',
      async () => (await sidebarRows(page)).find((row) => /Today/.test(row) && /\$\d/.test(row) && /\d+ requests?/.test(row)),
      timeouts.action,
    );
    assert.match(today, /[1-9]\d* requests?/);
    const recent = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Recent requests' }).first();
    await recent.waitFor();
    if ((await recent.getAttribute('aria-expanded')) !== 'true') await recent.click();
    // The newest request went to the other provider through the rule saved in the panel.
    await poll('the last request under "Recent requests"', async () => (await sidebarRows(page)).find((row) => row.includes('other/fake-small')), timeouts.action);
    await screenshot(page, 'e2e-dark-sidebar');
  });

  it('shows the port and today’s spend in the status bar', async () => {
    const { page, proxyPort } = uiContext();
    const text = await statusBarItem(page).innerText();
    assert.match(text, new RegExp(String(proxyPort)));
    assert.match(text, /\$\d/);
  });
});
