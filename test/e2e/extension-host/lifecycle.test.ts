import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { probeHealth } from '../../../extension/control-client';
import { ProxyManager } from '../../../extension/proxy-process';
import { runningProxy, switchyard, until } from './switchyard-extension';

describe('proxy lifecycle', () => {
  it('a second client in the same host attaches to the running proxy instead of spawning', async () => {
    const { extension, api } = await switchyard();
    await runningProxy(api);
    const configFile = vscode.workspace.getConfiguration('switchyard').get<string>('configPath') || path.join(api.dataDir, 'config.json');
    const second = new ProxyManager({
      proxyScript: path.join(extension.extensionPath, 'dist', 'proxy.js'),
      runtime: process.execPath,
      dataDir: api.dataDir,
      settings: () => ({ port: api.proxy.status.port, configFile, keepRunning: false }),
      log: () => undefined,
    });
    try {
      await second.start();
      assert.equal(second.status.state, 'running', second.status.detail);
      assert.equal(second.status.owned, false);
      assert.equal(second.pid, api.proxy.pid);
    } finally {
      second.dispose();
    }
  });

  it('a killed proxy is restarted and the reason reported', async () => {
    const { api } = await switchyard();
    await runningProxy(api);
    const killed = api.proxy.pid!;
    const owned = api.proxy.status.owned;
    process.kill(killed, 'SIGKILL');
    const crash = await until('the crash to be reported', () => api.lastCrash);
    assert.match(crash.reason, owned ? /killed by SIGKILL/ : new RegExp(`pid ${killed}\\) stopped answering`));
    assert.equal(crash.restarting, true);
    await until('a new proxy', () => api.proxy.status.state === 'running' && api.proxy.pid !== undefined && api.proxy.pid !== killed, 20_000);
    const health = await probeHealth(api.proxy.status.port);
    assert.equal(health?.pid, api.proxy.pid);
  });

  it('Stop Proxy stops it (and it stays stopped); Start Proxy brings it back', async () => {
    const { api } = await switchyard();
    await runningProxy(api);
    const port = api.proxy.status.port;
    await vscode.commands.executeCommand('switchyard.stopProxy');
    assert.equal(api.proxy.status.state, 'stopped');
    assert.equal(await probeHealth(port), undefined);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(api.proxy.status.state, 'stopped', 'it was restarted after a Stop');
    await vscode.commands.executeCommand('switchyard.startProxy');
    await runningProxy(api);
    assert.equal((await probeHealth(port))?.pid, api.proxy.pid);
  });
});
