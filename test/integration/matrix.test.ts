import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy, assertNoKeys, testKeys } from './harness';
import { apiOfRequest, providerModels, useFake, weather, weatherReply, type ProviderApiName } from './fake-providers';
import { anthropicDriver, geminiDriver, openAiChatDriver, openAiResponsesDriver, type ClientDriver } from './clients';

const drivers: Array<(url: string) => ClientDriver> = [openAiChatDriver, openAiResponsesDriver, anthropicDriver, geminiDriver];
const nativeApi: Record<string, ProviderApiName> = {
  'openai-chat': 'openai-chat',
  'openai-responses': 'openai-responses',
  'anthropic-messages': 'anthropic',
  gemini: 'gemini',
};
const expectedAuth: Record<ProviderApiName, [string, string]> = {
  'openai-chat': ['authorization', `Bearer ${testKeys.GROQ_API_KEY}`],
  'openai-responses': ['authorization', `Bearer ${testKeys.OPENAI_API_KEY}`],
  anthropic: ['x-api-key', testKeys.ANTHROPIC_API_KEY],
  gemini: ['x-goog-api-key', testKeys.GEMINI_API_KEY],
};

describe('every client SDK × every provider API, through the proxy (weather tool round trip)', () => {
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

  for (const makeDriver of drivers) {
    const format = makeDriver('http://x').format;
    for (const api of Object.keys(providerModels) as ProviderApiName[]) {
      for (const stream of [false, true]) {
        const path = nativeApi[format] === api ? 'passthrough' : 'translated';
        it(`${format} → ${api}, ${stream ? 'streaming' : 'not streaming'} (${path})`, async () => {
          const driver = makeDriver(proxy.url);
          const model = providerModels[api];
          const before = fake.requests.length;

          const first = await driver.askWeather(model, stream);
          assert.ok(first.toolCall, 'the client saw no tool call');
          assert.equal(first.toolCall.name, 'get_weather');
          assert.deepEqual(first.toolCall.args, { city: weather.city });
          const upstream = fake.requests[before]!;
          assert.equal(apiOfRequest(upstream), api, `went to ${upstream.url}`);
          const [header, value] = expectedAuth[api];
          assert.equal(upstream.headers[header], value);
          assertNoKeys(JSON.stringify(first));

          const second = await driver.sendResult(model, stream, first.toolCall);
          assert.equal(second.text, weather.answer);
          assert.equal(second.toolCall, undefined);
          const resultRequest = fake.requests[before + 1]!.raw.toString('utf8');
          assert.ok(resultRequest.includes('sunny'), 'the tool result did not reach the provider');
          assert.equal(second.inputTokens, weather.usage.input);
          assert.equal(second.outputTokens, weather.usage.output);

          const record = await proxy.record(before + 2);
          assert.equal(record.clientFormat, format);
          assert.equal(record.passthrough, path === 'passthrough');
          assert.equal(record.stream, stream);
          assert.equal(record.status, 200);
          assert.equal(record.inputTokens, weather.usage.input);
          assert.equal(record.outputTokens, weather.usage.output);
          assert.equal(record.cacheReadTokens, weather.usage.cached);
          assert.equal(record.error, undefined);
          assertNoKeys(JSON.stringify(record));
        });
      }
    }
  }
});
