import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describeCallingTool, recognizeCallingTool, recordedUserAgent } from '../../../proxy/http/calling-tool';

/**
 * Agent strings as the tools send them. Sources: captured traffic and the tools' own code
 * (Claude Code's `claude-cli/<version> (external, cli)`, Codex's `get_codex_user_agent`
 * `codex_cli_rs/<version> (<os> <os version>; <arch>) <terminal>` with `originator`, Gemini CLI's
 * `GeminiCLI/<version> (<platform>; <arch>)`, Cline's `Cline/<version>` with `X-Title: Cline`,
 * the Stainless-generated SDKs' `OpenAI/JS <version>` and `Anthropic/Python <version>`,
 * @google/genai's `google-genai-sdk/<version> gl-node/<node version>`).
 */
const table: ReadonlyArray<readonly [headers: IncomingHttpHeaders, expected: string | undefined]> = [
  [{ 'user-agent': 'claude-cli/1.0.83 (external, cli)' }, 'Claude Code 1.0.83'],
  [{ 'user-agent': 'claude-cli/2.1.105 (external, sdk-py, agent-sdk/0.1.59)' }, 'Claude Code 2.1.105'],
  [{ 'user-agent': 'claude-code/2.1.45' }, 'Claude Code 2.1.45'],
  [{ 'user-agent': 'Anthropic/JS 0.55.1', 'x-app': 'cli', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' }, 'Claude Code'],
  [{ 'user-agent': 'codex_cli_rs/0.38.0 (Ubuntu 24.04.2 LTS; x86_64) WindowsTerminal', originator: 'codex_cli_rs', version: '0.38.0' }, 'Codex CLI 0.38.0'],
  [{ 'user-agent': 'codex_exec/0.46.0 (Mac OS 15.1.0; arm64) iTerm.app/3.5.10' }, 'Codex CLI 0.46.0'],
  [{ 'user-agent': 'reqwest', originator: 'codex_cli_rs', version: '0.20.0' }, 'Codex CLI 0.20.0'],
  [{ 'user-agent': 'GeminiCLI/0.1.5 (darwin; arm64)', 'x-goog-api-client': 'google-genai-sdk/1.9.0 gl-node/v20.19.0' }, 'Gemini CLI 0.1.5'],
  [{ 'user-agent': 'Cline/3.26.6', 'x-title': 'Cline', 'http-referer': 'https://cline.bot' }, 'Cline 3.26.6'],
  [{ 'user-agent': 'Anthropic/JS 0.37.0', 'x-title': 'Cline', 'http-referer': 'https://cline.bot' }, 'Cline'],
  [{ 'user-agent': 'RooCode/3.25.0', 'x-title': 'Roo Code', 'http-referer': 'https://github.com/RooVetGit/Roo-Cline' }, 'Roo Code 3.25.0'],
  [{ 'user-agent': 'opencode/0.5.1 ai-sdk/provider-utils/3.0.3 runtime/bun/1.2.19' }, 'opencode 0.5.1'],
  [{ 'user-agent': 'OpenAI/JS 5.12.2', 'http-referer': 'https://www.continue.dev/', 'x-title': 'Continue' }, 'Continue'],
  [{ 'user-agent': 'OpenAI/Python 1.99.9', 'http-referer': 'https://aider.chat', 'x-title': 'Aider' }, 'aider'],
  [{ 'user-agent': 'litellm/1.74.9' }, 'LiteLLM 1.74.9'],
  [{ 'user-agent': 'OpenAI/JS 6.3.0', 'x-stainless-lang': 'js', 'x-stainless-package-version': '6.3.0' }, 'OpenAI SDK (JS) 6.3.0'],
  [{ 'user-agent': 'OpenAI/Python 1.99.9' }, 'OpenAI SDK (Python) 1.99.9'],
  [{ 'user-agent': 'AsyncOpenAI/Python 1.40.0' }, 'OpenAI SDK (Python) 1.40.0'],
  [{ 'user-agent': 'Anthropic/JS 0.60.0' }, 'Anthropic SDK (JS) 0.60.0'],
  [{ 'user-agent': 'Anthropic/Python 0.64.0' }, 'Anthropic SDK (Python) 0.64.0'],
  [{ 'user-agent': 'google-genai-sdk/1.30.0 gl-node/v20.19.5', 'x-goog-api-client': 'google-genai-sdk/1.30.0 gl-node/v20.19.5' }, 'Google Gen AI SDK (JS) 1.30.0'],
  [{ 'user-agent': 'google-genai-sdk/1.28.0 gl-python/3.12.4' }, 'Google Gen AI SDK (Python) 1.28.0'],
  [{ 'x-goog-api-client': 'google-genai-sdk/1.30.0 gl-node/v22.3.0' }, 'Google Gen AI SDK (JS) 1.30.0'],
  [{ 'user-agent': 'curl/8.5.0' }, 'curl 8.5.0'],
  [{ 'user-agent': 'python-requests/2.32.3' }, 'Python requests 2.32.3'],
  [{ 'user-agent': 'python-httpx/0.27.2' }, 'Python httpx 0.27.2'],
  [{ 'user-agent': 'node' }, 'Node.js fetch'],
  [{ 'user-agent': 'MyScript/1.2 (linux)' }, 'MyScript 1.2'],
  [{ 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' }, 'Mozilla 5.0'],
  [{}, undefined],
  [{ 'user-agent': '   ' }, undefined],
];

describe('recognizeCallingTool: the tool behind a call, from real agent strings', () => {
  for (const [headers, expected] of table) {
    const agent = headers['user-agent'] ?? '(no user agent)';
    it(`${String(agent)}${headers['x-title'] !== undefined ? ` + X-Title ${String(headers['x-title'])}` : ''} → ${expected ?? 'nothing'}`, () => {
      const tool = recognizeCallingTool(headers);
      assert.equal(tool === undefined ? undefined : describeCallingTool(tool), expected);
    });
  }

  it('keeps the user agent for the record, cut to 200 characters', () => {
    assert.equal(recordedUserAgent({ 'user-agent': ' curl/8.5.0 ' }), 'curl/8.5.0');
    assert.equal(recordedUserAgent({}), undefined);
    const long = recordedUserAgent({ 'user-agent': `x${'y'.repeat(500)}` });
    assert.equal(long?.length, 200);
    assert.ok(long?.endsWith('…'));
  });

  it('answers a repeated agent the same, and still right after many different ones', () => {
    for (let round = 0; round < 3; round++) {
      for (const [headers, expected] of table) {
        const tool = recognizeCallingTool(headers);
        assert.equal(tool === undefined ? undefined : describeCallingTool(tool), expected, String(headers['user-agent']));
      }
      // More agents than the remembered ones: the memory is cleared, never wrong.
      for (let index = 0; index < 100; index++) assert.equal(describeCallingTool(recognizeCallingTool({ 'user-agent': `tool${index}/1.${index}` })!), `tool${index} 1.${index}`);
    }
  });
});
