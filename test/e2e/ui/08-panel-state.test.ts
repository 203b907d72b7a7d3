import assert from 'node:assert/strict';
import { openPanel } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { runCommand, webviewContent } from '../harness/workbench';

describe('the panel when hidden', () => {
  it('keeps its tab and an unsaved rules draft while another editor covers it', async () => {
    const { page } = uiContext();
    await runCommand(page, 'View: Close All Editors');
    const panel = await openPanel(page);
    await panel.locator('#tab-rules').click();
    await panel.locator('#rules-mode-json').click();
    const editor = panel.locator('#rules-json');
    const draft = (await editor.inputValue()).replace('"e2e: mini to other"', '"e2e: an unsaved draft"');
    await editor.fill(draft);

    // Another editor in the same group hides the webview.
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('iframe.webview.ready').waitFor({ state: 'hidden' });
    await page.locator('.tabs-container .tab', { hasText: 'Switchyard' }).click();

    const shown = webviewContent(page);
    await shown.locator('#rules-json').waitFor();
    assert.equal(await shown.locator('#rules-json').inputValue(), draft);
    await shown.locator('#rules-revert').click();
    assert.doesNotMatch(await shown.locator('#rules-json').inputValue(), /unsaved draft/);
    // The untitled file is empty, so closing it asks nothing.
    await runCommand(page, 'View: Close All Editors');
  });
});
