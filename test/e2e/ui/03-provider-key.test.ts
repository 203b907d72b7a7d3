import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setProviderKeyThroughPalette, waitForProviderKey } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { findNotification, pickQuickItem, runCommand, timeouts } from '../harness/workbench';
import { poll } from '../harness/processes';
import { testKeys } from '../harness/fake-providers';

const openAiKey = testKeys.openai;

describe('provider keys through the palette', () => {
  it('sets the OpenAI key in a masked input and the proxy holds it', async () => {
    const context = uiContext();
    const { masked } = await setProviderKeyThroughPalette(context.page, 'openai', openAiKey);
    assert.equal(masked, true, 'the key input must be a password box');
    const info = await waitForProviderKey(context, 'openai', openAiKey.slice(-4));
    assert.equal(info.keySource, 'control');
    assert.equal(info.keyHint?.includes(openAiKey.slice(0, -4)), false, 'only the last four characters may be shown');
  });

  it('tests the key with one authenticated call to the provider', async () => {
    const context = uiContext();
    const before = context.fakes.openai.requests.length;
    await runCommand(context.page, 'Switchyard: Test Provider Key');
    await pickQuickItem(context.page, 'openai');
    const call = await poll(
      'the key test to reach the fake OpenAI',
      async () => context.fakes.openai.requests.slice(before).find((request) => request.url.startsWith('/v1/models')),
      timeouts.action,
    );
    assert.equal(call.headers.authorization, `Bearer ${openAiKey}`);
    const { text: message } = await findNotification(context.page, openAiKey.slice(-4));
    assert.doesNotMatch(message, new RegExp(openAiKey.slice(0, -4)));
  });

  it('never writes the key to settings or logs', async () => {
    const { profile, server } = uiContext();
    const settings = await readFile(profile.settingsFile, 'utf8');
    assert.equal(settings.includes(openAiKey), false, 'the key is in settings.json');
    assert.equal(server.process.output().includes(openAiKey), false, 'the key is in the code-server log');
    // VS Code's own logs, the extension host's and the "Switchyard" output channel's included.
    for (const file of await filesUnder(path.join(profile.userDataDir, 'logs'))) {
      assert.equal((await readFile(file, 'utf8')).includes(openAiKey), false, `the key is in ${file}`);
    }
  });
});

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}
