import assert from 'node:assert/strict';
import { parseConfig } from '../../proxy/config/load-config';
import { createRoutingState } from '../../proxy/pipeline/create-runtime';
import { TestProxy } from './harness';
import { chat, closeFakes, messages, resetFakes, routingEnv, startFakes, targets, useFakes, type Fakes } from './routing-providers';

/**
 * The config's `disabledModels` (refused in the client's own error shape, skipped by routes)
 * and `defaultRoute` (taken by requests no rule, route name or alias claimed).
 */
/** Sends a call that is refused before any attempt and reads the error. */
async function refused(proxy: TestProxy, path: '/v1/chat/completions' | '/v1/messages', model: string): Promise<{ status: number; json: any }> {
  const body = { model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] };
  const response = await fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe('routing: disabled models and the default route', () => {
  let fakes: Fakes;
  let proxy: TestProxy;

  /** Puts a config in force as a reload would, with every provider on its fake. */
  function useConfig(json: Record<string, unknown>): void {
    const config = parseConfig(json);
    useFakes(config, fakes);
    proxy.runtime.replaceRouting(createRoutingState(config, routingEnv));
  }

  before(async () => {
    fakes = await startFakes();
    proxy = await TestProxy.start((config) => useFakes(config, fakes), routingEnv);
  });
  beforeEach(() => resetFakes(fakes));
  after(async () => {
    await proxy.close();
    await closeFakes(fakes);
  });

  describe('disabledModels', () => {
    it('refuses a disabled model in the OpenAI shape, naming the command and the config field, without calling it', async () => {
      useConfig({ disabledModels: ['groq/*'] });
      const sent = await refused(proxy, '/v1/chat/completions', targets.groq);
      assert.equal(sent.status, 403);
      assert.equal(sent.json.error.type, 'permission_error');
      assert.equal(sent.json.error.param, 'model');
      assert.match(sent.json.error.message, /The model groq\/llama-3\.3-70b-versatile is disabled in Switchyard\. Enable it with the VS Code command "Switchyard: Toggle Models", or remove it from "disabledModels"/);
      assert.equal(fakes.groq.requests.length, 0);
    });

    it('refuses in the Anthropic shape too, and matches the model however the client named it', async () => {
      useConfig({ disabledModels: ['anthropic/claude-sonnet-4-*'], aliases: { sonnet: 'anthropic/claude-sonnet-4-6' } });
      for (const name of ['claude-sonnet-4-6', 'sonnet', targets.anthropic]) {
        const sent = await refused(proxy, '/v1/messages', name);
        assert.equal(sent.status, 403, name);
        assert.equal(sent.json.type, 'error');
        assert.equal(sent.json.error.type, 'permission_error');
        assert.match(sent.json.error.message, /Switchyard: Toggle Models/);
      }
      assert.equal(fakes.anthropic.requests.length, 0);
      // A model the glob does not cover still goes through.
      assert.equal((await messages(proxy, 'anthropic/claude-haiku-4-5')).status, 200);
    });

    it('leaves disabled models out of GET /v1/models', async () => {
      const list = async (): Promise<string[]> => {
        const response = await fetch(`${proxy.url}/v1/models`);
        return ((await response.json()) as { data: Array<{ id: string }> }).data.map((entry) => entry.id);
      };
      useConfig({});
      assert.ok((await list()).includes('gpt-4o-mini'));
      useConfig({ disabledModels: ['openai/gpt-4o*'] });
      const listed = await list();
      assert.ok(!listed.includes('gpt-4o-mini') && !listed.includes('gpt-4o'));
      assert.ok(listed.includes('gpt-4.1'));
    });

    it('a route skips disabled targets with the reason `disabled`', async () => {
      useConfig({ disabledModels: [targets.groq], routes: { smart: { strategy: 'fallback', targets: [targets.groq, targets.cerebras] } } });
      const sent = await chat(proxy, 'smart');
      assert.equal(sent.status, 200);
      assert.equal(sent.headers.get('x-switchyard-provider'), 'cerebras');
      assert.equal(fakes.groq.requests.length, 0);
      assert.deepEqual(sent.record.decision?.candidates, [
        { target: targets.cerebras, outcome: 'tried', reason: 'fallback' },
        { target: targets.groq, outcome: 'skipped', reason: 'disabled' },
      ]);
    });

    it('refuses a route whose every target is disabled', async () => {
      useConfig({ disabledModels: ['groq/*', 'cerebras/*'], routes: { smart: { strategy: 'fallback', targets: [targets.groq, targets.cerebras] } } });
      const sent = await refused(proxy, '/v1/chat/completions', 'smart');
      assert.equal(sent.status, 403);
      assert.match(sent.json.error.message, /Every target of route 'smart' \(groq\/llama-3\.3-70b-versatile, cerebras\/llama3\.1-8b\) is disabled/);
    });
  });

  describe('defaultRoute', () => {
    const routes = {
      smart: { strategy: 'fallback', targets: [targets.cerebras, targets.groq] },
      other: { strategy: 'fallback', targets: [targets.openai] },
    };

    it('takes a request no rule matched, recording via default-route', async () => {
      useConfig({ routes, defaultRoute: 'smart' });
      const sent = await chat(proxy, 'gpt-4o');
      assert.equal(sent.status, 200);
      assert.equal(sent.headers.get('x-switchyard-provider'), 'cerebras');
      assert.equal(sent.record.requestedModel, 'gpt-4o');
      assert.equal(sent.record.decision?.via, 'default-route');
      assert.equal(sent.record.decision?.route, 'smart');
      assert.equal(sent.record.decision?.strategy, 'fallback');
      // Even a provider/model the client addressed: the user chose where everything unclaimed goes.
      assert.equal((await chat(proxy, targets.groq)).record.decision?.via, 'default-route');
    });

    it('leaves alone requests that name a route or alias, send x-switchyard-route, or match a rule', async () => {
      useConfig({ routes, defaultRoute: 'smart', aliases: { fast: targets.groq }, rules: [{ name: 'claude', match: { model: 'claude-*' }, route: 'other' }] });
      const byRoute = await chat(proxy, 'other');
      assert.equal(byRoute.record.decision?.via, 'model');
      assert.equal(byRoute.headers.get('x-switchyard-provider'), 'openai');
      const byAlias = await chat(proxy, 'fast');
      assert.equal(byAlias.record.decision?.via, 'direct');
      assert.equal(byAlias.headers.get('x-switchyard-provider'), 'groq');
      const byHeader = await chat(proxy, 'gpt-4o', {}, { 'x-switchyard-route': 'other' });
      assert.equal(byHeader.record.decision?.via, 'header');
      const byRule = await messages(proxy, 'claude-sonnet-4-6');
      assert.equal(byRule.record.decision?.via, 'rule');
      assert.equal(byRule.record.decision?.route, 'other');
    });

    it('may name a provider/model or an alias', async () => {
      useConfig({ defaultRoute: targets.groq });
      const direct = await chat(proxy, 'some-model');
      assert.equal(direct.status, 200);
      assert.equal(direct.headers.get('x-switchyard-provider'), 'groq');
      assert.equal(direct.record.decision?.via, 'default-route');
      assert.deepEqual(direct.record.decision?.candidates.map((candidate) => candidate.reason), ['default-route names it']);

      useConfig({ defaultRoute: 'fast', aliases: { fast: targets.cerebras } });
      const aliased = await chat(proxy, 'some-model');
      assert.equal(aliased.headers.get('x-switchyard-provider'), 'cerebras');
      assert.equal(aliased.record.decision?.via, 'default-route');
    });

    it('and a disabled default target is refused like any other', async () => {
      useConfig({ defaultRoute: targets.groq, disabledModels: [targets.groq] });
      const sent = await refused(proxy, '/v1/chat/completions', 'gpt-4o');
      assert.equal(sent.status, 403);
      assert.match(sent.json.error.message, /groq\/llama-3\.3-70b-versatile is disabled/);
    });
  });
});
