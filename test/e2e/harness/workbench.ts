/**
 * Driving the VS Code workbench in Chromium: launching the browser, opening the workbench,
 * running palette commands, answering quick picks and inputs, reaching into webviews, and
 * screenshots.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { format } from 'node:util';
import { chromium, type Browser, type ConsoleMessage, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { chromiumPath } from '../install';
import { poll } from './processes';

/**
 * Where screenshots go, failures included: `SWITCHYARD_SHOTS` (as for the preview script), else
 * /tmp/switchyard-shots. Each run empties it first, so runs side by side need their own.
 */
export const screenshotFolder = process.env.SWITCHYARD_SHOTS ?? '/tmp/switchyard-shots';

/** Generous but bounded: the machine is shared and code-server's first load compiles a lot. */
export const timeouts = { workbench: 90_000, action: 20_000 };

/** Launches Debian's Chromium headless with the flags that work in a container. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Opens a page at `url` in a new browser context (clipboard allowed, for "Copy Connection
 * Settings") and waits until the workbench has rendered its status bar. `beforeNavigate` can
 * expose functions to the page.
 */
export async function openWorkbench(
  browser: Browser,
  url: string,
  onConsole?: (line: string) => void,
  beforeNavigate?: (page: Page) => Promise<void>,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  if (onConsole) {
    // Formatting needs the arguments' values, which arrive asynchronously: keep the lines in order.
    let queue = Promise.resolve();
    page.on('console', (message) => {
      queue = queue.then(async () => onConsole(`[${message.type()}] ${await formatConsoleMessage(message)}`));
    });
  }
  page.setDefaultTimeout(timeouts.action);
  await beforeNavigate?.(page);
  await page.goto(url, { timeout: timeouts.workbench });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: timeouts.workbench });
  return page;
}

/** The palette's input box. */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget input.input');
}

/** A row of the open quick pick whose label contains `text`. */
export function quickPickRow(page: Page, text: string): Locator {
  return page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: text });
}

/** Runs a command by its palette title, e.g. "Switchyard: Open Panel". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await closeQuickInput(page);
  const input = quickInput(page);
  // The palette also lists fuzzy matches and recently used commands: pick the row titled exactly so.
  const exactTitle = page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) });
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: exactTitle }).first();
  // A quick input that is still fading out after the previous command looks open for a moment
  // and then hides under our typing, even after it listed the command: open the palette again
  // until the command is listed and the click on it lands (a click outside the poll waited 20 s
  // for a row the hidden palette would never show again).
  await poll(
    `the palette to run "${title}"`,
    async () => {
      if (!(await input.isVisible())) await page.keyboard.press('F1');
      await input.fill(`>${title}`, { timeout: 2000 });
      await row.click({ timeout: 2000 });
      return true;
    },
    timeouts.action,
    100,
  );
}

/** Picks the quick pick row whose label is exactly `label`, typing it first to filter long lists. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  const input = quickInput(page);
  await input.waitFor({ state: 'visible' });
  await input.fill(label);
  const exactLabel = page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) });
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: exactLabel }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/** Types into the open input box (masked or not) and submits it with Enter. */
export async function answerInput(page: Page, text: string): Promise<void> {
  const input = quickInput(page);
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  await input.press('Enter');
}

/** Closes the palette if it is open, so the next command starts from a clean state. */
export async function closeQuickInput(page: Page): Promise<void> {
  if (await page.locator('.quick-input-widget').isVisible()) {
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }
}

/**
 * Switches the colour theme the way a user does ("Preferences: Color Theme") and waits until the
 * workbench repainted: it marks light themes with the class `vs`, dark ones with `vs-dark`.
 */
export async function setColorTheme(page: Page, label: string, kind: 'light' | 'dark'): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = quickInput(page);
  await input.fill(label);
  // The picker previews the focused theme; only Enter on it makes the choice stick.
  const exactLabel = page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) });
  await page.locator('.quick-input-widget .monaco-list-row.focused').filter({ has: exactLabel }).waitFor();
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.locator(kind === 'light' ? '.monaco-workbench.vs' : '.monaco-workbench.vs-dark').waitFor();
}

/** Dismisses every notification toast, so screenshots show what is under them. */
export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached' });
}

/**
 * Opens the notification center, which lists every notification of the window. A toast is not a
 * reliable witness: VS Code shows at most three new toasts in 800 ms and files the rest in the
 * center unseen (its spam protection), and hides a toast after 15-20 s.
 */
export async function openNotificationCenter(page: Page): Promise<Locator> {
  const center = page.locator('.notifications-center');
  if (!(await center.isVisible())) await runCommand(page, 'Notifications: Show Notifications');
  await center.waitFor();
  return center;
}

/** Closes the notification center if it is open. */
export async function closeNotificationCenter(page: Page): Promise<void> {
  if (await page.locator('.notifications-center').isVisible()) await runCommand(page, 'Notifications: Hide Notifications');
  await page.locator('.notifications-center').waitFor({ state: 'hidden' });
}

/** Every notification in the (open) notification center, as text. */
export async function notificationCenterTexts(page: Page): Promise<string[]> {
  return page.locator('.notifications-center .notification-list-item-message').allInnerTexts();
}

/**
 * The notification whose text includes `text` (its message, and the item to find its buttons in):
 * its toast, or, when no toast came within a few seconds, its entry in the notification center,
 * opened for it as a user who saw the bell would. A toast alone is not a reliable witness: VS Code
 * files a notification in the center without a toast when three came in the last 800 ms (its spam
 * protection), and once on CI an error with actions came without one.
 */
export async function findNotification(page: Page, text: string | RegExp): Promise<{ text: string; item: Locator }> {
  const started = Date.now();
  return poll(
    `the notification saying “${String(text)}”`,
    async () => {
      const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
      if (await toast.isVisible()) return { text: await toast.locator('.notification-list-item-message').innerText(), item: toast };
      const center = page.locator('.notifications-center');
      const entry = center.locator('.notification-list-item').filter({ hasText: text }).first();
      if (await entry.isVisible()) return { text: await entry.locator('.notification-list-item-message').innerText(), item: entry };
      if (Date.now() - started > 5_000 && !(await center.isVisible())) await runCommand(page, 'Notifications: Show Notifications');
      return undefined;
    },
    timeouts.action,
  );
}

/**
 * The content frame of the visible webview whose title is `title` (VS Code nests the
 * extension's document in `#active-frame` inside its own `iframe.webview`).
 */
export function webviewContent(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Saves a screenshot of the page to the screenshot folder and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotFolder, { recursive: true });
  const file = path.join(screenshotFolder, `${name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}.png`);
  await page.screenshot({ path: file });
  return file;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A console message as text with its `%s`/`%d` directives filled in. The workbench prefixes what
 * the extension host logs with its own `%c` styled level (`%c INFO`, `color: #33f`), and mocha's
 * reporter logs with format strings, so both are applied here; styles are dropped.
 */
async function formatConsoleMessage(message: ConsoleMessage): Promise<string> {
  const values = await Promise.all(message.args().map((handle) => handle.jsonValue().catch(() => '[unserialisable]')));
  if (values.length === 0) return message.text();
  let prefix = '';
  let rest: unknown[] = values;
  const first = rest[0];
  if (typeof first === 'string' && first.includes('%c')) {
    const styles = first.split('%c').length - 1;
    prefix = first.replace(/%c/g, '').trim();
    rest = rest.slice(1 + styles);
  }
  const body = rest.length > 0 ? format(...rest) : '';
  return [prefix, body].filter((part) => part !== '').join(' ');
}
