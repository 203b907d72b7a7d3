import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy, controlToken } from './harness';
import type { Judgement } from '../../proxy/evaluation/split-judge';

describe('split routes with a judge', () => {
  let armA: FakeUpstream;
  let armB: FakeUpstream;
  let judge: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    [armA, armB, judge] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), FakeUpstream.start()]);
    armA.reply((request) => (request.json?.stream ? { chunks: chatCompletionChunks({ model: 'arm-a', text: 'Paris.', usage: { prompt: 10, completion: 2 } }) } : { json: chatCompletionJson({ model: 'arm-a', text: 'Paris.', usage: { prompt: 10, completion: 2 } }) }));
    armB.reply(() => ({ json: chatCompletionJson({ model: 'arm-b', text: 'I think it might be Lyon.', usage: { prompt: 10, completion: 7 } }) }));
    judge.reply((request) => {
      // The judge sees both answers in a random order: point at whichever says Paris.
      const prompt = request.raw.toString('utf8');
      const parisFirst = prompt.indexOf('Paris.') < prompt.indexOf('Lyon');
      return { json: anthropicMessageJson({ model: 'claude-haiku-4-5', text: `{"winner":"${parisFirst ? 'A' : 'B'}","reason":"Paris is the capital."}`, stopReason: 'end_turn', usage: { input: 200, output: 15 } }) };
    });
    proxy = await TestProxy.start((config) => {
      config.providers.alpha = { type: 'openai-compatible', baseUrl: armA.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.beta = { type: 'openai-compatible', baseUrl: armB.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
      config.providers.anthropic = { baseUrl: judge.url('') };
      config.routes.trial = {
        strategy: 'split',
        targets: ['alpha/arm-a', 'beta/arm-b'],
        weights: [1, 0],
        judge: { model: 'anthropic/claude-haiku-4-5', sample: 1 },
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 },
        timeouts: { connectMs: 5000, idleMs: 5000 },
      };
    });
  });
  after(async () => {
    await proxy.close();
    await Promise.all([armA.close(), armB.close(), judge.close()]);
  });

  it('serves one arm, shadow-calls the other off the request path, and records the verdict per arm', async () => {
    const judgements: Judgement[] = [];
    proxy.runtime.events.on('judgement', (judgement) => judgements.push(judgement));
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'trial', stream: true, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Paris.');
    const record = await proxy.record(1);
    assert.equal(record.decision?.strategy, 'split');
    assert.equal(record.decision?.winner, 'alpha/arm-a');
    assert.match(record.decision?.candidates[0]?.reason ?? '', /weight 1\/1/);

    for (let wait = 0; wait < 100 && judgements.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(judgements.length, 1, 'a judgement event arrives');
    assert.equal(judgements[0]!.served, 'alpha/arm-a');
    assert.equal(judgements[0]!.shadow, 'beta/arm-b');
    assert.equal(judgements[0]!.winner, 'alpha/arm-a');
    assert.equal(armB.requests.length, 1, 'the other arm got exactly one shadow call');
    assert.equal(armB.last.json.stream, undefined, 'the shadow call is not streamed');
    assert.equal(judge.last.url, '/v1/messages');

    const response = await fetch(`${proxy.url}/_switchyard/splits`, { headers: { authorization: `Bearer ${controlToken}` } });
    const { routes } = (await response.json()) as { routes: Array<{ route: string; judged: number; arms: Array<{ target: string; requests: number; wins: number; winRate: number | null }> }> };
    const trial = routes.find((route) => route.route === 'trial')!;
    assert.equal(trial.judged, 1);
    const served = trial.arms.find((arm) => arm.target === 'alpha/arm-a')!;
    assert.equal(served.requests, 1);
    assert.equal(served.wins, 1);
    assert.equal(served.winRate, 1);
  });
});
