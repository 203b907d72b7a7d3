import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';
import { modelEndpoints, rawPost } from './model-endpoints';

const messages = [{ role: 'user', content: 'hi' }];

describe('hostile model names: refused before anything is spent, never in a header or URL', () => {
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

  const hostileNames = ['bad\r\nx-injected: 1', 'nul\u0000name', 'non-latin-模型', 'latin-\u00e9', 'sp ace'];
  // Passthrough for chat, responses, messages and gemini clients; translated for the others.
  const prefixes = ['groq/', 'openai/', 'anthropic/', 'gemini/', ''];

  for (const endpoint of modelEndpoints) {
    for (const stream of endpoint.name === 'count_tokens' || endpoint.name === 'embeddings' ? [false] : [false, true]) {
      it(`${endpoint.name}${stream ? ' (streamed)' : ''}: 400 naming 'model', no upstream call, no injected header`, async () => {
        for (const prefix of prefixes) {
          for (const name of hostileNames) {
            const model = prefix + name;
            const before = fake.requests.length;
            const { path, body } = endpoint.request(model, stream);
            const answer = await rawPost(proxy.url, path, body);
            assert.equal(answer.status, 400, `${JSON.stringify(model)} → ${answer.status} ${answer.text}`);
            assert.match(answer.text, /'model'/, answer.text);
            assert.equal(answer.headers['x-injected'], undefined);
            assert.equal(fake.requests.length, before, `${JSON.stringify(model)} reached the provider`);
          }
        }
      });
    }
  }

  it('a Gemini model name cannot steer the provider URL (../, ?, #), from any client', async () => {
    const steering = ['gemini/x/../escape', 'gemini/models/x?key=1&', 'gemini/cached#', 'gemini/..', 'gemini/a:b'];
    for (const model of steering) {
      for (const endpoint of modelEndpoints) {
        const before = fake.requests.length;
        const { path, body } = endpoint.request(model, false);
        const answer = await rawPost(proxy.url, path, body);
        // Refused, or (a token count for a target that cannot count) estimated without a call.
        assert.ok(answer.status === 400 || (endpoint.name === 'count_tokens' && answer.status === 200), `${endpoint.name} ${model} → ${answer.status} ${answer.text}`);
        assert.equal(fake.requests.length, before, `${endpoint.name} ${model} reached ${fake.requests.at(-1)?.url}`);
      }
    }
    // A real model id still goes where it should.
    const answer = await rawPost(proxy.url, '/v1/chat/completions', { model: 'gemini/gemini-2.5-flash', messages });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(fake.last.url, '/v1beta/models/gemini-2.5-flash:generateContent');
  });
});
