import assert from 'node:assert/strict';
import { answerOf } from '../harness/fake-providers';
import { askOpenAi } from '../harness/clients';
import { openPanel, requestRow, selectRequest } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { clearNotifications, pickQuickItem, screenshot, setColorTheme } from '../harness/workbench';

// Issue 11: the request detail's Content section (what the audit log kept) and "Replay with…".

describe('kept content and Replay in the request detail', () => {
  let id = '';
  let served = '';

  it('shows what was sent and what came back', async () => {
    const context = uiContext();
    // Earlier tests may have routed gpt-4o-mini elsewhere (a rule to `other`): whoever served it answers.
    const asked = await askOpenAi(context, 'gpt-4o-mini');
    id = asked.id;
    served = asked.provider;
    const panel = await openPanel(context.page);
    await requestRow(panel, id).waitFor();
    await selectRequest(panel, id);
    const messages = panel.locator('#request-detail .content-messages');
    await messages.waitFor();
    assert.match(await messages.innerText(), /Say hello\./);
    assert.ok((await panel.locator('#request-detail .content-answer').first().innerText()).includes(answerOf(served as 'openai' | 'other')));
  });

  it('replays it with another model and shows both answers side by side, with cost and latency', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    await selectRequest(panel, id);
    await panel.locator('#request-detail [data-action="replay"]').click();
    await pickQuickItem(page, 'other/fake-large');
    const compare = panel.locator('#request-detail .replay-compare');
    await compare.waitFor();
    const columns = compare.locator('.replay-column');
    assert.equal(await columns.count(), 2);
    assert.match(await columns.nth(0).innerText(), new RegExp(`${served}/`, 'i'));
    assert.match(await columns.nth(1).innerText(), /other\/fake-large/i);
    assert.ok((await columns.nth(1).innerText()).includes(answerOf('other')));
    const replayId = await compare.getAttribute('data-replay');
    assert.ok(replayId, 'the replay has a request id of its own');
    await requestRow(panel, replayId).waitFor();
  });

  for (const theme of [
    { name: 'light', label: 'Light Modern', kind: 'light' },
    { name: 'dark', label: 'Dark Modern', kind: 'dark' },
  ] as const) {
    it(`is readable in ${theme.label}`, async () => {
      const { page } = uiContext();
      await setColorTheme(page, theme.label, theme.kind);
      await clearNotifications(page);
      const panel = await openPanel(page);
      await selectRequest(panel, id);
      await panel.locator('#request-detail .content-messages').waitFor();
      await panel.locator('#request-detail [data-action="replay"]').scrollIntoViewIfNeeded();
      await screenshot(page, `e2e-${theme.name}-content`);
    });
  }
});
