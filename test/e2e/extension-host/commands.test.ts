import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { runningProxy, switchyard, until } from './switchyard-extension';

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('switchyard.panel'));
}

describe('commands (called with arguments, no UI)', () => {
  it('Copy Connection Settings: base URLs, the local key and env lines for Claude Code and Codex CLI', async () => {
    const { api } = await switchyard();
    await runningProxy(api);
    const port = api.proxy.status.port;
    const text = await vscode.commands.executeCommand<string>('switchyard.copyConnectionSettings');
    const localKey = /^API key: +(sy-\S+)$/m.exec(text)?.[1];
    assert.ok(localKey, `no local key in:\n${text}`);
    assert.match(text, new RegExp(`^ANTHROPIC_BASE_URL=http://127\\.0\\.0\\.1:${port} ANTHROPIC_API_KEY=${localKey} claude$`, 'm'));
    assert.match(text, new RegExp(`^OPENAI_BASE_URL=http://127\\.0\\.0\\.1:${port}/v1 OPENAI_API_KEY=${localKey} codex$`, 'm'));
    // The proxy was handed that key: clients without it are refused, with it they are served.
    const without = await fetch(`http://127.0.0.1:${port}/v1/models`);
    assert.equal(without.status, 401);
    const withKey = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${localKey}` } });
    assert.equal(withKey.status, 200);
  });

  it('Create Access Key makes a named key, with its own redaction, that the proxy accepts and attributes, shown once', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const key = await vscode.commands.executeCommand<string>('switchyard.createAccessKey', 'e2e-host-tool', { redaction: { mode: 'redact', detectors: ['secrets'] } });
    assert.match(key, /^sy-[A-Za-z0-9_-]{32,}$/);
    const listed = (await client.keys()).find((entry) => entry.name === 'e2e-host-tool');
    assert.ok(listed !== undefined && listed.revoked === undefined);
    assert.deepEqual(listed.redaction, { mode: 'redact', detectors: ['secrets'] });
    assert.ok(!JSON.stringify(await client.keys()).includes(key), 'the key is never listed');
    const answer = await fetch(`http://127.0.0.1:${api.proxy.status.port}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(answer.status, 200);
    await client.revokeKey('e2e-host-tool');
    const revoked = await fetch(`http://127.0.0.1:${api.proxy.status.port}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(revoked.status, 401);
  });

  it('Toggle Models saves disabledModels into the config, and the proxy reports them disabled', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const saved = await vscode.commands.executeCommand<string[]>('switchyard.toggleModels', ['other/fake-large']);
    assert.deepEqual(saved, ['other/fake-large']);
    assert.deepEqual((await client.config()).config.disabledModels, ['other/fake-large']);
    const { models } = await client.models();
    assert.equal(models.find((model) => model.id === 'other/fake-large')?.disabled, true);
    assert.equal(models.find((model) => model.id === 'other/fake-small')?.disabled, false);
    await vscode.commands.executeCommand('switchyard.toggleModels', []);
    assert.equal((await client.config()).config.disabledModels, undefined);
  });

  it('Choose Default Route saves defaultRoute, and None removes it', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    assert.equal(await vscode.commands.executeCommand('switchyard.chooseDefaultRoute', 'other/fake-small'), 'other/fake-small');
    assert.equal((await client.config()).config.defaultRoute, 'other/fake-small');
    assert.equal((await client.models()).defaultRoute, 'other/fake-small');
    assert.equal(await vscode.commands.executeCommand('switchyard.chooseDefaultRoute', null), undefined);
    assert.equal((await client.config()).config.defaultRoute, undefined);
  });

  it('Redaction Mode writes redaction.mode and keeps the other redaction fields', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    assert.equal(await vscode.commands.executeCommand('switchyard.chooseRedactionMode', 'redact'), 'redact');
    assert.deepEqual((await client.config()).config.redaction, { mode: 'redact' });
    assert.equal(await vscode.commands.executeCommand('switchyard.chooseRedactionMode', 'off'), 'off');
    assert.deepEqual((await client.config()).config.redaction, { mode: 'off' });
  });

  it('Open Panel opens one panel, also when asked again for a request', async () => {
    await vscode.commands.executeCommand('switchyard.openPanel');
    await until('the panel tab', () => panelTabs().length === 1);
    await vscode.commands.executeCommand('switchyard.openPanel', 'req_unknown');
    assert.equal(panelTabs().length, 1);
    const tab = panelTabs()[0];
    assert.equal(tab.label, 'Switchyard');
    await vscode.window.tabGroups.close(tab);
    await until('the panel to close', () => panelTabs().length === 0);
  });

  it('Clear Response Cache empties the proxy\'s response cache', async () => {
    const { api } = await switchyard();
    await runningProxy(api);
    assert.equal(await vscode.commands.executeCommand('switchyard.clearResponseCache'), 0);
  });

  it('Configure a Tool writes Claude Code\'s settings and Codex\'s profile, and shows Cline\'s', async () => {
    const { api } = await switchyard();
    await runningProxy(api);
    const port = api.proxy.status.port;
    const home = mkdtempSync(path.join(tmpdir(), 'switchyard-home-'));
    try {
      mkdirSync(path.join(home, '.claude'));
      writeFileSync(path.join(home, '.claude', 'settings.json'), JSON.stringify({ model: 'opus' }));
      const claude = await vscode.commands.executeCommand<{ written?: string }>('switchyard.configureTool', 'claude-code', 'write', home);
      assert.equal(claude.written, path.join(home, '.claude', 'settings.json'));
      const settings = JSON.parse(readFileSync(claude.written!, 'utf8'));
      assert.equal(settings.model, 'opus');
      assert.equal(settings.env.ANTHROPIC_BASE_URL, `http://127.0.0.1:${port}`);
      assert.match(settings.env.ANTHROPIC_API_KEY, /^sy-/);
      const codex = await vscode.commands.executeCommand<{ written?: string }>('switchyard.configureTool', 'codex', 'write', home);
      assert.match(readFileSync(codex.written!, 'utf8'), new RegExp(`base_url = "http://127\\.0\\.0\\.1:${port}/v1"`));
      const cline = await vscode.commands.executeCommand<{ shown: boolean }>('switchyard.configureTool', 'cline');
      assert.equal(cline.shown, true);
      assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /Use custom base URL/);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('Send Test Request goes through the proxy as a tool would, and its record names it', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const result = await vscode.commands.executeCommand<{ id?: string; status: number }>('switchyard.sendTestRequest', 'other/fake-small');
    assert.ok(result.id, `no request id (status ${result.status})`);
    const record = await until('the test request\'s record', async () => client.request(result.id!));
    assert.equal(record.tool, 'Switchyard test request');
    await until('the panel tab', () => panelTabs().length === 1);
    await vscode.window.tabGroups.close(panelTabs()[0]!);
  });

  it('Open Config File opens the config in the JSON editor, which reports a schema problem', async () => {
    const file = await vscode.commands.executeCommand<string>('switchyard.openConfigFile');
    const editor = vscode.window.activeTextEditor;
    const document = editor?.document;
    assert.equal(document?.uri.fsPath, file);
    assert.ok(document?.languageId === 'json' || document?.languageId === 'jsonc', document?.languageId);
    // An unknown field, typed but not saved (the proxy keeps running on the file as it is).
    await editor!.edit((builder) => builder.replace(new vscode.Range(0, 0, document!.lineCount, 0), '{ "modle": 1 }\n'));
    const diagnostics = await until(
      'a schema problem in the Problems view',
      () => {
        const found = vscode.languages.getDiagnostics(document!.uri);
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    assert.ok(diagnostics.some((diagnostic) => /modle/.test(diagnostic.message) || /not allowed/i.test(diagnostic.message)), diagnostics.map((diagnostic) => diagnostic.message).join('; '));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Show Proxy Log runs', async () => {
    await vscode.commands.executeCommand('switchyard.showProxyLog');
  });
});
