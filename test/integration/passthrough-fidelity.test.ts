import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FakeUpstream } from '../fakes/fake-upstream';
import { anthropicEvents } from '../fakes/anthropic-replies';
import { chatCompletionChunks } from '../fakes/openai-chat-replies';
import { geminiChunks, geminiResponseJson } from '../fakes/gemini-replies';
import { TestProxy } from './harness';
import { useFake } from './fake-providers';

/** A Claude-Code-like body: system blocks with cache_control, thinking with a signature, tools, a beta field. */
function claudeCodeBody(model: string): string {
  const tools = Array.from({ length: 24 }, (_, index) => ({
    name: `tool_${index}`,
    description: `Tool number ${index}. `.repeat(40),
    input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    ...(index === 0 ? { eager_input_streaming: true, cache_control: { type: 'ephemeral' } } : {}),
  }));
  // Spacing and key order as a client might send them: the provider must get exactly these bytes.
  return `{"model": "${model}", "max_tokens":32000,"stream":true,
  "system":[{"type":"text","text":"You are Claude Code — héllo ✓","cache_control":{"type":"ephemeral","ttl":"1h"}}],
  "messages":[{"role":"system","content":"late system note"},{"role":"user","content":[{"type":"text","text":"fix the bug"}]},
   {"role":"assistant","content":[{"type":"thinking","thinking":"Let me look.","signature":"EqQBCkgIARABGAIiQL+/sig=="},{"type":"tool_use","id":"toolu_01","name":"tool_0","input":{"path":"a.ts"}}]},
   {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok","cache_control":{"type":"ephemeral"}}]}],
  "tools":${JSON.stringify(tools)},"thinking":{"type":"enabled","budget_tokens":10000},"context_management":{"edits":[]},"metadata":{"user_id":"u1"}}`;
}

