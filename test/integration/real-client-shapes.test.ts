import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FakeUpstream } from '../fakes/fake-upstream';
import { anthropicEvents } from '../fakes/anthropic-replies';
import { chatCompletionChunks } from '../fakes/openai-chat-replies';
import { geminiResponseJson } from '../fakes/gemini-replies';
import { TestProxy } from './harness';
import { useFake } from './fake-providers';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(__dirname, '../fixtures', name), 'utf8'));
// A 1×1 transparent PNG.
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('what real clients send, routed to another provider', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      // Codex asks for gpt-5-codex; Claude Code for claude-*: both re-pointed by alias.
      config.aliases['gpt-5-codex'] = 'anthropic/claude-sonnet-4-6';
      config.aliases['claude-haiku-4-5'] = 'groq/moonshotai/kimi-k2-instruct';
    });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  it('a Codex CLI turn (Responses, developer messages, reasoning history, namespace tool) reaches Anthropic as a valid Messages call', async () => {
    fake.reply(() => ({ chunks: anthropicEvents({ model: 'claude-sonnet-4-6', text: 'Patched the file.', stopReason: 'end_turn', usage: { input: 900, output: 12 } }) }));
    const body = { ...fixture('openai-responses/codex-request.json'), model: 'gpt-5-codex' };
    const response = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer codex' }, body: JSON.stringify(body) });
    const text = await response.text();
    assert.equal(response.status, 200);
    const sent = fake.last.json;
    assert.equal(fake.last.url, '/v1/messages');
    assert.equal(sent.model, 'claude-sonnet-4-6');
    assert.ok(typeof sent.max_tokens === 'number' && sent.max_tokens > 0);
    const system = typeof sent.system === 'string' ? sent.system : sent.system.map((block: { text: string }) => block.text).join('');
    assert.match(system, /permissions instructions/, 'the leading developer message became the system prompt');
    const toolNames: string[] = sent.tools.map((tool: { name: string }) => tool.name);
    assert.ok(toolNames.length > 0 && toolNames.every((name) => typeof name === 'string'));
    assert.ok(!sent.tools.some((tool: { type?: string }) => tool.type === 'namespace'), 'OpenAI-only tools are not sent to Anthropic');
    // Tool results follow their tool calls, and roles alternate as Anthropic requires.
    const roles: string[] = sent.messages.map((message: { role: string }) => message.role);
    for (let index = 1; index < roles.length; index++) assert.notEqual(roles[index], roles[index - 1], `roles ${roles.join(',')}`);
    const events = text.split('\n\n').filter(Boolean).map((event) => event.split('\n')[0]);
    assert.equal(events[0], 'event: response.created');
    assert.equal(events.at(-1), 'event: response.completed');
    assert.ok(text.includes('Patched the file.'));
    const record = await proxy.record(proxy.records.length || 1);
    assert.equal(record.requestedModel, 'gpt-5-codex');
    assert.equal(record.provider, 'anthropic');
    assert.equal(record.outputTokens, 12);
  });

  it('a Claude Code turn (cache_control, a system message inside messages, thinking) reaches an OpenAI-compatible provider', async () => {
    fake.reply(() => ({ chunks: chatCompletionChunks({ model: 'moonshotai/kimi-k2-instruct', text: 'Done: tests pass.', usage: { prompt: 1500, completion: 8 } }) }));
    const body = { ...fixture('anthropic/claude-code-request.json'), model: 'claude-haiku-4-5', stream: true };
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'claude-code', maxRetries: 0 });
    const message = await client.messages.stream(body as unknown as Anthropic.MessageStreamParams).finalMessage();
    assert.equal(message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''), 'Done: tests pass.');
    const sent = fake.last.json;
    assert.equal(fake.last.url, '/v1/chat/completions');
    assert.equal(sent.model, 'moonshotai/kimi-k2-instruct');
    assert.deepEqual(sent.stream_options, { include_usage: true });
    assert.equal(sent.messages[0].role, 'system');
    assert.ok(sent.messages.some((entry: { role: string }, index: number) => index > 0 && entry.role === 'system'), 'the mid-conversation system message keeps its place');
    assert.ok(sent.tools.length > 0 && sent.tools.every((tool: { type: string }) => tool.type === 'function'));
    assert.ok(!JSON.stringify(sent).includes('cache_control'), 'Anthropic-only fields stay behind');
  });

  it('images reach each provider in its own form', async () => {
    fake.reply(() => ({ json: geminiResponseJson({ model: 'gemini-2.5-flash', text: 'A pixel.', finishReason: 'STOP', usage: { prompt: 260, candidates: 3 } }) }));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gemini/gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } }] }],
    });
    assert.equal(completion.choices[0]!.message.content, 'A pixel.');
    const parts = fake.last.json.contents[0].parts;
    assert.deepEqual(parts[1], { inlineData: { mimeType: 'image/png', data: pixel } });

    fake.reply(() => ({ chunks: anthropicEvents({ model: 'claude-sonnet-4-6', text: 'A pixel.', stopReason: 'end_turn', usage: { input: 30, output: 3 } }) }));
    await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } }] }],
    }).then(async (stream) => {
      for await (const _chunk of stream) void _chunk;
    });
    const block = fake.last.json.messages[0].content[0];
    // The last block carries the prompt-cache breakpoint Switchyard places for a client that marked none.
    assert.deepEqual(block, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel }, cache_control: { type: 'ephemeral' } });
  });
});
