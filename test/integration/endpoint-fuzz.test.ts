import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import { seededRandom } from '../unit/providers/wire-fuzz';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';
import { modelEndpoints, rawPost } from './model-endpoints';

/**
 * A seeded fuzz over every model endpoint with hostile model names, header values and routes:
 * whatever a client sends, Switchyard answers without a 5xx of its own, writes no header it
 * did not mean to, and sends nothing anywhere but the documented provider paths.
 */

const rounds = Number(process.env.FUZZ_ROUNDS_ENDPOINTS ?? 400);
const seed = Number(process.env.FUZZ_SEED ?? 15);

/** Characters that break headers, URLs and paths, with ordinary ones so names also look real. */
const alphabet = ['a', 'b', 'z', '0', '9', '-', '_', '.', '/', ':', '@', '?', '#', '%', '%2F', '%0D%0A', '..', '../', ' ', '\r', '\n', '\r\nx-injected: 1', '\u0000', '\t', '"', '\\', 'é', 'ß', '模型', '\u2028', '\ud800', '😀', '*'];
const prefixes = ['', 'groq/', 'openai/', 'anthropic/', 'gemini/', 'nowhere/', 'gemini/models/', 'fast', 'smart'];
const headerAlphabet = ['a', 'Z', '0', '-', ' ', '/', '*', '?', '%0A', '\u00e9', '\u00ff', ';', ',', '"', "'", '{', '}'];

/** The only paths a provider may be asked for: the documented endpoints, the model as one clean segment. */
const allowedUpstreamPath = /^\/v1\/(chat\/completions|responses|responses\/input_tokens|messages|messages\/count_tokens|embeddings)$|^\/v1beta\/models\/[A-Za-z0-9][A-Za-z0-9._-]*:(generateContent|streamGenerateContent\?alt=sse|countTokens|batchEmbedContents)$/;

describe('fuzzing every model endpoint with hostile model names, headers and routes (seeded)', function () {
  this.timeout(120_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.aliases.fast = 'groq/llama-3.3-70b-versatile';
      config.routes.smart = { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-6', 'gemini/gemini-2.5-flash'], retry: { ...config.retry, attempts: 1 }, timeouts: { connectMs: 10_000, idleMs: 10_000 } };
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  /** What is wrong with how the proxy handled one request, as sentences (none when all is well). */
  async function problemsWith(endpointName: string, model: string, stream: boolean, headers: Record<string, string>): Promise<string[]> {
    const endpoint = modelEndpoints.find((entry) => entry.name === endpointName)!;
    const { path: requestPath, body } = endpoint.request(model, stream);
    const before = fake.requests.length;
    const where = `${endpoint.name}${stream ? ' (streamed)' : ''} model ${JSON.stringify(model)} headers ${JSON.stringify(headers)}`;
    let answer;
    try {
      answer = await rawPost(proxy.url, requestPath, body, headers);
    } catch (error) {
      return [`${where}: ${(error as Error).message}`];
    }
    const problems: string[] = [];
    if (answer.status >= 500) problems.push(`${where} → ${answer.status} ${answer.text.slice(0, 300)}`);
    if (answer.headers['x-injected'] !== undefined) problems.push(`${where} → an injected header`);
    for (const value of Object.values(answer.headers)) {
      for (const text of [value].flat()) if (typeof text === 'string' && /[\r\n\0]/.test(text)) problems.push(`${where} → a header value with CR, LF or NUL`);
    }
    for (const sent of fake.requests.slice(before)) {
      if (!allowedUpstreamPath.test(sent.url)) problems.push(`${where} → the provider was asked for ${sent.url}`);
    }
    return problems;
  }

  it('replays the regression corpus (inputs that once failed)', async () => {
    const corpus = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/fuzz/endpoint-regressions.json'), 'utf8')) as Array<{ endpoint: string; model: string; stream: boolean; headers: Record<string, string> }>;
    const problems: string[] = [];
    for (const entry of corpus) problems.push(...(await problemsWith(entry.endpoint, entry.model, entry.stream, entry.headers)));
    assert.deepEqual(problems, []);
  });

  it(`${rounds} requests: no 5xx of Switchyard's own, no injected header, no steered upstream URL`, async () => {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const word = (letters: readonly string[], most: number): string => Array.from({ length: Math.floor(random() * most) }, () => pick(letters)).join('');
    const problems: string[] = [];
    for (let round = 0; round < rounds && problems.length < 5; round++) {
      const endpoint = pick(modelEndpoints);
      const model = random() < 0.2 ? pick(prefixes) : pick(prefixes) + word(alphabet, 8);
      const stream = random() < 0.5;
      const headers: Record<string, string> = {};
      if (random() < 0.3) headers['x-switchyard-route'] = random() < 0.5 ? pick(['fast', 'smart', 'groq/llama-3.3-70b-versatile', 'nowhere']) : word(headerAlphabet, 12) || 'x';
      if (random() < 0.2) headers['anthropic-beta'] = word(headerAlphabet, 20) || 'x';
      if (random() < 0.2) headers['anthropic-version'] = word(headerAlphabet, 12) || 'x';
      problems.push(...(await problemsWith(endpoint.name, model, stream, headers)));
    }
    assert.deepEqual(problems, []);
  });
});