describe('passthrough fast path', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.aliases.smart = 'anthropic/claude-opus-4-6';
      config.aliases.cheap = 'groq/llama-3.1-8b-instant';
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('forwards a Claude Code body byte for byte, with ?beta=true and anthropic-beta as sent', async () => {
    fake.reply(() => ({ chunks: anthropicEvents({ model: 'claude-sonnet-4-6', text: 'Done.', usage: { input: 50, output: 5, cacheRead: 9000, cacheWrite: 300 } }) }));
    const body = claudeCodeBody('claude-sonnet-4-6');
    const response = await fetch(`${proxy.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2026-10-21',
        'anthropic-beta': 'interleaved-thinking-2025-05-14,context-management-2025-06-27',
        authorization: 'Bearer client-key',
      },
      body,
    });
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.equal(fake.last.url, '/v1/messages?beta=true');
    assert.equal(fake.last.raw.toString('utf8'), body, 'the provider must receive the exact bytes');
    assert.equal(fake.last.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14,context-management-2025-06-27');
    assert.equal(fake.last.headers['anthropic-version'], '2026-10-21');
    assert.equal(fake.last.headers['x-api-key'], 'sk-ant-test-0000000000000002');
    assert.equal(fake.last.headers.authorization, undefined, 'the client credential is replaced, not added');
    assert.equal(text, anthropicEvents({ model: 'claude-sonnet-4-6', text: 'Done.', usage: { input: 50, output: 5, cacheRead: 9000, cacheWrite: 300 } }).join(''), 'the client must receive the exact bytes');
    assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
    const record = await proxy.record(proxy.records.length || 1);
    assert.equal(record.passthrough, true);
    assert.equal(record.inputTokens, 50 + 9000 + 300);
    assert.equal(record.cacheReadTokens, 9000);
    assert.equal(record.cacheWriteTokens, 300);
    assert.ok(record.costUsd !== null && record.costUsd > 0, 'a known Anthropic model is priced');
  });

  it('never forwards a Gemini client query, which may hold its key, and asks the provider for SSE itself', async () => {
    fake.reply(() => ({ chunks: geminiChunks({ model: 'gemini-2.5-flash', text: 'Hi.', usage: { prompt: 3, candidates: 1 } }) }));
    const response = await fetch(`${proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=client-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client-key' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    await response.text();
    assert.equal(response.status, 200);
    assert.ok(fake.last.url.endsWith('/models/gemini-2.5-flash:streamGenerateContent?alt=sse'), fake.last.url);
    assert.notEqual(fake.last.headers['x-goog-api-key'], 'client-key', 'the stored key replaces the client credential');
  });

  it('@google/genai streams through with ?alt=sse once and its key replaced by the stored one', async () => {
    fake.reply(() => ({ chunks: geminiChunks({ model: 'gemini-2.5-flash', text: 'Hi there.', usage: { prompt: 3, candidates: 2 } }) }));
    const client = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: proxy.url, retryOptions: { attempts: 1 } } });
    let text = '';
    for await (const chunk of await client.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) text += chunk.text ?? '';
    assert.equal(text, 'Hi there.');
    assert.ok(fake.last.url.endsWith('/models/gemini-2.5-flash:streamGenerateContent?alt=sse'), fake.last.url);
    assert.notEqual(fake.last.headers['x-goog-api-key'], 'client-key');
  });

  it('forwards the Gemini system parameters it documents as safe (prettyPrint, quotaUser), never key, alt, fields or callback', async () => {
    fake.reply(() => ({ json: geminiResponseJson({ model: 'gemini-2.5-flash', text: 'Hi.', usage: { prompt: 3, candidates: 1 } }) }));
    const query = '?key=client-key&prettyPrint=false&quotaUser=user-7&alt=proto&fields=candidates&callback=steal&%24userProject=other&access_token=t';
    const whole = await fetch(`${proxy.url}/v1beta/models/gemini-2.5-flash:generateContent${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    assert.equal(whole.status, 200);
    await whole.text();
    assert.ok(fake.last.url.endsWith('/models/gemini-2.5-flash:generateContent?prettyPrint=false&quotaUser=user-7'), fake.last.url);
    assert.doesNotMatch(fake.last.url, /client-key|steal|other|access_token|fields|alt=proto/);
    assert.equal(fake.last.headers['x-goog-api-key'], 'gemini-test-key-0000000000000003');

    fake.reply(() => ({ chunks: geminiChunks({ model: 'gemini-2.5-flash', text: 'Hi.', usage: { prompt: 3, candidates: 1 } }) }));
    const streamed = await fetch(`${proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&quotaUser=user-7&key=client-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    assert.equal(streamed.status, 200);
    await streamed.text();
    assert.ok(fake.last.url.endsWith('/models/gemini-2.5-flash:streamGenerateContent?alt=sse&quotaUser=user-7'), fake.last.url);
  });

  it('changes only the model bytes when an alias renames the model', async () => {
    fake.reply(() => ({ json: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-opus-4-6', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }));
    const body = claudeCodeBody('smart').replace('"stream":true', '"stream":false');
    const response = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body });
    const message = (await response.json()) as Anthropic.Message;
    assert.equal(message.content[0]?.type, 'text');
    // A whole answer's cost is known before its body goes out: 3 input + 1 output tokens of Opus.
    const cost = Number(response.headers.get('x-switchyard-cost-usd'));
    assert.ok(cost > 0 && cost < 0.001, `cost header ${response.headers.get('x-switchyard-cost-usd')}`);
    assert.equal(response.headers.get('x-switchyard-attempts'), '1');
    assert.equal(fake.last.raw.toString('utf8'), body.replace('"model": "smart"', '"model": "claude-opus-4-6"'));
  });

  it('adds stream_options.include_usage for OpenAI-compatible streams so usage is known', async () => {
    fake.reply(() => ({ chunks: chatCompletionChunks({ model: 'llama-3.1-8b-instant', text: 'hello there', usage: { prompt: 11, completion: 2 } }) }));
    const body = '  {"model":"cheap","stream":true,"messages":[{"role":"user","content":"hi"}]}';
    const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.text();
    assert.equal(fake.last.raw.toString('utf8'), '  {"stream_options":{"include_usage":true},"model":"llama-3.1-8b-instant","stream":true,"messages":[{"role":"user","content":"hi"}]}');
    const record = await proxy.record(proxy.records.length);
    assert.equal(record.inputTokens, 11);
    assert.equal(record.outputTokens, 2);
    assert.equal(record.model, 'llama-3.1-8b-instant');
    assert.equal(record.requestedModel, 'cheap');
  });

  it('drops unsigned thinking (another provider’s reasoning) before a conversation goes back to Anthropic', async () => {
    fake.reply(() => ({ json: { id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }));
    const body = {
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'from groq', signature: '' }, { type: 'thinking', thinking: 'signed', signature: 'EqQBsig' }, { type: 'text', text: 'hello' }] },
        { role: 'user', content: 'again' },
      ],
    };
    // Compact and pretty-printed bodies alike (`"signature": ""` with a space).
    for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2)]) {
      const response = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: text });
      assert.equal(response.status, 200);
      await response.text();
      assert.deepEqual(fake.last.json.messages[1].content, [{ type: 'thinking', thinking: 'signed', signature: 'EqQBsig' }, { type: 'text', text: 'hello' }]);
    }
  });
});
