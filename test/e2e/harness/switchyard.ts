/**
 * Switchyard in the workbench, as a user reaches it: the status bar item, the palette commands,
 * the panel webview and the sidebar view.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { ProviderInfo, ProvidersResponse } from '../../../proxy/control/protocol';
import { poll } from './processes';
import { controlRequest, type UiContext } from './ui-context';
import { answerInput, pickQuickItem, quickInput, runCommand, timeouts, webviewContent } from './workbench';

/** The status bar item (`createStatusBarItem('switchyard.status')` of extension `switchyard.switchyard`). */
export function statusBarItem(page: Page): Locator {
  return page.locator('.statusbar-item[id="switchyard.switchyard.switchyard.status"]');
}

/**
 * Waits until the proxy answers its health route on `port` and the status bar item shows that
 * port without the "starting" spinner; returns the item's text.
 */
export async function waitForProxyRunning(page: Page, port: number): Promise<string> {
  await poll(
    `the proxy to answer on ${port}`,
    async () => ((await fetch(`http://127.0.0.1:${port}/_switchyard/health`)).ok ? true : undefined),
    timeouts.workbench,
    250,
  );
  const item = statusBarItem(page);
  return poll(
    `the status bar to show the proxy running on ${port}`,
    async () => {
      const text = await item.innerText({ timeout: 1000 });
      const starting = (await item.locator('.codicon-loading, .codicon-modifier-spin').count()) > 0;
      return text.includes(String(port)) && !starting ? text : undefined;
    },
    timeouts.action,
    250,
  );
}

/**
 * "Switchyard: Set Provider Key" through the palette: pick the provider, type the key into the
 * masked input, Enter. Returns whether the input box was masked when the key was typed.
 */
export async function setProviderKeyThroughPalette(page: Page, provider: string, key: string): Promise<{ masked: boolean }> {
  await runCommand(page, 'Switchyard: Set Provider Key');
  await pickQuickItem(page, provider);
  const input = quickInput(page);
  // The same widget first showed the provider list: wait until it turned into the password box.
  await page.locator('.quick-input-widget input.input[type="password"]').waitFor({ state: 'visible' });
  const masked = (await input.getAttribute('type')) === 'password';
  await answerInput(page, key);
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  return { masked };
}

/** Polls the proxy's provider list until `provider` has a key ending in `lastFour`. */
export async function waitForProviderKey(context: UiContext, provider: string, lastFour: string): Promise<ProviderInfo> {
  return poll(
    `the proxy to hold a ${provider} key ending in ${lastFour}`,
    async () => {
      const answer = (await controlRequest(context, 'GET', '/providers')) as ProvidersResponse;
      const info = answer.providers.find((candidate) => candidate.id === provider);
      return info?.keyHint?.endsWith(lastFour) ? info : undefined;
    },
    timeouts.action,
  );
}

/**
 * The local key clients must send, read the way a user gets it: "Switchyard: Copy Connection
 * Settings" and the clipboard. Undefined when the proxy requires none.
 */
export async function clientKeyFromClipboard(page: Page): Promise<{ key: string | undefined; text: string }> {
  // Strings, not functions: the page's DOM types are not part of this (Node) program.
  await page.evaluate("navigator.clipboard.writeText('')");
  await runCommand(page, 'Switchyard: Copy Connection Settings');
  const text = await poll(
    'the connection settings on the clipboard',
    async () => {
      const clipboard = await page.evaluate('navigator.clipboard.readText()');
      return typeof clipboard === 'string' && clipboard.includes('Switchyard connection settings') ? clipboard : undefined;
    },
    timeouts.action,
  );
  const match = /^API key:\s+(\S+)\s*$/m.exec(text);
  return { key: match?.[1], text };
}

/** Opens the panel with "Switchyard: Open Panel" and returns its content once the tabs are there. */
export async function openPanel(page: Page): Promise<FrameLocator> {
  await runCommand(page, 'Switchyard: Open Panel');
  // The palette fades out over the editor; a click into the panel before it is gone can be lost.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  const panel = webviewContent(page);
  await panel.locator('#tab-requests').waitFor({ timeout: timeouts.workbench });
  return panel;
}

/** The panel's row for a request, by the id the proxy gave it. */
export function requestRow(panel: FrameLocator, id: string): Locator {
  return panel.locator(`tr[data-request-id="${id}"]`);
}

/** Clicks a request's row and waits until the panel shows it selected. */
export async function selectRequest(panel: FrameLocator, id: string): Promise<void> {
  const row = requestRow(panel, id);
  await row.click();
  await panel.locator(`tr[data-request-id="${id}"][aria-selected="true"]`).waitFor();
  await panel.locator('#request-detail').waitFor();
}

/**
 * The text of every cell of a row, by column — also of columns the table hides at the panel's
 * width (their text is there, only not shown).
 */
export async function rowCells(row: Locator): Promise<Record<string, string>> {
  const cells = row.locator('td[data-column]');
  const entries: Array<[string, string]> = [];
  for (const cell of await cells.all()) entries.push([(await cell.getAttribute('data-column')) ?? '', ((await cell.textContent()) ?? '').trim()]);
  return Object.fromEntries(entries);
}

/** Shows the Switchyard view container in the side bar (its activity bar entry). */
export async function openSidebar(page: Page): Promise<void> {
  const entry = page.locator('.part.activitybar .action-item .action-label[aria-label^="Switchyard"]').first();
  await entry.waitFor();
  if ((await page.locator('.part.sidebar .composite.title', { hasText: /Switchyard/i }).count()) === 0) await entry.click();
  await page.locator('.part.sidebar .monaco-list-row').first().waitFor();
}

/** The text of every visible row of the side bar's trees. */
export async function sidebarRows(page: Page): Promise<string[]> {
  return page.locator('.part.sidebar .monaco-list-row').allInnerTexts();
}

/**
 * The activation time VS Code reports for Switchyard in "Developer: Show Running Extensions",
 * e.g. "Activation: 31ms" (its hover splits it into loading the code and calling activate).
 */
export async function activationTime(page: Page): Promise<{ text: string; hover: string | null }> {
  await runCommand(page, 'Developer: Show Running Extensions');
  const row = page.locator('.runtime-extensions-editor .monaco-list-row').filter({ has: page.locator('.name', { hasText: /^Switchyard$/ }) });
  const time = row.locator('.activation-time');
  await time.waitFor();
  const text = (await time.innerText()).trim();
  await time.hover();
  const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: /activat/i }).first();
  const hoverText = await hover.innerText({ timeout: 3000 }).catch(() => null);
  return { text, hover: hoverText?.replace(/\s+/g, ' ').trim() ?? null };
}

/**
 * A step of the "Get started with Switchyard" walkthrough on VS Code's Welcome page, by its id in
 * package.json; `aria-checked` says whether it is done.
 */
export function walkthroughStep(page: Page, step: string): Locator {
  return page.locator(`button.getting-started-step[data-step-id$="#${step}"]`);
}

/** Opens the walkthrough the way a user finds it again: "Welcome: Open Walkthrough…". */
export async function openWalkthrough(page: Page): Promise<void> {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await pickQuickItem(page, 'Get started with Switchyard');
  await walkthroughStep(page, 'setKey').waitFor({ timeout: timeouts.workbench });
}
