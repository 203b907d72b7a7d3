import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { runningProxy, switchyard, until } from './switchyard-extension';

// Here rather than in the UI suite: code-server does not act on a settings.json written from
// outside, while the extension host's configuration API changes the setting as the Settings UI does.
describe('terminal environment', () => {
  it('gives the workspace\'s terminals a key of their own, named after the folder, that attributes their calls', async () => {
    const { api } = await switchyard();
    const client = await runningProxy(api);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder !== undefined, 'the suite runs with a workspace folder open');
    const port = api.proxy.status.port;
    const configuration = vscode.workspace.getConfiguration('switchyard');
    const out = mkdtempSync(path.join(tmpdir(), 'switchyard-e2e-terminal-'));
    await configuration.update('injectTerminalEnvironment', true, vscode.ConfigurationTarget.Global);
    try {
      const workspaceKey = await until('the workspace key', async () => (await client.keys()).find((entry) => entry.name === folder.name && entry.revoked === undefined));
      assert.equal(workspaceKey.models, undefined, 'it restricts nothing');
      // A new terminal gets the variables: a shell that writes them down and exits.
      const file = path.join(out, 'env.txt');
      const terminal = vscode.window.createTerminal({ name: 'e2e environment', shellPath: '/bin/sh', shellArgs: ['-c', `printf '%s %s %s' "$OPENAI_BASE_URL" "$OPENAI_API_KEY" "$ANTHROPIC_API_KEY" > '${file}'`] });
      const line = await until('the terminal wrote its environment', () => {
        try {
          const text = readFileSync(file, 'utf8').trim();
          return text.split(' ').length === 3 ? text : undefined;
        } catch {
          return undefined;
        }
      });
      terminal.dispose();
      const [baseUrl, openAiKey, anthropicKey] = line.split(' ');
      assert.equal(baseUrl, `http://127.0.0.1:${port}/v1`);
      assert.match(openAiKey ?? '', /^sy-/);
      assert.equal(anthropicKey, openAiKey);
      // A call with it is attributed to the project.
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${openAiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'other/fake-small', max_tokens: 5, messages: [{ role: 'user', content: 'ping' }] }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      await response.arrayBuffer();
      const id = response.headers.get('x-switchyard-request-id')!;
      const record = await until('the record', async () => client.request(id));
      assert.deepEqual([record.keyLabel, record.keyId], [folder.name, workspaceKey.keyId]);
    } finally {
      await configuration.update('injectTerminalEnvironment', undefined, vscode.ConfigurationTarget.Global);
      rmSync(out, { recursive: true, force: true });
    }
  });
});
