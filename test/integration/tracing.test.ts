import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { TestProxy } from './harness';
import { attributesOf, OtlpReceiver } from './helpers/otlp-receiver';

const model = 'groq/llama-3.3-70b-versatile';
const secretPrompt = 'the launch code is tangerine-42';

describe('OpenTelemetry traces over OTLP/HTTP, with the GenAI semantic conventions', function () {
  this.timeout(30_000);
  let fake: FakeUpstream;
  let flaky: FakeUpstream;
  let receiver: OtlpReceiver;

  before(async () => {
    [fake, flaky, receiver] = await Promise.all([FakeUpstream.start(), FakeUpstream.start(), OtlpReceiver.start()]);
    fake.reply((request) => {
      const options = { model: 'llama-3.3-70b-versatile', text: 'Hello there.', usage: { prompt: 10, completion: 2 } };
      return request.json?.stream === true ? { chunks: chatCompletionChunks(options) } : { json: chatCompletionJson(options) };
    });
    flaky.reply(() => ({ status: 500, json: { error: { message: 'down for maintenance', type: 'server_error' } } }));
  });
  after(async () => {
    await Promise.all([fake.close(), flaky.close(), receiver.close()]);
  });

  it('sends one span per call and a child per attempt: a fallback call has two attempts under it', async () => {
    const proxy = await TestProxy.start(
      (config) => {
        config.providers.groq = { baseUrl: fake.url('/v1') };
        config.providers.flaky = { type: 'openai-compatible', baseUrl: flaky.url('/v1'), apiKeyEnv: 'GROQ_API_KEY' };
        config.prices = { [model]: { input: 1000, output: 1000 } };
        config.routes.sturdy = { strategy: 'fallback', targets: ['flaky/model-x', model], retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 }, timeouts: { connectMs: 5000, idleMs: 5000 } };
        config.telemetry = { serviceName: 'switchyard-under-test' };
      },
      undefined,
      {},
      { otlpEndpoint: receiver.url },
    );
    let recordIds: string[];
    try {
      const anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'client-key', maxRetries: 0 });
      const message = await anthropic.messages.create({ model: 'sturdy', max_tokens: 10, messages: [{ role: 'user', content: secretPrompt }] });
      assert.equal(message.content[0]?.type, 'text');
      const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      await openai.chat.completions.create({ model, messages: [{ role: 'user', content: secretPrompt }] });
      recordIds = [(await proxy.record(1)).id, (await proxy.record(2)).id];
    } finally {
      // Stopping sends what the batch processor still holds.
      await proxy.close();
    }

    assert.ok(receiver.contentTypes.every((type) => type.startsWith('application/json')), receiver.contentTypes.join());
    for (const body of receiver.bodies) assert.ok(!body.includes('tangerine'), 'no prompt content on any span');
    const byRequest = (id: string) => receiver.spans.find((span) => attributesOf(span.attributes)['switchyard.request.id'] === id);

    // The fallback call: a server span, and two client spans under it.
    const call = byRequest(recordIds[0]!);
    assert.ok(call, `no span for ${recordIds[0]}: ${receiver.spans.map((span) => span.name).join(', ')}`);
    assert.equal(call.resource['service.name'], 'switchyard-under-test');
    assert.equal(call.name, 'chat sturdy');
    assert.equal(call.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(call.parentSpanId ?? '', '');
    const callAttributes = attributesOf(call.attributes);
    assert.deepEqual(
      {
        operation: callAttributes['gen_ai.operation.name'],
        provider: callAttributes['gen_ai.provider.name'],
        requestModel: callAttributes['gen_ai.request.model'],
        responseModel: callAttributes['gen_ai.response.model'],
        input: callAttributes['gen_ai.usage.input_tokens'],
        output: callAttributes['gen_ai.usage.output_tokens'],
        finish: callAttributes['gen_ai.response.finish_reasons'],
        status: callAttributes['http.response.status_code'],
        route: callAttributes['switchyard.route'],
      },
      { operation: 'chat', provider: 'groq', requestModel: 'sturdy', responseModel: 'llama-3.3-70b-versatile', input: 10, output: 2, finish: ['stop'], status: 200, route: 'sturdy' },
    );
    assert.ok(Math.abs((callAttributes['switchyard.cost_usd'] as number) - 0.012) < 1e-9);
    const attempts = receiver.spans.filter((span) => span.parentSpanId === call.spanId).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    assert.equal(attempts.length, 2);
    for (const attempt of attempts) {
      assert.equal(attempt.traceId, call.traceId);
      assert.equal(attempt.kind, 3, 'SPAN_KIND_CLIENT');
      assert.ok(BigInt(attempt.startTimeUnixNano) >= BigInt(call.startTimeUnixNano));
      assert.ok(BigInt(attempt.endTimeUnixNano) <= BigInt(call.endTimeUnixNano));
    }
    const [failed, won] = attempts.map((span) => ({ span, attributes: attributesOf(span.attributes) }));
    assert.equal(failed!.span.name, 'chat model-x');
    assert.deepEqual(
      [failed!.attributes['gen_ai.provider.name'], failed!.attributes['gen_ai.request.model'], failed!.attributes['error.type'], failed!.attributes['http.response.status_code'], failed!.attributes['server.address'], failed!.span.status?.code],
      ['flaky', 'model-x', '500', 500, '127.0.0.1', 2],
    );
    assert.equal(failed!.attributes['server.port'], Number(new URL(flaky.url('/')).port));
    assert.deepEqual(
      [won!.attributes['gen_ai.provider.name'], won!.attributes['gen_ai.request.model'], won!.attributes['gen_ai.response.model'], won!.attributes['gen_ai.usage.input_tokens'], won!.attributes['error.type'], won!.attributes['switchyard.attempt.outcome']],
      ['groq', 'llama-3.3-70b-versatile', 'llama-3.3-70b-versatile', 10, undefined, 'won'],
    );
    // Both times are kept to 0.1 ms in the record: the fallback starts after the failure, give or take that.
    assert.ok(BigInt(won!.span.startTimeUnixNano) >= BigInt(failed!.span.endTimeUnixNano) - 200_000n, 'the fallback started after the first attempt failed');

    // The direct call: its own trace, one attempt.
    const direct = byRequest(recordIds[1]!);
    assert.ok(direct);
    assert.notEqual(direct.traceId, call.traceId);
    assert.equal(attributesOf(direct.attributes)['gen_ai.request.model'], model);
    assert.equal(receiver.spans.filter((span) => span.parentSpanId === direct.spanId).length, 1);
  });

  it("continues the client's W3C trace (traceparent, tracestate, its sampling), and passthrough spans carry the finish reason", async () => {
    const proxy = await TestProxy.start(
      (config) => {
        config.providers.groq = { baseUrl: fake.url('/v1') };
      },
      undefined,
      {},
      { otlpEndpoint: receiver.url },
    );
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpanId = '00f067aa0ba902b7';
    let recordIds: string[];
    try {
      const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const traced = { headers: { traceparent: `00-${traceId}-${clientSpanId}-01`, tracestate: 'vendor=abc,other=1' } };
      await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, traced);
      const stream = await openai.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }, traced);
      for await (const chunk of stream) void chunk;
      // Not sampled by the client: no span, as the parent-based sampler decides.
      await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: `00-${'a'.repeat(32)}-${clientSpanId}-00` } });
      // Invalid (an all-zero trace id): ignored, the call starts a trace of its own.
      await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: `00-${'0'.repeat(32)}-${clientSpanId}-01` } });
      recordIds = [];
      for (let count = 1; count <= 4; count += 1) recordIds.push((await proxy.record(count)).id);
    } finally {
      await proxy.close();
    }
    const byRequest = (id: string) => receiver.spans.find((span) => attributesOf(span.attributes)['switchyard.request.id'] === id);
    for (const id of recordIds.slice(0, 2)) {
      const call = byRequest(id);
      assert.ok(call, `no span for ${id}`);
      assert.deepEqual([call.traceId, call.parentSpanId, (call as { traceState?: string }).traceState], [traceId, clientSpanId, 'vendor=abc,other=1'], 'the server span continues the client span');
      const attributes = attributesOf(call.attributes);
      assert.equal(attributes['switchyard.passthrough'], true);
      assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop'], 'the passthrough answer\'s finish reason, read off its bytes');
      const attempt = receiver.spans.find((span) => span.parentSpanId === call.spanId);
      assert.ok(attempt);
      assert.equal(attempt.traceId, traceId);
      assert.deepEqual(attributesOf(attempt.attributes)['gen_ai.response.finish_reasons'], ['stop']);
    }
    assert.equal(byRequest(recordIds[2]!), undefined, 'a call the client did not sample is not traced');
    const own = byRequest(recordIds[3]!);
    assert.ok(own);
    assert.notEqual(own.traceId, '0'.repeat(32));
    assert.equal(own.parentSpanId ?? '', '');
  });

  it('leaves tracing off, and OpenTelemetry unloaded, when no endpoint is configured', async () => {
    const proxy = await TestProxy.start((config) => {
      config.providers.groq = { baseUrl: fake.url('/v1') };
    });
    try {
      const before = receiver.bodies.length;
      const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      await proxy.record(1);
      assert.equal(receiver.bodies.length, before);
    } finally {
      await proxy.close();
    }
  });
});
