import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { APIError } from 'openai';
import { askOpenAi } from '../harness/clients';
import { poll } from '../harness/processes';
import { uiContext } from '../harness/ui-context';
import { quickInput, runCommand, timeouts } from '../harness/workbench';
import type { Page } from 'playwright-core';

const model = 'other/fake-large';

/** Runs "Switchyard: Toggle Models", flips the tick of `model`, and accepts. */
async function toggleModel(page: Page, expectTicked: boolean): Promise<void> {
  await runCommand(page, 'Switchyard: Toggle Models');
  await quickInput(page).fill(model);
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${model}$`) }) });
  await row.waitFor();
  assert.equal(await row.getAttribute('aria-checked'), String(expectTicked), `${model} should start ${expectTicked ? 'ticked' : 'unticked'}`);
  await row.click();
  await poll('the tick to flip', async () => ((await row.getAttribute('aria-checked')) === String(!expectTicked) ? true : undefined), timeouts.action);
  await quickInput(page).press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

async function disabledModels(configFile: string): Promise<unknown> {
  return (JSON.parse(await readFile(configFile, 'utf8')) as { disabledModels?: unknown }).disabledModels;
}

describe('Toggle Models', () => {
  it('unticking a model disables it: requests for it are refused, naming the command', async () => {
    const context = uiContext();
    await toggleModel(context.page, true);
    await poll('disabledModels in the config', async () => ((await disabledModels(context.configFile)) !== undefined ? true : undefined), timeouts.action);
    assert.deepEqual(await disabledModels(context.configFile), [model]);
    const before = context.fakes.other.requests.length;
    const refusal = await askOpenAi(context, model).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof APIError, `expected a refusal, got ${String(refusal)}`);
    assert.match(refusal.message, /Switchyard: Toggle Models/);
    assert.equal(context.fakes.other.requests.length, before, 'a disabled model reached the provider');
  });

  it('ticking it again enables it', async () => {
    const context = uiContext();
    await toggleModel(context.page, false);
    await poll('disabledModels to be gone', async () => ((await disabledModels(context.configFile)) === undefined ? true : undefined), timeouts.action);
    const answer = await askOpenAi(context, model);
    assert.equal(answer.provider, 'other');
  });
});
