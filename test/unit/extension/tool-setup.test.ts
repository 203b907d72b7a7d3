import assert from 'node:assert/strict';
import { connectionSettings, terminalEnvironment } from '../../../extension/connection-settings';
import { missingKeysLine, setupNodes } from '../../../extension/sidebar/setup-nodes';
import { claudeCodeSettings, codexConfig, continueModels, toolSetup, tools } from '../../../extension/tool-setup';

const connection = connectionSettings(4141, 'sy-local');

describe('configuring a tool', () => {
  it('Claude Code: merges env into ~/.claude/settings.json, keeping what is there', () => {
    const existing = JSON.stringify({ model: 'opus', env: { DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: 'https://old.example' } });
    const merged = JSON.parse(claudeCodeSettings(existing, connection));
    assert.deepEqual(merged, { model: 'opus', env: { DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: 'http://127.0.0.1:4141', ANTHROPIC_API_KEY: 'sy-local' } });
    assert.deepEqual(JSON.parse(claudeCodeSettings(undefined, connectionSettings(4141, undefined))), { env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:4141' } });
    assert.throws(() => claudeCodeSettings('[1, 2]', connection), /JSON object/);
    assert.throws(() => claudeCodeSettings('{ broken', connection));
  });

  it('Codex: appends a provider and a profile once, keeping the default', () => {
    const existing = 'model = "gpt-5"\n';
    const text = codexConfig(existing, connection);
    assert.ok(text?.startsWith('model = "gpt-5"\n\n# Added by Switchyard'));
    assert.match(text!, /\[model_providers\.switchyard\]\nname = "Switchyard"\nbase_url = "http:\/\/127\.0\.0\.1:4141\/v1"\nenv_key = "SWITCHYARD_API_KEY"\nwire_api = "responses"/);
    assert.match(text!, /\[profiles\.switchyard\]\nmodel_provider = "switchyard"/);
    assert.equal(codexConfig(text, connection), undefined, 'not twice');
  });

  it('Continue and Cline: the settings to enter, with the key', () => {
    assert.match(continueModels(connection), /apiBase: http:\/\/127\.0\.0\.1:4141\/v1\n +apiKey: sy-local/);
    const cline = toolSetup('cline', connection).instructions;
    assert.match(cline, /Use custom base URL\*\*: on, `http:\/\/127\.0\.0\.1:4141`/);
    assert.match(cline, /`sy-local`/);
    for (const tool of tools) assert.ok(toolSetup(tool, connection).instructions.length > 100, tool);
  });
});

describe('the first-run guidance', () => {
  it('the sidebar before the first request: steps and base URLs', () => {
    const nodes = setupNodes('http://127.0.0.1:5151', []);
    assert.deepEqual(nodes.map((node) => node.command?.id), ['switchyard.setProviderKey', 'switchyard.configureTool', 'switchyard.sendTestRequest', 'switchyard.copyConnectionSettings', 'switchyard.copyConnectionSettings']);
    assert.equal(nodes[0]!.label, 'Set a provider key');
    // The URLs are the labels, which the side bar cuts last.
    assert.equal(nodes[3]!.label, 'http://127.0.0.1:5151');
    assert.equal(nodes[4]!.label, 'http://127.0.0.1:5151/v1');
    assert.equal(setupNodes('http://127.0.0.1:5151', ['openai'])[0]!.label, 'Provider keys set');
  });

  it('on a team proxy: no provider-key or test-request step (the admin holds the keys), the team URL to point tools at', () => {
    const nodes = setupNodes('https://switchyard.example.com', undefined);
    assert.deepEqual(nodes.map((node) => node.command?.id), ['switchyard.configureTool', 'switchyard.copyConnectionSettings', 'switchyard.copyConnectionSettings']);
    assert.deepEqual(nodes.slice(1).map((node) => node.label), ['https://switchyard.example.com', 'https://switchyard.example.com/v1']);
  });

  it('the status bar says which keys are missing', () => {
    assert.equal(missingKeysLine(undefined), undefined);
    assert.match(missingKeysLine([])!, /No provider key yet/);
    assert.equal(missingKeysLine(['openai', 'groq']), 'Keys set: openai, groq. No key for Anthropic, Gemini.');
    assert.equal(missingKeysLine(['openai', 'anthropic', 'gemini']), 'Keys set: openai, anthropic, gemini.');
  });

  it('Codex CLI: the profile\'s env_key is a variable VS Code terminals get, with or without a required key', () => {
    const envKey = /^env_key = "([A-Z_]+)"$/m.exec(codexConfig(undefined, connection)!)![1]!;
    for (const localKey of ['sy-local', undefined]) {
      const environment = terminalEnvironment(connectionSettings(4141, localKey));
      // Codex refuses to start when the env_key variable is missing or empty.
      assert.ok(environment[envKey], `${envKey} is not set in terminals (local key ${localKey})`);
    }
    assert.equal(terminalEnvironment(connectionSettings(4141, 'sy-local'))[envKey], 'sy-local');
  });
});
