import assert from 'node:assert/strict';
import { openWalkthrough, walkthroughStep } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { poll } from '../harness/processes';
import { runCommand, screenshot, setColorTheme, timeouts } from '../harness/workbench';

// Issue 14: the walkthrough's steps complete on their own as the user does them — a key set
// (03), the connection settings copied (04), a request seen (04) — by their completion events.

describe('the walkthrough after the first steps', () => {
  it('shows every step done', async () => {
    const { page } = uiContext();
    await runCommand(page, 'View: Close All Editors');
    await openWalkthrough(page);
    for (const step of ['setKey', 'connectTool', 'testRequest']) {
      await poll(
        `the walkthrough step ${step} to be done`,
        async () => ((await walkthroughStep(page, step).getAttribute('aria-checked')) === 'true' ? true : undefined),
        timeouts.action,
      );
    }
    assert.equal(await walkthroughStep(page, 'testRequest').getAttribute('aria-checked'), 'true');
    await screenshot(page, 'e2e-dark-walkthrough-done');
    await setColorTheme(page, 'Light Modern', 'light');
    await screenshot(page, 'e2e-light-walkthrough-done');
    await setColorTheme(page, 'Dark Modern', 'dark');
    // The theme picker may still be closing; let it go before the palette opens again.
    await page.keyboard.press('Escape');
    await runCommand(page, 'View: Close All Editors');
  });
});
