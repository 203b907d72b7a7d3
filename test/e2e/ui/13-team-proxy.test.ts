import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { testKeys } from '../harness/fake-providers';
import { freePort, poll } from '../harness/processes';
import { openPanel, openSidebar, requestRow, selectRequest, sidebarRows, statusBarItem, waitForProxyRunning } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { answerInput, clearNotifications, closeNotificationCenter, closeQuickInput, findNotification, pickQuickItem, quickInput, quickPickRow, runCommand, screenshot, setColorTheme, timeouts } from '../harness/workbench';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
const proxyScript = path.join(repositoryRoot, 'dist', 'proxy.js');

/**
 * Issue 12, item 6: a second `switchyard serve`, started here, stands for the team's proxy (it
 * requires keys; its admin holds the control token). The window connects to it through the
 * palette with a member's access key and shows that key's requests, spend and budgets only.
 */

/** The button `label` of the notification that says `text`, and its message. */
async function noticeButton(page: Page, text: string, label: string): Promise<{ text: string; button: Locator }> {
  const notice = await findNotification(page, text);
  return { text: notice.text, button: notice.item.locator('.monaco-button', { hasText: label }) };
}

describe('VS Code against a team proxy', function () {
  this.timeout(120_000);
  let team: ChildProcess | undefined;
  let folder: string;
  let teamUrl: string;
  const controlToken = `team-admin-${randomBytes(12).toString('hex')}`;
  const keys: Record<string, string> = {};
  const calls: Record<string, string[]> = { alice: [], bob: [] };

  async function admin(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${teamUrl}/_switchyard${route}`, {
      method,
      headers: { authorization: `Bearer ${controlToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${route}: ${response.status} ${await response.clone().text()}`);
    return response.json();
  }

  async function ask(member: 'alice' | 'bob'): Promise<string> {
    const response = await fetch(`${teamUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys[member]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: `Hello from ${member}.` }] }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const id = response.headers.get('x-switchyard-request-id')!;
    calls[member]!.push(id);
    return id;
  }

  /** Answers the input box titled `title`; returns whether it masked what was typed. */
  async function answerTitled(page: Page, title: string, value: string): Promise<boolean> {
    await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
    const masked = (await quickInput(page).getAttribute('type')) === 'password';
    await answerInput(page, value);
    return masked;
  }

  async function waitForTeamStatus(page: Page): Promise<string> {
    const host = new URL(teamUrl).host;
    return poll(
      'the status bar to show the team proxy',
      async () => {
        const item = statusBarItem(page);
        const text = await item.innerText({ timeout: 1000 });
        return text.includes(`team ${host}`) && (await item.locator('.codicon-organization').count()) > 0 ? text : undefined;
      },
      timeouts.action,
      250,
    );
  }

  before(async () => {
    const context = uiContext();
    folder = await mkdtemp(path.join(tmpdir(), 'switchyard-e2e-team-'));
    const configFile = path.join(folder, 'team.json');
    // Content kept, so a member can read back and replay their own calls.
    await writeFile(configFile, JSON.stringify({ providers: context.fakes.providersConfig(), audit: { enabled: true } }, null, 2));
    const port = await freePort();
    teamUrl = `http://127.0.0.1:${port}`;
    team = spawn(process.execPath, [proxyScript, 'serve', '--port', String(port), '--config', configFile, '--data-dir', path.join(folder, 'data'), '--require-key', '--quiet'], {
      env: { ...process.env, OPENAI_API_KEY: testKeys.openai, ANTHROPIC_API_KEY: testKeys.anthropic, SWITCHYARD_CONTROL_TOKEN: controlToken },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    team.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await poll('the team proxy to answer', async () => ((await fetch(`${teamUrl}/_switchyard/health`).catch(() => undefined))?.ok ? true : undefined), timeouts.action, 200).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; its output: ${stderr}`);
    });
    for (const member of ['alice', 'bob'] as const) {
      // Alice may call OpenAI's models only: her Replay offers no other provider's.
      keys[member] = ((await admin('POST', '/keys', { name: member, budget: { limitUsd: 5, period: 'day' }, ...(member === 'alice' ? { models: ['openai/*'] } : {}) })) as { key: string }).key;
    }
    await ask('alice');
    await ask('bob');
    await ask('alice');
  });

  after(async () => {
    const { page, proxyPort } = uiContext();
    await closeQuickInput(page).catch(() => undefined);
    // Back to the local proxy for whatever runs next.
    await runCommand(page, 'Switchyard: Disconnect from Team Proxy');
    await waitForProxyRunning(page, proxyPort);
    await setColorTheme(page, 'Dark Modern', 'dark');
    if (team !== undefined && team.exitCode === null) {
      const exited = new Promise((resolve) => team!.once('exit', resolve));
      team.kill('SIGTERM');
      await exited;
    }
    await rm(folder, { recursive: true, force: true });
  });

  it('Connect to Team Proxy checks the address, takes the key masked into the keychain, and the panel lists that key’s requests only', async () => {
    const context = uiContext();
    const { page, profile } = context;
    await clearNotifications(page);
    // A request open on the local proxy: its id means nothing in the team's log.
    const local = await openPanel(page);
    await local.locator('#tab-requests').click();
    const localRow = local.locator('tr[data-request-id]').first();
    await localRow.waitFor({ timeout: timeouts.action });
    await selectRequest(local, (await localRow.getAttribute('data-request-id'))!);
    await runCommand(page, 'Switchyard: Connect to Team Proxy');
    // A wrong address is said at once, with a way back to the box.
    await answerTitled(page, 'Connect to Team Proxy (1/2)', `http://127.0.0.1:${await freePort()}`);
    const wrong = await noticeButton(page, 'answers like a Switchyard proxy', 'Edit Address');
    assert.match(wrong.text, /check the address/);
    await wrong.button.click();
    await answerTitled(page, 'Connect to Team Proxy (1/2)', `${teamUrl}/v1`);
    // A key the team proxy does not accept is asked for again.
    assert.equal(await answerTitled(page, 'Connect to Team Proxy (2/2)', 'sy-not-a-team-key'), true, 'the key box is masked');
    await (await noticeButton(page, 'did not accept this key', 'Enter Again')).button.click();
    assert.equal(await answerTitled(page, 'Connect to Team Proxy (2/2)', keys.alice!), true);
    const status = await waitForTeamStatus(page);
    assert.doesNotMatch(status, new RegExp(`:${context.proxyPort}`));

    // The address is a user setting (without the /v1 typed); the key is nowhere in settings.
    const settings = await readFile(profile.settingsFile, 'utf8');
    assert.equal((JSON.parse(settings) as Record<string, unknown>)['switchyard.teamProxyUrl'], teamUrl);
    assert.ok(!settings.includes(keys.alice!), 'the access key is not in settings.json');

    const panel = await openPanel(page);
    await panel.locator('.proxy-status.state-running', { hasText: `team proxy ${teamUrl}` }).waitFor({ timeout: timeouts.action });
    for (const id of calls.alice!) await requestRow(panel, id).waitFor({ timeout: timeouts.action });
    assert.equal(await requestRow(panel, calls.bob![0]!).count(), 0, 'bob’s call is not listed');
    // The local request's detail closed with the switch: nothing claims it is past retention.
    await panel.locator('#request-detail').waitFor({ state: 'hidden', timeout: timeouts.action });
    assert.equal(await panel.locator('tr[data-request-id][aria-selected="true"]').count(), 0);
    assert.equal(await panel.getByText('retention period').count(), 0);
    // Live: alice's next call appears, bob's does not.
    await ask('bob');
    const live = await ask('alice');
    await requestRow(panel, live).waitFor({ timeout: timeouts.action });
    assert.equal(await panel.locator('tr[data-request-id]').count(), calls.alice!.length);

    for (const theme of [
      { name: 'dark', label: 'Dark Modern', kind: 'dark' as const },
      { name: 'light', label: 'Light Modern', kind: 'light' as const },
    ]) {
      await setColorTheme(page, theme.label, theme.kind);
      await clearNotifications(page);
      await panel.locator('#tab-requests').click();
      await requestRow(panel, live).waitFor();
      await screenshot(page, `e2e-${theme.name}-team-requests`);
      await panel.locator('#tab-governance').click();
      await panel.locator('.team-note').waitFor();
      await panel.locator('[data-budget="key:alice"]').waitFor({ timeout: timeouts.action });
      await screenshot(page, `e2e-${theme.name}-team-budgets`);
      await panel.locator('#tab-rules').click();
      await panel.locator('.banner', { hasText: 'switchyard config push' }).first().waitFor();
      assert.equal(await panel.locator('#rules-mode').isVisible(), false, 'no Form/JSON toggle over nothing');
      await screenshot(page, `e2e-${theme.name}-team-rules`);
    }
    await setColorTheme(page, 'Dark Modern', 'dark');
    // Alice's own kept call, replayed through the team proxy with her key, offering only what she may call.
    await panel.locator('#tab-requests').click();
    await selectRequest(panel, live);
    await panel.locator('#request-detail .content-messages').waitFor({ timeout: timeouts.action });
    await panel.locator('#request-detail [data-action="replay"]').click();
    await quickInput(page).waitFor({ state: 'visible' });
    await quickInput(page).fill('other/fake');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await quickPickRow(page, 'other/fake').count(), 0, 'a model her key may not call is not offered');
    await pickQuickItem(page, 'openai/gpt-4o');
    const compare = panel.locator('#request-detail .replay-compare');
    await compare.waitFor({ timeout: timeouts.action });
    const replayId = await compare.getAttribute('data-replay');
    assert.ok(replayId, 'the replay was answered');
    await requestRow(panel, replayId).waitFor({ timeout: timeouts.action });
    calls.alice!.push(replayId);
    await screenshot(page, 'e2e-dark-team-replay');
    await panel.locator('#tab-governance').click();
    // The tab is refreshed a few seconds after a request: wait for alice's last call to count.
    const governance = await poll('the key’s own spend this month', async () => {
      const text = await panel.locator('.governance-view').innerText();
      return text.includes(`spent this month (${calls.alice!.length} requests)`) ? text : undefined;
    }, timeouts.action);
    assert.match(governance, /Your budgets/);
    assert.doesNotMatch(governance, /key bob/);
    await panel.locator('#tab-requests').click();

    // The sidebar's spend and recent requests are the key's own.
    await openSidebar(page);
    const today = await poll(
      'a "Today" row counting the key’s own calls',
      async () => (await sidebarRows(page)).find((row) => /Today/.test(row) && /\$\d/.test(row) && row.includes(`${calls.alice!.length} requests`)),
      timeouts.action,
    );
    assert.ok(today !== undefined);
    assert.ok(!(await sidebarRows(page)).some((row) => row.includes('Could not read')));
    await screenshot(page, 'e2e-dark-team-sidebar');

    // Tools get the team URL and the member's key.
    await page.evaluate("navigator.clipboard.writeText('')");
    await runCommand(page, 'Switchyard: Copy Connection Settings');
    const copied = await poll('the connection settings on the clipboard', async () => {
      const text = (await page.evaluate('navigator.clipboard.readText()')) as string;
      return text.includes('OPENAI_BASE_URL') ? text : undefined;
    }, timeouts.action);
    assert.match(copied, new RegExp(`OPENAI_BASE_URL=${teamUrl.replace(/[.]/g, '\\.')}/v1 OPENAI_API_KEY=${keys.alice}`));

    // What needs the team's control token is not offered, and says why.
    await clearNotifications(page);
    await runCommand(page, 'Switchyard: Set Provider Key');
    await findNotification(page, "its admin's to change");
    await closeNotificationCenter(page);
  });

  it('a key revoked meanwhile: the window says so and takes another key', async () => {
    const { page } = uiContext();
    await clearNotifications(page);
    await admin('DELETE', '/keys/alice');
    // The team proxy ends the revoked key's event stream at once: said within seconds, not at the 30 s check.
    const notice = await findNotification(page, 'refused your access key');
    await poll('the status bar to show the refusal', async () => ((await statusBarItem(page).locator('.codicon-warning').count()) > 0 ? true : undefined), timeouts.action);
    await screenshot(page, 'e2e-dark-team-key-refused');
    await notice.item.locator('.monaco-button', { hasText: 'Enter Access Key' }).click();
    assert.equal(await answerTitled(page, 'Connect to Team Proxy (2/2)', keys.bob!), true);
    await waitForTeamStatus(page);
    const panel = await openPanel(page);
    for (const id of calls.bob!) await requestRow(panel, id).waitFor({ timeout: timeouts.action });
    assert.equal(await requestRow(panel, calls.alice![0]!).count(), 0, 'alice’s calls are gone with her key');
  });
});
