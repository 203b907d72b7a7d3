import assert from 'node:assert/strict';
import { defaultConfig } from '../../../proxy/config/config';
import { parseConfigText } from '../../../proxy/config/load-config';
import { ProxyError } from '../../../proxy/core/errors';
import type { CallPolicy } from '../../../proxy/call/call-policy';
import { arrive, type RequestContext } from '../../../proxy/call/request-context';
import { ProxyEvents } from '../../../proxy/events/proxy-events';
import { admit, type Admitted } from '../../../proxy/pipeline/admit';
import { createRuntime } from '../../../proxy/pipeline/create-runtime';
import { createContext } from '../../../proxy/pipeline/endpoint';
import { planCall, type RoutePlan } from '../../../proxy/pipeline/plan';
import type { ProxyRuntime } from '../../../proxy/pipeline/runtime';
import { StorageUnavailableError } from '../../../proxy/store/storage-unavailable';

const env = { GROQ_API_KEY: 'gsk-test-0001', CEREBRAS_API_KEY: 'csk-test-0002' };

function runtimeWith(json: Record<string, unknown>): ProxyRuntime {
  const config = Object.keys(json).length === 0 ? defaultConfig() : parseConfigText(JSON.stringify(json), 'test.json');
  return createRuntime({ config, env, store: undefined, events: new ProxyEvents(), log: () => {} });
}

function contextFor(model: string): RequestContext {
  const body = { model, messages: [{ role: 'user', content: 'hi' }] };
  const identity = arrive({ format: 'openai-chat', operation: 'generate', endpoint: '/v1/chat/completions', principal: undefined });
  return createContext(identity, { requestedModel: model, stream: false, headers: {}, query: '', raw: Buffer.from(JSON.stringify(body)), body: () => body, signal: new AbortController().signal, decode: () => ({ model, messages: [], stream: false }) });
}

function plan(runtime: ProxyRuntime, context: RequestContext): RoutePlan {
  const planned = planCall(runtime, context);
  assert.ok('plan' in planned, 'the call is planned');
  return planned.plan;
}

const route = { routes: { smart: { strategy: 'fallback', targets: ['groq/llama-3.3-70b-versatile', 'cerebras/llama-3.3-70b', 'mistral/mistral-large-latest'] } } };

describe('the admit stage: call policies and keys', () => {
  it('asks each policy about each candidate by its resolved provider/model and keeps the rest in order', () => {
    const runtime = runtimeWith(route);
    const context = contextFor('smart');
    const asked: string[] = [];
    const noGroq: CallPolicy = { name: 'no-groq', skipTarget: (_context, target) => (asked.push(target.label), target.provider === 'groq' ? 'not for this team' : undefined) };
    const admitted = admit([noGroq], context, plan(runtime, context));
    assert.ok(!(admitted instanceof Promise), 'no async policy, no promise');
    assert.ok('plan' in admitted);
    assert.deepEqual(admitted.plan.targets.map((target) => target.label), ['cerebras/llama-3.3-70b']);
    assert.deepEqual(asked, ['groq/llama-3.3-70b-versatile', 'cerebras/llama-3.3-70b', 'mistral/mistral-large-latest']);
    assert.deepEqual(
      admitted.plan.decision.candidates.map((entry) => [entry.target, entry.outcome, entry.reason]),
      [
        ['cerebras/llama-3.3-70b', 'unused', 'fallback'],
        ['groq/llama-3.3-70b-versatile', 'skipped', 'not for this team'],
        ['mistral/mistral-large-latest', 'skipped', 'no API key for mistral'],
      ],
    );
  });

  it('refuses with the policy’s own refusal when that policy passed over every candidate', () => {
    const runtime = runtimeWith(route);
    const context = contextFor('smart');
    const nothing: CallPolicy = {
      name: 'nothing',
      skipTarget: () => 'over budget',
      refusal: (_context, skipped, routeName) => new ProxyError('rate_limit', `${routeName}: ${skipped.map((target) => target.label).join(', ')} over budget`),
    };
    const admitted = admit([nothing], context, plan(runtime, context)) as Admitted;
    assert.ok('refusal' in admitted);
    assert.equal(admitted.refusal.kind, 'rate_limit');
    assert.equal(admitted.refusal.message, 'smart: groq/llama-3.3-70b-versatile, cerebras/llama-3.3-70b, mistral/mistral-large-latest over budget');
    assert.equal(admitted.decision?.route, 'smart', 'the refusal carries the decision for the record');
  });

  it('awaits an async admitCall and refuses the whole call before any candidate is asked', async () => {
    const runtime = runtimeWith(route);
    const context = contextFor('smart');
    let candidatesAsked = 0;
    const budget: CallPolicy = {
      name: 'budget',
      admitCall: async () => new ProxyError('rate_limit', 'The key has spent its $5 for today.'),
      skipTarget: () => (candidatesAsked++, undefined),
    };
    const pending = admit([budget], context, plan(runtime, context));
    assert.ok(pending instanceof Promise);
    const admitted = await pending;
    assert.ok('refusal' in admitted);
    assert.equal(admitted.refusal.message, 'The key has spent its $5 for today.');
    assert.equal(candidatesAsked, 0);
  });

  it('refuses with a 503 naming the store when a policy\'s shared store is away and fails closed; other failures stay failures', async () => {
    const runtime = runtimeWith(route);
    const context = contextFor('smart');
    const limits: CallPolicy = { name: 'rate-limits', admitCall: async () => Promise.reject(new StorageUnavailableError('Redis at redis://cache:6379/0', new Error('connect ECONNREFUSED'))) };
    const admitted = await admit([limits], context, plan(runtime, context));
    assert.ok('refusal' in admitted);
    assert.equal(admitted.refusal.status, 503);
    assert.match(admitted.refusal.message, /Redis at redis:\/\/cache:6379\/0 cannot be reached \(connect ECONNREFUSED\).*fail closed/);
    const broken: CallPolicy = { name: 'broken', admitCall: async () => Promise.reject(new TypeError('a bug')) };
    await assert.rejects(Promise.resolve(admit([broken], context, plan(runtime, context))), TypeError);
  });

  it('names the route when only missing keys emptied it, and the provider’s key variable for a direct call', () => {
    const runtime = runtimeWith({ routes: { keyless: { strategy: 'fallback', targets: ['mistral/mistral-large-latest', 'xai/grok-4'] } } });
    const routed = contextFor('keyless');
    const refused = admit([], routed, plan(runtime, routed)) as Admitted;
    assert.ok('refusal' in refused);
    assert.match(refused.refusal.message, /No target of route 'keyless' has an API key: mistral\/mistral-large-latest, xai\/grok-4/);
    const direct = contextFor('mistral/mistral-large-latest');
    const refusedDirect = admit([], direct, plan(runtime, direct)) as Admitted;
    assert.ok('refusal' in refusedDirect);
    assert.match(refusedDirect.refusal.message, /MISTRAL_API_KEY/);
    assert.deepEqual(refusedDirect.target, { provider: 'mistral', model: 'mistral-large-latest', passthrough: true }, 'a direct refusal names its target for the record');
  });
});
