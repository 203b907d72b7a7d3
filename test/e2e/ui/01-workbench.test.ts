import assert from 'node:assert/strict';
import { uiContext } from '../harness/ui-context';
import { closeQuickInput, quickInput, quickPickRow } from '../harness/workbench';

describe('workbench', () => {
  it('is a real VS Code 1.100 whose palette runs commands', async () => {
    const { page } = uiContext();
    await page.keyboard.press('F1');
    await quickInput(page).waitFor({ state: 'visible' });
    await quickInput(page).fill('>Help: About');
    await quickPickRow(page, 'Help: About').first().waitFor();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /^Code: 1\.100\./m);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await closeQuickInput(page);
  });
});
