import assert from 'node:assert/strict';
import type { KnownModel, LifecycleResponse, ModelsResponse } from '../../proxy/control/protocol';
import { parseConfig } from '../../proxy/config/load-config';
import { control, EventStream } from './control-client';
import { testKeys, TestProxy } from './harness';

/** `GET /models` for "Toggle Models" and "Choose Default Route", and the proxy's lifecycle. */

function model(body: ModelsResponse, id: string): KnownModel | undefined {
  return body.models.find((entry) => entry.id === id);
}

describe('control API: models', () => {
  let proxy: TestProxy;

  before(async () => {
    proxy = await TestProxy.start((config) =>
      Object.assign(
        config,
        parseConfig({
          providers: { local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8080/v1', models: ['qwen-coder', 'llama-local'] } },
          aliases: { quick: 'cerebras/llama3.1-8b', sonnet: 'anthropic/claude-sonnet-4-6' },
          routes: { smart: { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-6', 'mistral/mistral-large-latest', 'quick'] } },
          disabledModels: ['openai/gpt-4o*', 'local/llama-*'],
          defaultRoute: 'smart',
          prices: { 'local/qwen-coder': { input: 0.5, output: 1.5 } },
        }),
      ),
    );
  });
  after(() => proxy.close());

  it('lists configured models, priced price-table models of providers with a key, and route and alias targets', async () => {
    const answer = await control(proxy, 'GET', '/models');
    assert.equal(answer.status, 200);
    const body = answer.json as ModelsResponse;
    // Configured models, with a price override where the config has one.
    assert.deepEqual(model(body, 'local/qwen-coder'), { id: 'local/qwen-coder', provider: 'local', disabled: false, keyed: true, inputPrice: 0.5, outputPrice: 1.5 });
    assert.deepEqual(model(body, 'local/llama-local'), { id: 'local/llama-local', provider: 'local', disabled: true, keyed: true });
    // OpenAI has a key: the price table's models, priced per million tokens.
    const gpt4o = model(body, 'openai/gpt-4o');
    assert.ok(gpt4o, 'openai/gpt-4o from the price table');
    assert.equal(gpt4o.disabled, true);
    assert.equal(gpt4o.inputPrice, 2.5);
    assert.equal(gpt4o.outputPrice, 10);
    assert.equal(model(body, 'openai/gpt-4.1')?.disabled, false);
    assert.ok(model(body, 'anthropic/claude-sonnet-4-5'), 'Anthropic has a key in the tests');
    // Mistral and Cerebras have no key: only their route and alias targets are listed.
    assert.deepEqual(body.models.filter((entry) => entry.provider === 'mistral').map((entry) => entry.id), ['mistral/mistral-large-latest']);
    assert.deepEqual(body.models.filter((entry) => entry.provider === 'cerebras').map((entry) => entry.id), ['cerebras/llama3.1-8b']);
    assert.equal(new Set(body.models.map((entry) => entry.id)).size, body.models.length, 'each model once');
    assert.deepEqual(body.routes, ['smart', 'quick', 'sonnet']);
    assert.equal(body.defaultRoute, 'smart');
  });

  it('?all=1 adds the price table\'s models of providers without a key, marked so ("Show all")', async () => {
    const body = (await control(proxy, 'GET', '/models?all=1')).json as ModelsResponse;
    const mistral = body.models.filter((entry) => entry.provider === 'mistral');
    assert.ok(mistral.length > 1, 'mistral\'s price-table models');
    assert.equal(model(body, 'mistral/mistral-large-latest')?.keyed, true, 'a route target counts as chosen');
    assert.ok(mistral.some((entry) => entry.keyed === false));
    assert.equal(model(body, 'openai/gpt-4.1')?.keyed, true);
  });

  it('follows a key set over the control API', async () => {
    const before = (await control(proxy, 'GET', '/models')).json as ModelsResponse;
    assert.equal(model(before, 'mistral/mistral-small-latest'), undefined);
    await control(proxy, 'PUT', '/providers/mistral/key', { apiKey: 'mistral-key-for-models-0042' });
    const after = (await control(proxy, 'GET', '/models')).json as ModelsResponse;
    assert.ok(model(after, 'mistral/mistral-small-latest'));
    await control(proxy, 'DELETE', '/providers/mistral/key');
  });

  it('needs the token', async () => {
    assert.equal((await control(proxy, 'GET', '/models', undefined, {})).status, 401);
  });
});

describe('control API: lifecycle', () => {
  const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

  it('counts /events?attach=1 subscribers as attached windows; plain subscribers are not', async () => {
    const proxy = await TestProxy.start(undefined, { ...testKeys }, {}, { graceMs: 60_000 });
    try {
      const plain = await EventStream.open(proxy);
      const window = await EventStream.open(proxy, '?attach=1');
      const state = await control(proxy, 'PUT', '/lifecycle', { stopWhenDetached: false });
      assert.deepEqual(state.json as LifecycleResponse, { stopWhenDetached: false, attachedClients: 1 });
      window.close();
      plain.close();
      for (let attempt = 0; attempt < 40 && proxy.control.lifecycle.attachedClients > 0; attempt++) await sleep(25);
      assert.equal(proxy.control.lifecycle.attachedClients, 0);
    } finally {
      await proxy.close();
    }
  });

  it('stops the proxy once the last window left, when asked to', async () => {
    let stops = 0;
    const proxy = await TestProxy.start(undefined, { ...testKeys }, {}, { graceMs: 80, shutdown: () => (stops += 1) });
    try {
      const window = await EventStream.open(proxy, '?attach=1');
      const on = await control(proxy, 'PUT', '/lifecycle', { stopWhenDetached: true });
      assert.deepEqual(on.json, { stopWhenDetached: true, attachedClients: 1 });
      await sleep(150);
      assert.equal(stops, 0, 'a window is attached');
      window.close();
      for (let attempt = 0; attempt < 40 && stops === 0; attempt++) await sleep(25);
      assert.equal(stops, 1);
    } finally {
      await proxy.close();
    }
  });

  it('PUT /lifecycle refuses anything but a boolean', async () => {
    const proxy = await TestProxy.start();
    try {
      for (const body of [{}, { stopWhenDetached: 'yes' }, 'nope']) {
        const answer = await control(proxy, 'PUT', '/lifecycle', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
      assert.equal(proxy.control.lifecycle.stopWhenDetached, false);
      assert.equal((await control(proxy, 'PUT', '/lifecycle', { stopWhenDetached: true }, {})).status, 401);
    } finally {
      await proxy.close();
    }
  });

  it('POST /shutdown answers 202, then stops', async () => {
    let stops = 0;
    const proxy = await TestProxy.start(undefined, { ...testKeys }, {}, { shutdown: () => (stops += 1) });
    try {
      assert.equal((await control(proxy, 'POST', '/shutdown', undefined, {})).status, 401);
      assert.equal(stops, 0);
      const answer = await control(proxy, 'POST', '/shutdown');
      assert.equal(answer.status, 202);
      for (let attempt = 0; attempt < 40 && stops === 0; attempt++) await sleep(10);
      assert.equal(stops, 1);
    } finally {
      await proxy.close();
    }
  });
});
