import assert from 'node:assert/strict';
import { FakeUpstream } from '../fakes/fake-upstream';
import { TestProxy } from './harness';
import { useFake, weatherReply } from './fake-providers';
import { modelEndpoints, rawPost } from './model-endpoints';

/**
 * Costs the hot path must not pay, counted rather than timed (speed itself is the benchmark's:
 * docs/benchmark.md). Node 20's AbortSignal costs ~8 µs of CPU each; a passthrough call made
 * three of them (the call's, the executor's, the attempt's) before `CallAbortController`.
 */
describe('hot path: what a passthrough call does not pay for', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let proxy: TestProxy;
  const signalGetter = Object.getOwnPropertyDescriptor(AbortController.prototype, 'signal')!;
  let signalsMade = 0;

  before(async () => {
    fake = await FakeUpstream.start();
    proxy = await TestProxy.start((config) => useFake(config, fake));
    Object.defineProperty(AbortController.prototype, 'signal', {
      ...signalGetter,
      get(this: AbortController) {
        signalsMade++;
        return signalGetter.get!.call(this);
      },
    });
  });
  after(async () => {
    Object.defineProperty(AbortController.prototype, 'signal', signalGetter);
    await proxy.close();
    await fake.close();
  });
  beforeEach(() => fake.reply(weatherReply));

  const cases = [
    { endpoint: 'chat', model: 'openai/gpt-4o-mini' },
    { endpoint: 'messages', model: 'anthropic/claude-sonnet-4-6' },
  ];
  for (const { endpoint, model } of cases) {
    for (const stream of [false, true]) {
      it(`${endpoint} → its own provider, ${stream ? 'streamed' : 'whole'}: no Node AbortSignal is made`, async () => {
        const { path, body } = modelEndpoints.find((candidate) => candidate.name === endpoint)!.request(model, stream);
        // Warmed up first: anything made once per process (a pool, a timer) is not the call's.
        const recorded = proxy.records.length;
        assert.equal((await rawPost(proxy.url, path, body)).status, 200);
        await proxy.record(recorded + 1);
        signalsMade = 0;
        const answer = await rawPost(proxy.url, path, body);
        assert.equal(answer.status, 200, answer.text);
        await proxy.record(recorded + 2);
        assert.equal(signalsMade, 0, 'AbortSignals made while serving one call');
      });
    }
  }
});
