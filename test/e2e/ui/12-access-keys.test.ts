import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { clientKey } from '../harness/clients';
import { poll } from '../harness/processes';
import { controlRequest, uiContext } from '../harness/ui-context';
import { answerInput, clearNotifications, closeNotificationCenter, closeQuickInput, findNotification, notificationCenterTexts, openNotificationCenter, quickInput, quickPickRow, runCommand, screenshot, timeouts } from '../harness/workbench';

interface ListedKey {
  name: string;
  keyId: string;
  models?: string[];
  budget?: { limitUsd: number; period: string };
  rpm?: number;
  tpm?: number;
  revoked?: number;
}

async function listedKeys(): Promise<ListedKey[]> {
  return ((await controlRequest(uiContext(), 'GET', '/keys')) as { keys: ListedKey[] }).keys;
}

/** The modal dialog VS Code shows for `showInformationMessage(…, { modal: true }, …)`. */
function dialog(page: Page): ReturnType<Page['locator']> {
  return page.locator('.monaco-dialog-box');
}

/** Picks the quick pick row whose label contains `text` (labels here start with an icon). */
async function pickRow(page: Page, filter: string, text: string): Promise<void> {
  const input = quickInput(page);
  await input.waitFor({ state: 'visible' });
  await input.fill(filter);
  const row = quickPickRow(page, text).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/**
 * Answers the input box titled with `title`: the commands ask one box after another in the same
 * widget, so waiting for the title keeps an answer from landing in the box before.
 */
async function answerTitled(page: Page, title: string, value: string): Promise<string> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
  const prefilled = await quickInput(page).inputValue();
  await answerInput(page, value);
  return prefilled;
}

/** Answers the last question, the key's redaction, with "follow the config". */
async function followConfigRedaction(page: Page, title: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
  await pickRow(page, 'Follow', "Follow the config's redaction");
}

/**
 * Opens Manage Access Keys and waits for its list to show `name`. Under load the pick was once
 * hidden right after it opened (the palette's fade-out closing the input that replaced it; the
 * row stayed in the DOM, hidden): opening it again is harmless, so a pick that does not stay
 * open within a few seconds is opened again.
 */
async function openManageAccessKeys(page: Page, name: string): Promise<void> {
  await poll(
    'Manage Access Keys to list the key',
    async () => {
      const row = quickPickRow(page, name).first();
      if (await row.isVisible()) return true;
      await runCommand(page, 'Switchyard: Manage Access Keys');
      await row.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
      return (await row.isVisible()) || undefined;
    },
    timeouts.action * 2,
  );
}

async function call(key: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${uiContext().proxyPort}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'Say hello.' }] }),
  });
}

