import assert from 'node:assert/strict';
import { askOpenAi } from '../harness/clients';
import { poll } from '../harness/processes';
import { openPanel, statusBarItem } from '../harness/switchyard';
import { controlRequest, uiContext } from '../harness/ui-context';
import { clearNotifications, runCommand, screenshot, setColorTheme, timeouts } from '../harness/workbench';

describe('budgets and keys', () => {
  it('turns the status bar to a warning colour when a budget is 80 % used, and shows budgets and keys in the panel', async () => {
    const context = uiContext();
    const { page } = context;
    // A budget that any call crosses (warn only, so calls still go through), and one with room.
    const current = (await controlRequest(context, 'GET', '/config')) as { config: Record<string, unknown> };
    const config = {
      ...current.config,
      budgets: [
        { name: 'e2e-tiny', limitUsd: 0.000001, period: 'day', action: 'warn' },
        { name: 'e2e-monthly', match: { provider: 'openai' }, limitUsd: 50, period: 'month' },
      ],
    };
    await controlRequest(context, 'PUT', '/config', { config });
    await controlRequest(context, 'POST', '/keys', { name: 'e2e-ci-bot', models: ['openai/*'], budget: '5/day', rpm: 60 });
    await askOpenAi(context, 'gpt-4o-mini');
    const text = await poll(
      'the status bar naming the budget past 80 %',
      async () => {
        const shown = await statusBarItem(page).innerText();
        return shown.includes('e2e-tiny') ? shown : undefined;
      },
      timeouts.action,
    );
    // Far past its limit (a warn budget): capped, not a seven-digit percentage.
    assert.match(text, /e2e-tiny >999%/);
    // Evaluated in the page (this file is compiled without the DOM library).
    const background = await statusBarItem(page).evaluate('(item) => getComputedStyle(item).backgroundColor');
    assert.notEqual(background, 'rgba(0, 0, 0, 0)', 'the item has a warning background');
    for (const theme of [
      { name: 'dark', label: 'Dark Modern', kind: 'dark' },
      { name: 'light', label: 'Light Modern', kind: 'light' },
    ] as const) {
      await setColorTheme(page, theme.label, theme.kind);
      await clearNotifications(page);
      await runCommand(page, 'View: Close All Editors');
      const panel = await openPanel(page);
      await panel.locator('#tab-governance').click();
      await panel.locator('.budget-row[data-budget="e2e-monthly"]').waitFor();
      await panel.locator('tr[data-key="e2e-ci-bot"]').waitFor();
      const rows = await panel.locator('.budget-row').allInnerTexts();
      assert.ok(rows.some((row) => /e2e-tiny/.test(row) && /warn only/.test(row) && /× the limit/.test(row)), rows.join('\n'));
      assert.ok(rows.some((row) => /key e2e-ci-bot/.test(row) && /the key's own budget/.test(row) && /\$5\.00/.test(row)), rows.join('\n'));
      await screenshot(page, `e2e-${theme.name}-budgets-keys`);
      await panel.locator('#tab-requests').click();
    }
    await setColorTheme(page, 'Dark Modern', 'dark');
  });
});
