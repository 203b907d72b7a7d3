import { openPanel, openSidebar, selectRequest } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { clearNotifications, runCommand, screenshot, setColorTheme } from '../harness/workbench';

/** Built-in themes: VS Code's default dark and light ones. */
const themes = [
  { name: 'dark', label: 'Dark Modern', kind: 'dark' },
  { name: 'light', label: 'Light Modern', kind: 'light' },
] as const;

describe('screenshots in a dark and a light theme', () => {
  for (const theme of themes) {
    it(`captures the panel’s tabs, a detail and the sidebar in ${theme.label}`, async () => {
      const { page } = uiContext();
      await setColorTheme(page, theme.label, theme.kind);
      await clearNotifications(page);
      await runCommand(page, 'View: Close All Editors');
      const panel = await openPanel(page);
      await openSidebar(page);
      await panel.locator('#tab-requests').click();
      const firstRow = panel.locator('tr[data-request-id]').first();
      await firstRow.waitFor();
      await screenshot(page, `e2e-${theme.name}-requests`);
      const id = await firstRow.getAttribute('data-request-id');
      await selectRequest(panel, id ?? '');
      await screenshot(page, `e2e-${theme.name}-detail`);
      await panel.locator('#tab-charts').click();
      await panel.locator('.charts-view .chart-card').first().waitFor();
      await screenshot(page, `e2e-${theme.name}-charts`);
      await panel.locator('#tab-rules').click();
      await panel.locator('#rules-mode-form').click();
      await panel.locator('[data-rule-index="0"]').waitFor();
      await screenshot(page, `e2e-${theme.name}-rules-form`);
      await panel.locator('#rules-mode-json').click();
      await panel.locator('#rules-json').waitFor();
      await screenshot(page, `e2e-${theme.name}-rules-json`);
      await panel.locator('#tab-requests').click();
      // Issue 14: the table and the charts at the two widths people use most, side bar open.
      for (const width of [1280, 1920]) {
        await page.setViewportSize({ width, height: 900 });
        await panel.locator('#tab-requests').click();
        await firstRow.waitFor();
        await screenshot(page, `e2e-${theme.name}-requests-${width}`);
        await panel.locator('#tab-charts').click();
        await panel.locator('[data-chart="spend"] rect.segment').first().waitFor();
        await screenshot(page, `e2e-${theme.name}-charts-${width}`);
      }
      await page.setViewportSize({ width: 1440, height: 900 });
      await panel.locator('#tab-requests').click();
    });
  }
});
