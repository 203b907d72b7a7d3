import assert from 'node:assert/strict';
import http from 'node:http';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';

/** A raw request, so that nothing between the test and the proxy cleans the model name up. */
export function rawPost(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const { port } = new URL(url);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: 'localhost', 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const messages = [{ role: 'user', content: 'hi' }];

/** Every model endpoint, each as a path and body naming `model`. */
export const modelEndpoints: Array<{ name: string; request: (model: string, stream: boolean) => { path: string; body: unknown } }> = [
  { name: 'chat', request: (model, stream) => ({ path: '/v1/chat/completions', body: { model, stream, messages } }) },
  { name: 'responses', request: (model, stream) => ({ path: '/v1/responses', body: { model, stream, input: 'hi' } }) },
  { name: 'messages', request: (model, stream) => ({ path: '/v1/messages', body: { model, stream, max_tokens: 16, messages } }) },
  { name: 'count_tokens', request: (model) => ({ path: '/v1/messages/count_tokens', body: { model, messages } }) },
  { name: 'embeddings', request: (model) => ({ path: '/v1/embeddings', body: { model, input: 'hi' } }) },
  {
    name: 'gemini',
    request: (model, stream) => ({
      path: `/v1beta/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    }),
  },
];

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
