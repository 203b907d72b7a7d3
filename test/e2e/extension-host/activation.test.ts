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
  'switchyard.chooseRedactionMode',
  'switchyard.copyConnectionSettings',
  'switchyard.showProxyLog',
  'switchyard.clearResponseCache',
  'switchyard.createAccessKey',
  'switchyard.manageAccessKeys',
  'switchyard.configureTool',
  'switchyard.sendTestRequest',
  'switchyard.openConfigFile',
  'switchyard.connectTeamProxy',
  'switchyard.disconnectTeamProxy',
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

  it('contributes a walkthrough whose every button runs a registered command and whose steps complete on what the extension sets', async () => {
    const extension = vscode.extensions.getExtension(extensionId)!;
    const walkthroughs = (extension.packageJSON as { contributes: { walkthroughs: Array<{ id: string; steps: Array<{ id: string; description: string; completionEvents: string[] }> }> } }).contributes.walkthroughs;
    assert.equal(walkthroughs.length, 1);
    const steps = walkthroughs[0]!.steps;
    assert.deepEqual(steps.map((step) => step.id), ['setKey', 'connectTool', 'testRequest']);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((match) => match[1]!);
      assert.ok(linked.length > 0, `step ${step.id} has no button`);
      for (const id of linked) assert.ok(registered.has(id), `${step.id} links ${id}, which is not registered`);
      for (const event of step.completionEvents) {
        const command = /^onCommand:(.+)$/.exec(event)?.[1];
        if (command !== undefined) assert.ok(registered.has(command), `${step.id} completes on ${command}, not registered`);
        else assert.match(event, /^onContext:switchyard\.(hasProviderKey|hasRequests)$/);
      }
    }
    assert.match(steps[1]!.description, /Configure Claude Code\]\(command:switchyard\.configureTool\?%5B%22claude-code%22%5D\)/);
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
