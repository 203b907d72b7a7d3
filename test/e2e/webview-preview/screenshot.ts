/**
 * Previews the panel outside VS Code and takes screenshots of it in Dark Modern and Light
 * Modern: builds dist/webview.js the way esbuild.mjs does (plus the fake host), serves them
 * with index.html under the panel's CSP, drives headless Chromium and saves
 * /tmp/switchyard-shots/preview-<theme>-<view>.png. Console errors, page errors and CSP
 * violations fail the run, as do the few behaviour checks on the way (among them: tiny daily
 * spends, `spend=tiny`, give distinct axis labels; the table fits 1100–1920 px without overflow).
 *
 *   node --import tsx test/e2e/webview-preview/screenshot.ts
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../harness/workbench';

const root = resolve(__dirname, '../../..');
const previewDirectory = __dirname;
const shots = process.env.SWITCHYARD_SHOTS ?? '/tmp/switchyard-shots';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

async function buildPreview(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'switchyard-preview-'));
  mkdirSync(join(out, 'dist', 'codicons'), { recursive: true });
  await build({
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(out, 'dist/webview.js'),
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: true,
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(previewDirectory, 'fake-host.ts')],
    outfile: join(out, 'fake-host.js'),
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    logLevel: 'warning',
  });
  for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(join(root, 'node_modules/@vscode/codicons/dist', file), join(out, 'dist/codicons', file));
  copyFileSync(join(previewDirectory, 'themes.css'), join(out, 'themes.css'));
  return out;
}

function serve(directory: string): Promise<{ server: Server; origin: string }> {
  const nonce = randomBytes(16).toString('base64url');
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      if (path === '/favicon.ico') {
        response.writeHead(204).end();
        return;
      }
      if (path === '/' || path === '/index.html') {
        const origin = `http://${request.headers.host}`;
        const html = readFileSync(join(previewDirectory, 'index.html'), 'utf8').replaceAll('{{ORIGIN}}', origin).replaceAll('{{NONCE}}', nonce);
        response.writeHead(200, { 'content-type': contentTypes['.html'] }).end(html);
        return;
      }
      const file = normalize(join(directory, path));
      if (!file.startsWith(directory)) throw new Error('outside the preview');
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolveServer) => {
    server.listen(0, '127.0.0.1', () => resolveServer({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

const problems: string[] = [];

function watch(page: Page, label: string): void {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${label}: console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${label}: page error: ${error.message}`));
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let custom elements render and the arrival highlight fade.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(shots, `preview-${name}.png`) });
  console.log(`saved ${join(shots, `preview-${name}.png`)}`);
}

async function main(): Promise<void> {
  mkdirSync(shots, { recursive: true });
  const directory = await buildPreview();
  const { server, origin } = await serve(directory);
  const browser = await launchBrowser();
  try {
    for (const theme of ['dark', 'light']) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      watch(page, theme);
      await page.goto(`${origin}/?theme=${theme}&live=0`);
      await page.waitForSelector('tr[data-request-id]');
      assert.equal(await page.locator('tr[data-request-id]').count(), 25);
      await shoot(page, `${theme}-requests`);
      if (theme === 'dark') {
        await page.click('.table-footer vscode-button');
        await page.locator('tr[data-request-id]').nth(29).waitFor();
        assert.equal(await page.isVisible('.table-footer vscode-button'), false);
      }

      // The host can ask for a request's detail (from the sidebar): the tab and row follow.
      const wantedId = (await page.locator('tr[data-request-id]').nth(6).getAttribute('data-request-id')) ?? '';
      await page.click('#tab-charts');
      await page.evaluate(`switchyardPreview.send({ type: 'show-request', id: ${JSON.stringify(wantedId)} })`);
      await page.waitForSelector(`tr.selected[data-request-id="${wantedId}"]`);
      await page.waitForSelector('#request-detail .error-box');
      assert.equal(await page.getAttribute('#tab-requests', 'active'), '');

      // The fallback after two overloaded attempts: three attempts in the detail.
      await page.locator('tr[data-request-id]').nth(2).click();
      await page.waitForSelector('#request-detail [data-attempt="2"]');
      assert.equal(await page.locator('#request-detail [data-attempt]').count(), 3);
      await shoot(page, `${theme}-detail`);

      await page.locator('tr[data-request-id]').nth(1).click();
      await page.waitForSelector('#request-detail [data-outcome="cancelled"]');
      await shoot(page, `${theme}-detail-race`);

      // Issue 11: the kept content with placeholders marked, then a replay side by side.
      await page.locator('tr[data-request-id]').nth(0).click();
      await page.waitForSelector('#request-detail .content-messages mark.placeholder');
      assert.equal(await page.locator('tr[data-request-id]').nth(0).locator('td.redacted').count(), 1);
      await page.click('#request-detail [data-action="replay"]');
      await page.waitForSelector('#request-detail .replay-compare');
      assert.equal(await page.locator('#request-detail .replay-column').count(), 2);
      await page.locator('#request-detail .replay-compare').scrollIntoViewIfNeeded();
      await shoot(page, `${theme}-detail-content-replay`);

      await page.fill('.filter >> input', 'error');
      await page.waitForTimeout(100);
      const failedRows = await page.locator('tr[data-request-id]').count();
      assert.ok(failedRows >= 3 && failedRows < 25, `filter "error" left ${failedRows} rows`);
      await shoot(page, `${theme}-requests-filtered`);
      // Export… hands the host the range and the filter box; the host's answer is shown.
      await page.click('#export-requests');
      const exported = await page.evaluate<{ filter: string; range: { since?: number } }>("switchyardPreview.sent.filter((message) => message.type === 'export').at(-1)");
      assert.equal(exported.filter, 'error');
      assert.ok(typeof exported.range.since === 'number');
      await page.waitForSelector('.export-status:text-matches("Exported [0-9]+ requests")');
      await page.fill('.filter >> input', '');

      await page.click('#tab-charts');
      // A day without spend draws a bar of height 0, which is never "visible": wait for one with height.
      await page.waitForSelector('svg.chart rect.bar:not([height="0"])');
      // Issue 14: spend stacked by provider, the chart as wide as the panel.
      const spend = page.locator('[data-chart="spend"]');
      assert.ok((await spend.locator('rect.segment.series-1').count()) > 0, 'no second provider in the stacked spend chart');
      const chartWidth = await spend.locator('svg.chart').evaluate((chart) => (chart as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width);
      assert.ok(chartWidth > 1280 - 60, `the spend chart is ${chartWidth} px wide in a 1280 px panel`);
      assert.match((await spend.locator('.legend').textContent()) ?? '', /anthropic \$[\d.]+.*openai/);
      await shoot(page, `${theme}-charts`);
      await spend.locator('[data-spend-by="model"]').click();
      await spend.locator('rect.segment.series-other').first().waitFor();
      assert.match((await spend.locator('.legend').textContent()) ?? '', /claude-sonnet-4-6.*Other \(3 models\)/);
      await shoot(page, `${theme}-charts-by-model`);
      if (theme === 'dark') {
        // The range: 7 days asks the host for a week from local midnight, and both tabs follow.
        await page.locator('.charts-view [data-range="7d"]').click();
        const asked = await page.evaluate<{ since?: number }>("switchyardPreview.sent.filter((message) => message.type === 'set-range').at(-1).range");
        const weekStart = new Date();
        weekStart.setHours(0, 0, 0, 0);
        weekStart.setDate(weekStart.getDate() - 6);
        assert.equal(asked.since, weekStart.getTime());
        // Seven days, seven stacks (the page's CSP allows no waitForFunction: poll).
        for (let tries = 0; (await page.locator('[data-chart=spend] .stack').count()) !== 7; tries++) {
          assert.ok(tries < 50, `the spend chart shows ${await page.locator('[data-chart=spend] .stack').count()} days, not 7`);
          await page.waitForTimeout(100);
        }
        assert.equal(await page.getAttribute('.requests-view [data-range="7d"]', 'aria-pressed'), 'true');
        await shoot(page, `${theme}-charts-7-days`);
        await page.locator('.charts-view [data-range="custom"]').click();
        await page.locator('.charts-view [data-range-field="from"]').waitFor();
        await shoot(page, `${theme}-charts-custom-range`);
        await page.locator('.charts-view [data-range="30d"]').click();
        await spend.locator('[data-spend-by="provider"]').click();
      }

      await page.click('#tab-rules');
      await page.waitForSelector('[data-rule-index="0"]');
      await shoot(page, `${theme}-rules-form`);
      if (theme === 'dark') {
        // Add a rule, move it to the top, and delete it again: the JSON follows each step.
        await page.click('#rules-add');
        await page.locator('[data-rule-index="4"]').waitFor();
        // A new rule is not greeted with an error before the user typed in it.
        await page.waitForTimeout(500);
        assert.equal(await page.locator('[data-rule-index="4"] [data-problem-path]').count(), 0);
        await page.locator('[data-rule-index="4"] vscode-toolbar-button[icon="arrow-up"]').click();
        assert.equal(await page.inputValue('[data-field-path="rules[3].name"] vscode-textfield >> input'), 'rule 5');
        await page.locator('[data-rule-index="3"] vscode-toolbar-button[icon="trash"]').click();
        assert.equal(await page.locator('[data-rule-index]').count(), 4);
        // Back where it started, so there is nothing to save or revert.
        assert.notEqual(await page.getAttribute('#rules-save', 'disabled'), null);
      }
      await page.locator('[data-route-name="ab-summaries"]').scrollIntoViewIfNeeded();
      await shoot(page, `${theme}-rules-routes`);

      // A problem from validation appears next to its field.
      await page.fill('[data-field-path="rules[2].match.minInputTokens"] vscode-textfield >> input', 'lots');
      await page.waitForSelector('[data-field-path="rules[2].match.minInputTokens"] [data-problem-path="rules[2].match.minInputTokens"]');
      await page.locator('[data-rule-index="2"]').scrollIntoViewIfNeeded();
      await shoot(page, `${theme}-rules-problem`);

      // Two problems: both shown at once, and Save disabled with the reason.
      await page.fill('[data-field-path="routes.fast.hedgeMs"] vscode-textfield >> input', 'soon');
      await page.waitForSelector('[data-field-path="routes.fast.hedgeMs"] [data-problem-path="routes.fast.hedgeMs"]');
      assert.equal(await page.isVisible('[data-field-path="rules[2].match.minInputTokens"] [data-problem-path]'), true);
      assert.notEqual(await page.getAttribute('#rules-save', 'disabled'), null);
      assert.equal(await page.getAttribute('#rules-save', 'title'), 'Fix the 2 problems first');
      assert.match((await page.textContent('.rules-status')) ?? '', /2 problems — fix them to save/);
      await page.locator('[data-route-name="fast"]').scrollIntoViewIfNeeded();
      await shoot(page, `${theme}-rules-two-problems`);
      await page.fill('[data-field-path="routes.fast.hedgeMs"] vscode-textfield >> input', '250');
      await page.waitForSelector('[data-field-path="routes.fast.hedgeMs"] [data-problem-path]', { state: 'detached' });

      // JSON mode shows the same draft and lists the problem above the text.
      await page.click('#rules-mode-json');
      assert.match(await page.inputValue('#rules-json'), /"minInputTokens": "lots"/);
      await page.waitForSelector('.general-problems [data-problem-path="rules[2].match.minInputTokens"]');
      await shoot(page, `${theme}-rules-json`);

      // A syntax error is shown with its line and column, and the form refuses to open.
      const text = await page.inputValue('#rules-json');
      await page.fill('#rules-json', text.replace('"lots"', '"lots",'));
      await page.waitForSelector('.syntax-error:not([hidden])');
      assert.match((await page.textContent('.syntax-error')) ?? '', /Line \d+, column \d+/);
      await page.click('#rules-mode-form');
      assert.equal(await page.isVisible('#rules-json'), true);
      await shoot(page, `${theme}-rules-json-error`);

      // An unsaved draft, even one that does not parse, survives the panel being reloaded.
      const draftText = await page.inputValue('#rules-json');
      await page.reload();
      await page.locator('#rules-json').waitFor();
      assert.equal(await page.inputValue('#rules-json'), draftText);

      // Fix it, save, and see the saved notice.
      await page.fill('#rules-json', text.replace('"lots"', '200000'));
      await page.click('#rules-mode-form');
      await page.waitForSelector('[data-rule-index="0"]');
      await page.waitForTimeout(600);
      await page.click('#rules-save');
      await page.waitForSelector('#rules-saved');
      assert.match((await page.textContent('.rules-status')) ?? '', /Saved/);
      await shoot(page, `${theme}-rules-saved`);

      // The UI state survives a reload (VS Code's getState/setState, here in sessionStorage).
      await page.reload();
      await page.waitForSelector('[data-rule-index="0"]');
      assert.equal(await page.getAttribute('#tab-rules', 'active'), '');

      // Someone else saves while this draft is open: Save names the revision the draft started
      // from, so nothing is overwritten unseen; the user loads their version or overwrites it.
      await page.click('#rules-mode-json');
      const before = await page.inputValue('#rules-json');
      const mine = before.replace('"openai/gpt-4o-mini"', '"groq/llama-3.1-8b-instant"');
      assert.notEqual(mine, before);
      await page.fill('#rules-json', mine);
      await page.evaluate(`switchyardPreview.saveElsewhere({ aliases: { cheap: 'cerebras/llama-3.3-70b' } })`);
      await page.waitForSelector('#rules-conflict:has-text("The config changed since you started editing")');
      await page.waitForSelector('#rules-save:not([disabled])');
      await page.click('#rules-save');
      await page.waitForSelector('#rules-conflict:has-text("Nothing was saved")');
      assert.match((await page.textContent('.rules-status')) ?? '', /Not saved — changed elsewhere/);
      assert.equal(await page.inputValue('#rules-json'), mine, 'the draft is kept');
      await shoot(page, `${theme}-rules-conflict`);
      await page.click('#rules-overwrite');
      await page.waitForSelector('#rules-saved');
      const saves = await page.evaluate(`switchyardPreview.sent.filter((message) => message.type === 'save-config').slice(-2).map((message) => message.ifRevision)`);
      assert.ok(Array.isArray(saves) && saves.length === 2 && saves[0] !== saves[1] && saves.every((revision) => typeof revision === 'string'), `saves named ${JSON.stringify(saves)}`);
      assert.equal(await page.isVisible('#rules-conflict'), false);
      // And the other way: their version loaded, the draft discarded.
      await page.fill('#rules-json', mine.replace('"groq/llama-3.1-8b-instant"', '"openai/gpt-4.1-nano"'));
      await page.evaluate(`switchyardPreview.saveElsewhere({ aliases: { cheap: 'anthropic/claude-haiku-4-5' } })`);
      await page.click('#rules-load-theirs');
      assert.match(await page.inputValue('#rules-json'), /"anthropic\/claude-haiku-4-5"/);
      assert.equal(await page.isVisible('#rules-conflict'), false);
      await context.close();
    }

    const readOnly = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch(readOnly, 'read-only');
    await readOnly.goto(`${origin}/?theme=dark&live=0&file=none`);
    await readOnly.click('#tab-rules');
    await readOnly.waitForSelector('[data-rule-index="0"]');
    assert.equal(await readOnly.isVisible('#rules-save'), false);
    await shoot(readOnly, 'dark-rules-readonly');

    // On a team proxy the rules are the admin's: the banner says why, no empty form or local file stands in.
    const team = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch(team, 'team');
    await team.goto(`${origin}/?theme=dark&live=0&team=1`);
    await team.waitForSelector('.proxy-status.state-running:has-text("team proxy https://switchyard.example.com")');
    await team.click('#tab-rules');
    await team.waitForSelector('.banner:has-text("only its admin can read and change")');
    assert.equal(await team.isVisible('#rules-open-file'), false);
    assert.equal(await team.isVisible('#rules-mode'), false, 'no Form/JSON toggle over nothing');
    assert.equal(await team.isVisible('#rules-save'), false);
    assert.equal(await team.isVisible('text=Add rule'), false);
    await shoot(team, 'dark-rules-team');
    // A request the team proxy does not have (another key's, another proxy's): said as such, no retention claimed.
    await team.click('#tab-requests');
    await team.evaluate(`switchyardPreview.send({ type: 'show-request', id: 'req_from_elsewhere' })`);
    await team.waitForSelector('#request-detail .request-missing');
    const missing = await team.innerText('#request-detail .request-missing');
    assert.match(missing, /req_from_elsewhere is not among your requests on the team proxy https:\/\/switchyard\.example\.com: it was made with another key or on another proxy/);
    // A call of the member's with no kept content: the team's admin keeps it, not "turn it on".
    const unkept = await team.locator('tr[data-request-id]').nth(1).getAttribute('data-request-id');
    await team.evaluate(`switchyardPreview.send({ type: 'show-request', id: ${JSON.stringify(unkept)} })`);
    await team.waitForSelector('#request-detail .content-missing');
    assert.match(await team.innerText('#request-detail .content-missing'), /on the team proxy https:\/\/switchyard\.example\.com, so there is nothing to show or replay: its admin keeps content/);
    await shoot(team, 'dark-team-no-content');

    // Before the config arrives the JSON text is hidden, so nothing reads an empty text as the config.
    const slow = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch(slow, 'slow');
    // The host answers nothing until released: a fixed delay lost to a loaded machine's clicks.
    await slow.goto(`${origin}/?theme=dark&live=0&delay=hold`);
    await slow.click('#tab-rules');
    await slow.click('#rules-mode-json');
    assert.equal(await slow.isVisible('#rules-json'), false);
    await slow.evaluate('switchyardPreview.release()');
    await slow.locator('#rules-json').waitFor();
    assert.ok(JSON.parse(await slow.inputValue('#rules-json')).rules.length > 0);

    const empty = await browser.newPage({ viewport: { width: 1280, height: 500 } });
    watch(empty, 'empty');
    await empty.goto(`${origin}/?theme=dark&empty=1`);
    await empty.waitForSelector('.empty-state:not([hidden])');
    await shoot(empty, 'dark-empty-requests');
    await empty.click('#tab-charts');
    await empty.waitForSelector('.empty-chart');
    await shoot(empty, 'dark-empty-charts');

    // The very first screen: where to point tools, and the buttons that set it up.
    for (const theme of ['dark', 'light']) {
      const first = await browser.newPage({ viewport: { width: 1280, height: 560 } });
      watch(first, `first-${theme}`);
      await first.goto(`${origin}/?theme=${theme}&first=1`);
      await first.waitForSelector('.empty-state .base-urls');
      assert.match((await first.textContent('.empty-state .base-urls')) ?? '', /http:\/\/127\.0\.0\.1:4141\/v1/);
      await first.click('.empty-state vscode-button[data-command="switchyard.copyConnectionSettings"]');
      const asked = await first.evaluate<string[]>("switchyardPreview.sent.filter((message) => message.type === 'run-command').map((message) => message.command)");
      assert.deepEqual(asked, ['switchyard.copyConnectionSettings']);
      await shoot(first, `${theme}-first-screen`);
      await first.close();
    }

    // Calls refused for want of the local key: a notice with the fix, dismissible.
    const refused = await browser.newPage({ viewport: { width: 1280, height: 420 } });
    watch(refused, 'refused');
    await refused.goto(`${origin}/?theme=light&live=0&refused=1`);
    await refused.waitForSelector('.refusal-notice[data-reason="no-key"]');
    assert.match((await refused.textContent('.refusal-notice')) ?? '', /3 calls refused: no local key — from user agent claude-cli\/2\.1\.105/);
    await shoot(refused, 'light-refusal-notice');
    await refused.click('.refusal-notice .notice-dismiss');
    assert.equal(await refused.isVisible('.refusal-notice'), false);
    await refused.close();

    // Tiny spends: every axis label distinct.
    const tiny = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch(tiny, 'tiny');
    await tiny.goto(`${origin}/?theme=dark&live=0&spend=tiny`);
    await tiny.click('#tab-charts');
    await tiny.waitForSelector('svg.chart rect.bar:not([height="0"])');
    const tickLabels = await tiny.locator('svg.chart').first().locator('text.tick[text-anchor="end"]').allTextContents();
    assert.ok(tickLabels.length >= 3 && new Set(tickLabels).size === tickLabels.length, `repeated spend ticks: ${tickLabels.join(', ')}`);
    await shoot(tiny, 'dark-charts-tiny');

    // Without the detail pane the route, the last column, takes what the others leave.
    for (const width of [1100, 1280, 1440, 1920]) {
      const wide = await browser.newPage({ viewport: { width, height: 420 } });
      watch(wide, `wide-${width}`);
      await wide.goto(`${origin}/?theme=${width === 1440 ? 'light' : 'dark'}&live=0`);
      await wide.waitForSelector('tr[data-request-id]');
      const overflow = await wide.evaluate<number>("document.querySelector('.table-scroller').scrollWidth - document.querySelector('.table-scroller').clientWidth");
      assert.equal(overflow, 0, `the table overflows at ${width} px`);
      const cutCosts = await wide.evaluate<string[]>("[...document.querySelectorAll('td[data-column=cost]')].filter((cell) => cell.scrollWidth > cell.clientWidth).map((cell) => cell.textContent)");
      assert.deepEqual(cutCosts, [], `cost cells cut off at ${width} px`);
      // Issue 14: the tool's name is never cut (its version may be), nor the models', nor the headers.
      const cutNames = await wide.evaluate<string[]>(`[...document.querySelectorAll('td[data-column=tool]')].filter((cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell.firstChild);
          return range.getBoundingClientRect().right > cell.getBoundingClientRect().right - 6;
        }).map((cell) => cell.textContent)`);
      assert.deepEqual(cutNames, [], `tool names cut off at ${width} px`);
      if (width >= 1280) {
        const cutModels = await wide.evaluate<string[]>("[...document.querySelectorAll('td[data-column=requestedModel], td[data-column=served]')].filter((cell) => cell.scrollWidth > cell.clientWidth).map((cell) => cell.textContent)");
        assert.deepEqual(cutModels, [], `model names cut off at ${width} px`);
      }
      const cutHeaders = await wide.evaluate<string[]>("[...document.querySelectorAll('th')].filter((cell) => cell.offsetParent !== null && cell.scrollWidth > cell.clientWidth).map((cell) => cell.textContent)");
      assert.deepEqual(cutHeaders, [], `headers cut off at ${width} px`);
      const errorWidth = await wide.evaluate<number>("document.querySelector('th[data-column=error]').getBoundingClientRect().width");
      assert.ok(errorWidth >= (width >= 1280 ? 240 : 150), `the Error column is ${errorWidth} px wide at ${width} px`);
      await shoot(wide, `${width === 1440 ? 'light' : 'dark'}-requests-${width}`);
      await wide.close();
    }

    // A narrow editor group: the table drops columns, the form wraps.
    const narrow = await browser.newPage({ viewport: { width: 760, height: 700 } });
    watch(narrow, 'narrow');
    await narrow.goto(`${origin}/?theme=light&live=0`);
    await narrow.locator('tr[data-request-id]').nth(6).click();
    await narrow.waitForSelector('#request-detail [data-attempt]');
    const narrowOverflow = await narrow.evaluate<number>("document.querySelector('.table-scroller').scrollWidth - document.querySelector('.table-scroller').clientWidth");
    assert.equal(narrowOverflow, 0, 'the table overflows a 760 px panel');
    await shoot(narrow, 'light-narrow-detail');
    await narrow.click('#tab-rules');
    await narrow.waitForSelector('[data-rule-index="0"]');
    await shoot(narrow, 'light-narrow-rules');

    // `SWITCHYARD_README_SHOTS=media/screenshots` refreshes the README's images (JPEG, to stay small).
    const readmeShots = process.env.SWITCHYARD_README_SHOTS;
    if (readmeShots !== undefined) {
      mkdirSync(readmeShots, { recursive: true });
      const readme = await browser.newPage({ viewport: { width: 1280, height: 560 } });
      await readme.goto(`${origin}/?theme=dark&live=0`);
      await readme.waitForSelector('tr[data-request-id]');
      await readme.waitForTimeout(400);
      await readme.screenshot({ path: join(readmeShots, 'requests-dark.jpg'), type: 'jpeg', quality: 82 });
      await readme.goto(`${origin}/?theme=light&live=0`);
      await readme.locator('tr[data-request-id]').nth(2).click();
      await readme.waitForSelector('#request-detail [data-attempt="2"]');
      await readme.waitForTimeout(400);
      await readme.screenshot({ path: join(readmeShots, 'detail-light.jpg'), type: 'jpeg', quality: 82 });
      await readme.goto(`${origin}/?theme=light&first=1`);
      await readme.waitForSelector('.empty-state .base-urls');
      await readme.waitForTimeout(400);
      await readme.screenshot({ path: join(readmeShots, 'first-screen-light.jpg'), type: 'jpeg', quality: 82, clip: { x: 0, y: 0, width: 1280, height: 380 } });
      await readme.close();
    }

    const live = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watch(live, 'live');
    await live.goto(`${origin}/?theme=dark`);
    await live.waitForSelector('tr[data-request-id]');
    await live.waitForTimeout(2600);
    const rows = await live.locator('tr[data-request-id]').count();
    assert.ok(rows >= 27, `live requests did not arrive (${rows} rows)`);
    // A string, because this file is checked without the DOM library.
    const sizes = await live.evaluate<{ width: number; height: number }>('({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })');
    assert.ok(sizes.width <= 1280 && sizes.height <= 800, `the page overflows: ${JSON.stringify(sizes)}`);
  } finally {
    await browser.close();
    server.close();
    // The bundle built for the preview lives in a temporary folder of its own: gone with the run.
    rmSync(directory, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  } else {
    console.log('no console errors, page errors or CSP violations');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
