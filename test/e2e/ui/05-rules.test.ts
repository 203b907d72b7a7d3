import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { answerOf } from '../harness/fake-providers';
import { askOpenAi } from '../harness/clients';
import { openPanel, requestRow, rowCells, selectRequest } from '../harness/switchyard';
import { controlRequest, uiContext } from '../harness/ui-context';
import { clearNotifications, screenshot, setColorTheme } from '../harness/workbench';

/** The rule the test saves: the model the client asks for goes to the second provider instead. */
const ruleToOther = { name: 'e2e: mini to other', match: { model: 'gpt-4o-mini' }, route: 'other/fake-small' };

describe('the rules editor', () => {
  it('shows a problem in place and saves nothing for an invalid rule', async () => {
    const { page, configFile } = uiContext();
    const before = await readFile(configFile, 'utf8');
    const panel = await openPanel(page);
    await panel.locator('#tab-rules').click();
    await panel.locator('#rules-mode-json').click();
    const editor = panel.locator('#rules-json');
    await editor.waitFor();
    const config = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    await editor.fill(JSON.stringify({ ...config, rules: [{ match: { model: 42 }, route: 'other/fake-small' }] }, null, 2));
    await panel.locator('[data-problem-path^="rules[0]"]').first().waitFor();
    await clearNotifications(page);
    await screenshot(page, 'e2e-dark-rules-problem');
    assert.equal(await readFile(configFile, 'utf8'), before, 'an invalid config was written');
  });

  it('saves a rule that sends the next request to the other provider', async () => {
    const context = uiContext();
    const panel = await openPanel(context.page);
    await panel.locator('#tab-rules').click();
    await panel.locator('#rules-mode-json').click();
    const editor = panel.locator('#rules-json');
    const config = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    await editor.fill(JSON.stringify({ ...config, rules: [ruleToOther] }, null, 2));
    await panel.locator('[data-problem-path]').first().waitFor({ state: 'detached' });
    await panel.locator('#rules-save').click();
    await panel.locator('#rules-saved').waitFor();
    const written = JSON.parse(await readFile(context.configFile, 'utf8')) as { rules?: unknown[] };
    assert.deepEqual(written.rules, [ruleToOther]);

    const before = context.fakes.other.requests.length;
    const answer = await askOpenAi(context, 'gpt-4o-mini');
    assert.equal(answer.text, answerOf('other'));
    const received = context.fakes.other.requests.slice(before);
    assert.equal(received.length, 1);
    assert.equal((received[0]?.json as { model?: string } | undefined)?.model, 'fake-small');

    await panel.locator('#tab-requests').click();
    const row = requestRow(panel, answer.id);
    await row.waitFor();
    const cells = await rowCells(row);
    assert.match(cells.served ?? '', /other\/fake-small/);
    assert.match(cells.requestedModel ?? '', /gpt-4o-mini/);
    await selectRequest(panel, answer.id);
    await panel.locator('#request-detail').getByText(ruleToOther.name).first().waitFor();
  });

  it('shows the saved rule in the form view', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    await panel.locator('#tab-rules').click();
    await panel.locator('#rules-mode-form').click();
    const rule = panel.locator('[data-rule-index="0"]');
    await rule.waitFor();
    assert.equal(await panel.locator('[data-rule-index]').count(), 1);
  });

  it('saves nothing over a config changed elsewhere since the draft started, then overwrites it when asked', async () => {
    const context = uiContext();
    const { page, configFile } = context;
    const original = (await controlRequest(context, 'GET', '/config')) as { config: Record<string, unknown> };
    const panel = await openPanel(page);
    await panel.locator('#tab-rules').click();
    await panel.locator('#rules-mode-json').click();
    const editor = panel.locator('#rules-json');
    const draft = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    const mine = { ...draft, aliases: { ...(draft.aliases as object | undefined), 'e2e-mine': 'openai/gpt-4o-mini' } };
    await editor.fill(JSON.stringify(mine, null, 2));
    await panel.locator('.rules-status:has-text("Unsaved changes")').waitFor();
    // A hand edit of the file (or another window, or `switchyard config push` on a team's database).
    const theirs = { ...original.config, aliases: { ...(original.config.aliases as object | undefined), 'e2e-theirs': 'other/fake-small' } };
    await writeFile(configFile, `${JSON.stringify(theirs, null, 2)}\n`);
    await panel.locator('#rules-conflict').waitFor();
    await panel.locator('#rules-save').click();
    await panel.locator('#rules-conflict:has-text("Nothing was saved")').waitFor();
    assert.deepEqual(JSON.parse(await readFile(configFile, 'utf8')), theirs, 'their change was overwritten');
    assert.deepEqual(JSON.parse(await editor.inputValue()), mine, 'the draft was lost');
    await clearNotifications(page);
    await screenshot(page, 'e2e-dark-rules-conflict');
    await setColorTheme(page, 'Light Modern', 'light');
    await screenshot(page, 'e2e-light-rules-conflict');
    await setColorTheme(page, 'Dark Modern', 'dark');
    await panel.locator('#rules-overwrite').click();
    await panel.locator('#rules-saved').waitFor();
    assert.deepEqual(JSON.parse(await readFile(configFile, 'utf8')), mine);
    assert.equal(await panel.locator('#rules-conflict').count(), 0);
    await controlRequest(context, 'PUT', '/config', { config: original.config });
  });
});
