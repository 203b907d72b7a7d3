import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ProviderInfo } from '../../../proxy/control/protocol';
import { runningProxy, switchyard, until } from './switchyard-extension';

/** Every file under `folder` whose bytes contain `needle`. */
function filesContaining(folder: string, needle: string): string[] {
  if (!existsSync(folder)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(folder, entry);
    try {
      if (statSync(file).isFile() && readFileSync(file).includes(needle)) found.push(file);
    } catch {
      // Removed while walking (a log rotated): nothing to find in it.
    }
  }
  return found;
}

/** Linux only: a process's command line and environment. */
function processText(pid: number): string {
  try {
    return `${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}\n${readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
  } catch {
    return '';
  }
}

describe('provider keys', () => {
  const key = `sk-e2e-${randomBytes(12).toString('hex')}-Q7zX`;

  it('Set Provider Key stores it in the keychain and the proxy shows only its last four characters', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const updated = await vscode.commands.executeCommand<ProviderInfo>('switchyard.setProviderKey', 'openai', key);
    assert.equal(updated.keySource, 'control');
    assert.equal(updated.keyHint, '…Q7zX');
    const listed = await client.providers();
    assert.equal(listed.providers.find((provider) => provider.id === 'openai')?.keyHint, '…Q7zX');
    assert.ok(!JSON.stringify(listed).includes(key), 'GET /providers must not hold the key');
  });

  it('a restarted proxy gets the key again from the keychain (the only place it is kept)', async () => {
    const { api } = await switchyard();
    await vscode.commands.executeCommand('switchyard.restartProxy');
    const client = await runningProxy(api);
    const openai = (await client.providers()).providers.find((provider) => provider.id === 'openai');
    assert.equal(openai?.keySource, 'control');
    assert.equal(openai?.keyHint, '…Q7zX');
  });

  it('the key is in no setting, file, log, argument list or environment', async () => {
    const { api } = await switchyard();
    await runningProxy(api);
    const settings = JSON.stringify(vscode.workspace.getConfiguration('switchyard'));
    assert.ok(!settings.includes(key), 'settings hold the key');
    assert.deepEqual(filesContaining(api.dataDir, key), [], 'the data folder (config, request log, proxy output) holds the key');
    // The window's extension-host logs, output channels included.
    const logs = path.dirname(api.logFolder);
    assert.ok(filesContaining(logs, 'stored the openai key …Q7zX').length > 0, `the Switchyard output channel was not found under ${logs}`);
    assert.deepEqual(filesContaining(logs, key), [], 'a log holds the key');
    const userSettings = path.resolve(api.logFolder, '..', '..', '..', '..', '..', 'User', 'settings.json');
    if (existsSync(userSettings)) assert.ok(!readFileSync(userSettings, 'utf8').includes(key), 'settings.json holds the key');
    if (process.platform === 'linux') {
      const pid = api.proxy.pid;
      assert.ok(pid !== undefined);
      const text = processText(pid);
      assert.ok(text.includes('serve'), 'could not read the proxy process');
      assert.ok(!text.includes(key), "the proxy's argv or environment holds the key");
    }
  });

  it('Test Provider Key answers with the provider\'s verdict', async () => {
    const result = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('switchyard.testProviderKey', 'openai');
    assert.equal(typeof result.ok, 'boolean');
    assert.ok(!result.message.includes(key));
  });

  it('Remove Provider Key deletes it from the keychain and the proxy', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const updated = await vscode.commands.executeCommand<ProviderInfo>('switchyard.removeProviderKey', 'openai');
    assert.notEqual(updated.keySource, 'control');
    assert.notEqual(updated.keyHint, '…Q7zX');
    await vscode.commands.executeCommand('switchyard.restartProxy');
    await until('the restarted proxy', async () => (await runningProxy(api)) !== client);
    const openai = (await api.proxy.client!.providers()).providers.find((provider) => provider.id === 'openai');
    assert.notEqual(openai?.keyHint, '…Q7zX', 'the key came back after a restart: still in the keychain');
  });

  it('refuses an empty key', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('switchyard.setProviderKey', 'openai', '  ')), /non-empty/);
  });
});
