import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { extensionId, runningProxy, switchyard } from './switchyard-extension';

const commandIds = [
  'switchyard.startProxy',
  'switchyard.stopProxy',
  'switchyard.restartProxy',
  'switchyard.openPanel',
  'switchyard.setProviderKey',
  'switchyard.testProviderKey',
  'switchyard.removeProviderKey',
  'switchyard.toggleModels',
  'switchyard.chooseDefaultRoute',
  'switchyard.copyConnectionSettings',
  'switchyard.showProxyLog',
  'switchyard.clearResponseCache',
  'switchyard.configureTool',
  'switchyard.sendTestRequest',
  'switchyard.openConfigFile',
];

describe('activation', () => {
  it('activates, registers every command, and reports how long activate() took', async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not loaded`);
    const wasActive = extension.isActive;
    const started = performance.now();
    const { api } = await switchyard();
    const waited = performance.now() - started;
    // Speed is measured, not asserted: the numbers go to the run's output.
    const load = api.loadMs === undefined ? '' : `, loading the bundle ${api.loadMs.toFixed(1)} ms`;
    console.log(`    activate() took ${api.activationMs.toFixed(1)} ms${load}${wasActive ? ' (activated on startup)' : `; activation from the test took ${waited.toFixed(1)} ms`}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of commandIds) assert.ok(registered.has(id), `${id} is not registered`);
    const contributed = (extension.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands.map((command) => command.command);
    assert.deepEqual([...contributed].sort(), [...commandIds].sort());
  });

  it('starts the proxy without being asked, on the configured port', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const port = vscode.workspace.getConfiguration('switchyard').get<number>('port');
    assert.equal(client.port, port);
    assert.equal(api.proxy.status.port, port);
    assert.equal(typeof api.proxy.pid, 'number');
  });
});
