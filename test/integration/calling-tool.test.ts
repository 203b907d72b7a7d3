import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import { anthropicDriver, geminiDriver, openAiChatDriver, openAiResponsesDriver } from './clients';
import { providerModels, useFake, weatherReply } from './fake-providers';
import { TestProxy } from './harness';

/**
 * Every served call's record names the tool that made it, from what the official SDKs and
 * the coding tools really send, so the panel's Tool column can answer "who called?".
 */
function installedVersion(name: string): string {
  const manifest = path.resolve(__dirname, '../../node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

describe('the calling tool is recorded', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => useFake(config, fake));
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  const cases = [
    { name: 'the OpenAI SDK (Chat)', driver: openAiChatDriver, model: providerModels['openai-chat'], tool: 'OpenAI SDK (JS)', version: () => installedVersion('openai') },
    { name: 'the OpenAI SDK (Responses)', driver: openAiResponsesDriver, model: providerModels['openai-responses'], tool: 'OpenAI SDK (JS)', version: () => installedVersion('openai') },
    { name: 'the Anthropic SDK', driver: anthropicDriver, model: providerModels.anthropic, tool: 'Anthropic SDK (JS)', version: () => installedVersion('@anthropic-ai/sdk') },
    { name: 'the Google Gen AI SDK', driver: geminiDriver, model: providerModels.gemini, tool: 'Google Gen AI SDK (JS)', version: () => installedVersion('@google/genai') },
  ];
  for (const { name, driver, model, tool, version } of cases) {
    it(`${name}: ${tool} with its version and user agent`, async () => {
      const count = proxy.records.length + 1;
      await driver(proxy.url).askWeather(model, false);
      const record = await proxy.record(count);
      assert.equal(record.status, 200);
      assert.equal(record.tool, tool);
      assert.equal(record.toolVersion, version());
      assert.ok(record.userAgent !== undefined && record.userAgent.length > 0);
    });
  }

  it('a Claude-Code-shaped request: Claude Code, its version, and the agent kept in the record and the log', async () => {
    const count = proxy.records.length + 1;
    const response = await fetch(`${proxy.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'claude-cli/2.1.105 (external, cli)',
        'x-app': 'cli',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
        'x-api-key': 'client-key',
      },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] }),
    });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    const record = await proxy.record(count);
    assert.equal(record.tool, 'Claude Code');
    assert.equal(record.toolVersion, '2.1.105');
    assert.equal(record.userAgent, 'claude-cli/2.1.105 (external, cli)');
    // The field survives the request log's round trip (it is kept in the `extra` column).
    await proxy.store.flush();
    const stored = await proxy.store.get(record.id);
    assert.equal(stored?.tool, 'Claude Code');
    assert.equal(stored?.toolVersion, '2.1.105');
  });
});
