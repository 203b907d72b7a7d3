import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { answerOf, unavailableModel } from '../harness/fake-providers';
import { askOpenAi } from '../harness/clients';
import { openPanel, requestRow, rowCells, selectRequest } from '../harness/switchyard';
import { controlRequest, uiContext } from '../harness/ui-context';
import { poll } from '../harness/processes';
import { clearNotifications, closeQuickInput, findNotification, pickQuickItem, quickInput, runCommand, screenshot, setColorTheme, timeouts } from '../harness/workbench';

// Issue 14: a real fallback in the Attempts column, the rules form with two problems at once,
// the stacked spend chart and the export of the request list, in the real VS Code.

const route = 'e2e-fallback';

describe('a fallback, two problems, the stacked chart and the export', () => {
  let fallbackId = '';

  it('shows a fallback from an overloaded target in the Attempts column', async () => {
    const context = uiContext();
    // The route is added through the control API: the panel's editor is tested below.
    const current = (await controlRequest(context, 'GET', '/config')) as { config: Record<string, unknown> };
    const routes = { ...((current.config.routes as Record<string, unknown> | undefined) ?? {}), [route]: { strategy: 'fallback', targets: [`other/${unavailableModel}`, 'openai/gpt-4o-mini'] } };
    await controlRequest(context, 'PUT', '/config', { config: { ...current.config, routes } });
    const before = context.fakes.other.requests.length;
    const answer = await askOpenAi(context, route);
    assert.equal(answer.text, answerOf('openai'));
    assert.ok(context.fakes.other.requests.slice(before).some((request) => (request.json as { model?: string } | undefined)?.model === unavailableModel), 'the first target was not tried');
    fallbackId = answer.id;
    const panel = await openPanel(context.page);
    await panel.locator('#tab-requests').click();
    const row = requestRow(panel, answer.id);
    await row.waitFor();
    const cells = await rowCells(row);
    assert.match(cells.attempts ?? '', /^↻ [2-9]$/, `attempts: ${JSON.stringify(cells)}`);
    assert.match(cells.served ?? '', /^openai\/gpt-4o-mini$/);
    assert.match(cells.requestedModel ?? '', new RegExp(route));
    assert.match((await row.locator('td[data-column="attempts"]').getAttribute('title')) ?? '', /with fallback/);
    await selectRequest(panel, answer.id);
    assert.ok((await panel.locator('#request-detail [data-attempt]').count()) >= 2);
    await clearNotifications(context.page);
    await screenshot(context.page, 'e2e-dark-fallback');
  });

  it('lists both problems of the rules form at once and keeps Save disabled', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    await panel.locator('#tab-rules').click();
    await panel.locator('#rules-mode-form').click();
    await panel.locator('[data-rule-index="0"]').waitFor();
    await panel.locator('[data-field-path="rules[0].match.minInputTokens"] vscode-textfield >> input').fill('lots');
    await panel.locator('[data-field-path="rules[0].match.maxInputTokens"] vscode-textfield >> input').fill('many');
    await panel.locator('[data-field-path="rules[0].match.minInputTokens"] [data-problem-path="rules[0].match.minInputTokens"]').waitFor();
    await panel.locator('[data-field-path="rules[0].match.maxInputTokens"] [data-problem-path="rules[0].match.maxInputTokens"]').waitFor();
    const save = panel.locator('#rules-save');
    assert.notEqual(await save.getAttribute('disabled'), null, 'Save is enabled with problems');
    assert.equal(await save.getAttribute('title'), 'Fix the 2 problems first');
    assert.match((await panel.locator('.rules-status').textContent()) ?? '', /2 problems — fix them to save/);
    await screenshot(page, 'e2e-dark-rules-two-problems');
    await setColorTheme(page, 'Light Modern', 'light');
    await screenshot(page, 'e2e-light-rules-two-problems');
    await setColorTheme(page, 'Dark Modern', 'dark');
    await panel.locator('#rules-revert').click();
    await panel.locator('[data-problem-path]').first().waitFor({ state: 'detached' });
    await panel.locator('#tab-requests').click();
  });

  it('stacks the spend per day by provider, then by model', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    await panel.locator('#tab-charts').click();
    const spend = panel.locator('[data-chart="spend"]');
    await spend.locator('rect.segment').first().waitFor();
    await poll('the spend legend to name openai and anthropic', async () => {
      const legend = (await spend.locator('.legend').textContent()) ?? '';
      return legend.includes('openai') && legend.includes('anthropic') ? legend : undefined;
    }, timeouts.action);
    await spend.locator('[data-spend-by="model"]').click();
    await poll('the spend legend by model', async () => ((await spend.locator('.legend').textContent()) ?? '').includes('gpt-4o-mini') || undefined, timeouts.action);
    await screenshot(page, 'e2e-dark-charts-by-model');
    await spend.locator('[data-spend-by="provider"]').click();
    // Today only: the list and the charts follow the range.
    await panel.locator('.charts-view [data-range="today"]').click();
    await poll('the spend chart to show one day', async () => ((await spend.locator('.stack').count()) === 1 ? true : undefined), timeouts.action);
    await panel.locator('.charts-view [data-range="30d"]').click();
    await panel.locator('#tab-requests').click();
  });

  it('exports the filtered request list as CSV through the save dialog', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    await panel.locator('#tab-requests').click();
    await panel.locator('.filter >> input').fill(route);
    await panel.locator('#export-requests').click();
    await pickQuickItem(page, 'CSV');
    // code-server's save dialog is VS Code's simple one: a path in the quick input, proposed by the
    // extension (the workspace folder). Typing over it raced the dialog's own completion on a clean
    // CI run (it wrote "<workspace>/tmp/….csv.csv"), so the test takes the proposal, as most users do,
    // once the dialog has filled it in, and reads the file the notification names.
    const input = quickInput(page);
    await input.waitFor({ state: 'visible' });
    await poll('the save dialog to propose a file name', async () => /switchyard-requests-\d{4}-\d{2}-\d{2}\.csv$/.test(await input.inputValue()) || undefined, timeouts.action);
    await input.press('Enter');
    const { text: notice } = await findNotification(page, 'exported 1 request');
    const written = /exported 1 request to (.+?)\.?$/.exec(notice.replace(/\s+/g, ' ').trim())?.[1];
    assert.ok(written !== undefined, notice);
    const text = await readFile(written, 'utf8');
    const lines = text.trim().split('\r\n');
    assert.equal(lines.length, 2, text);
    assert.match(lines[0]!, /^id,time,tool,/);
    assert.ok(lines[1]!.startsWith(`${fallbackId},`), lines[1]);
    assert.match(lines[1]!, /,openai,gpt-4o-mini,[2-9],200,/);
    await panel.locator('.export-status', { hasText: 'Exported 1 request' }).waitFor();
    await panel.locator('.filter >> input').fill('');
    await closeQuickInput(page);
    await clearNotifications(page);
    await rm(written, { force: true });
    await runCommand(page, 'View: Close All Editors');
  });
});
