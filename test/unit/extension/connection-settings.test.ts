import assert from 'node:assert/strict';
import { connectionSettings, connectionSettingsText, terminalEnvironment } from '../../../extension/connection-settings';

describe('connection settings', () => {
  it('gives the Anthropic-style base URL without /v1 and the OpenAI-style one with it', () => {
    const settings = connectionSettings(5151, 'sy-local');
    assert.equal(settings.baseUrl, 'http://127.0.0.1:5151');
    assert.equal(settings.openAiBaseUrl, 'http://127.0.0.1:5151/v1');
  });

  it('puts ready-made env lines for Claude Code and Codex CLI on the clipboard text', () => {
    const text = connectionSettingsText(connectionSettings(4141, 'sy-abcdef'));
    assert.match(text, /^ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:4141 ANTHROPIC_API_KEY=sy-abcdef claude$/m);
    assert.match(text, /^OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:4141\/v1 OPENAI_API_KEY=sy-abcdef codex$/m);
    assert.match(text, /OpenAI-style tools \(base URL\): +http:\/\/127\.0\.0\.1:4141\/v1$/m);
    assert.match(text, /Anthropic-style tools \(base URL\): +http:\/\/127\.0\.0\.1:4141$/m);
    assert.match(text, /API key: +sy-abcdef$/m);
  });

  it('says no key is needed, with a placeholder the tools accept, when none is required', () => {
    const text = connectionSettingsText(connectionSettings(4141, undefined));
    assert.match(text, /API key: +none needed/);
    assert.match(text, /ANTHROPIC_API_KEY=switchyard-no-key-needed claude/);
  });

  it('sets the terminal API keys only when the local key is required, and SWITCHYARD_API_KEY (Codex\'s env_key) always', () => {
    assert.deepEqual(terminalEnvironment(connectionSettings(4141, undefined)), {
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4141',
      OPENAI_BASE_URL: 'http://127.0.0.1:4141/v1',
      SWITCHYARD_API_KEY: 'switchyard-no-key-needed',
    });
    assert.deepEqual(terminalEnvironment(connectionSettings(4141, 'sy-k')), {
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4141',
      OPENAI_BASE_URL: 'http://127.0.0.1:4141/v1',
      SWITCHYARD_API_KEY: 'sy-k',
      ANTHROPIC_API_KEY: 'sy-k',
      OPENAI_API_KEY: 'sy-k',
    });
  });
});