describe('access keys through the palette', () => {
  let created = '';

  it('Create Access Key asks its questions and shows the key once, with Copy', async () => {
    const { page } = uiContext();
    await clearNotifications(page);
    await runCommand(page, 'Switchyard: Create Access Key');
    await answerTitled(page, 'Create Access Key (1/3)', 'e2e-ui-tool');
    await answerTitled(page, 'Create Access Key: models', 'openai/*');
    await answerTitled(page, 'Create Access Key: budget', '2/day');
    await answerTitled(page, 'Create Access Key: rate limits', '');
    await followConfigRedaction(page, 'Create Access Key: redaction');
    const shown = dialog(page);
    await shown.waitFor({ timeout: timeouts.action });
    const message = await shown.innerText();
    const key = /(sy-[A-Za-z0-9_-]{32,})/.exec(message)?.[1];
    assert.ok(key, `the dialog shows the key: ${message}`);
    assert.match(message, /shown only now/);
    await screenshot(page, 'e2e-dark-create-access-key');
    await page.evaluate("navigator.clipboard.writeText('')");
    await shown.locator('.monaco-button', { hasText: /^Copy$/ }).click();
    await shown.waitFor({ state: 'hidden' });
    const copied = await poll('the key on the clipboard', async () => ((await page.evaluate('navigator.clipboard.readText()')) === key ? key : undefined), timeouts.action);
    created = copied;
    // Shown once: the proxy lists the key's name and id, never the key.
    const keys = await listedKeys();
    const listed = keys.find((entry) => entry.name === 'e2e-ui-tool');
    assert.deepEqual([listed?.models, listed?.budget, listed?.rpm], [['openai/*'], { limitUsd: 2, period: 'day' }, undefined]);
    assert.ok(!JSON.stringify(keys).includes(key));
    // Accepted: the model list answers it (with only the models it may call).
    const models = await fetch(`http://127.0.0.1:${uiContext().proxyPort}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(models.status, 200, 'the proxy accepts the new key');
  });

  it('Manage Access Keys changes a key through quick picks, then revokes it', async () => {
    const { page } = uiContext();
    assert.ok(created !== '', 'the key of the previous test');
    // Each key is listed with what it may do.
    await openManageAccessKeys(page, 'e2e-ui-tool');
    const row = await quickPickRow(page, 'e2e-ui-tool').first().innerText();
    assert.match(row, /openai\/\*/);
    assert.match(row, /\$2\/day/);
    await screenshot(page, 'e2e-dark-manage-access-keys');
    await pickRow(page, 'e2e-ui-tool', 'e2e-ui-tool');
    await pickRow(page, 'Change', 'Change models, budget, rate limits and redaction');
    // Prefilled with the key's current values.
    assert.equal(await answerTitled(page, "'e2e-ui-tool': models", 'openai/gpt-4o*, anthropic/*'), 'openai/*');
    assert.equal(await answerTitled(page, "'e2e-ui-tool': budget", '3/week'), '2/day');
    assert.equal(await answerTitled(page, "'e2e-ui-tool': rate limits", '20 rpm'), '');
    await followConfigRedaction(page, "'e2e-ui-tool': redaction");
    const changed = await poll(
      'the key changed',
      async () => (await listedKeys()).find((entry) => entry.name === 'e2e-ui-tool' && entry.rpm === 20),
      timeouts.action,
    );
    assert.deepEqual([changed.models, changed.budget], [['openai/gpt-4o*', 'anthropic/*'], { limitUsd: 3, period: 'week' }]);
    // The notification follows the change the proxy already answers with: wait for it too.
    await findNotification(page, /Access key 'e2e-ui-tool'.*20 rpm/s);
    await closeNotificationCenter(page);

    await openManageAccessKeys(page, 'e2e-ui-tool');
    await pickRow(page, 'e2e-ui-tool', 'e2e-ui-tool');
    await pickRow(page, 'Revoke', 'Revoke');
    const confirm = dialog(page);
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /Revoke the access key 'e2e-ui-tool'\?/);
    await confirm.locator('.monaco-button', { hasText: /^Revoke$/ }).click();
    await poll('the key revoked', async () => (await listedKeys()).find((entry) => entry.name === 'e2e-ui-tool' && entry.revoked !== undefined), timeouts.action);
    const refused = await poll('the revoked key refused', async () => {
      const response = await call(created);
      return response.status === 401 ? response : undefined;
    }, timeouts.action);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /'e2e-ui-tool' was revoked/);
    await closeQuickInput(page);
  });

  it('tells the user once when a budget blocks a call', async () => {
    const context = uiContext();
    const { page } = context;
    await clearNotifications(page);
    const current = (await controlRequest(context, 'GET', '/config')) as { config: Record<string, unknown> };
    const before = current.config.budgets;
    await controlRequest(context, 'PUT', '/config', { config: { ...current.config, budgets: [{ name: 'e2e-blocking', match: {}, limitUsd: 0.000001, period: 'day' }] } });
    try {
      const key = await clientKey(context);
      const first = await call(key);
      assert.equal(first.status, 402);
      assert.match(((await first.json()) as { error: { message: string } }).error.message, /budget 'e2e-blocking'/);
      // Read from the notification center: the revoke test just before fills VS Code's toast
      // quota (three in 800 ms), and a notification past it is filed there without a toast.
      const center = await openNotificationCenter(page);
      const text = await poll(
        'the budget notification',
        async () => (await notificationCenterTexts(page)).find((shown) => shown.includes("Budget 'e2e-blocking' blocked a call")),
        timeouts.action,
      );
      assert.match(text, /per day\. It resets/);
      await center.locator('.notification-list-item').filter({ hasText: 'e2e-blocking' }).locator('.monaco-button', { hasText: 'Open Panel' }).waitFor();
      await screenshot(page, 'e2e-dark-budget-blocked');
      // Once per budget and period: a second refusal shows nothing new.
      await clearNotifications(page);
      assert.equal((await call(key)).status, 402);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await openNotificationCenter(page);
      assert.ok(!(await notificationCenterTexts(page)).some((shown) => shown.includes('e2e-blocking')), 'told once');
      await closeNotificationCenter(page);
    } finally {
      const latest = (await controlRequest(context, 'GET', '/config')) as { config: Record<string, unknown> };
      await controlRequest(context, 'PUT', '/config', { config: { ...latest.config, budgets: before ?? [] } });
    }
  });

  // The workspace's terminal key is tested in the extension-host suite (terminal-key.test.ts):
  // code-server does not act on a settings.json written from outside.
});
