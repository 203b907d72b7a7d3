import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { FakeUpstream, type RecordedRequest } from '../fakes/fake-upstream';
import { anthropicEvents } from '../fakes/anthropic-replies';
import { FakePromptCache } from '../fakes/anthropic-prompt-cache';
import { TestProxy } from './harness';
import type { SwitchyardConfig } from '../../proxy/config/config';

const codex = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/openai-responses/codex-request.json'), 'utf8')) as { input: unknown[]; tools: unknown[]; [field: string]: unknown };

/** The Codex conversation as it grows: its opening messages, then one tool round trip per turn. */
function codexTurns(): unknown[][] {
  const opening = codex.input.slice(0, 3);
  const round = (index: number): unknown[] => [
    { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['cat', `file-${index}.ts`] }), call_id: `call_round_${index}` },
    { type: 'function_call_output', call_id: `call_round_${index}`, output: `contents of file ${index}\n`.repeat(40) },
  ];
  return [opening, [...opening, ...round(1)], [...opening, ...round(1), ...round(2)], [...opening, ...round(1), ...round(2), ...round(3)]];
}

function withoutMarkers(value: unknown): string {
  return JSON.stringify(value, (key, item: unknown) => (key === 'cache_control' ? undefined : item));
}

function breakpoints(body: { tools?: unknown[]; system?: unknown; messages: Array<{ content: unknown }> }): number {
  return (JSON.stringify(body).match(/"cache_control"/g) ?? []).length;
}

describe('prompt caching on translated calls', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  let promptCache: FakePromptCache;

  before(async () => {
    fake = await FakeUpstream.start();
  });
  after(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await proxy?.close();
  });

  async function start(configure: (config: SwitchyardConfig) => void = () => {}): Promise<TestProxy> {
    fake.requests.length = 0;
    promptCache = new FakePromptCache();
    fake.reply((request: RecordedRequest) => {
      const usage = promptCache.usage(request.json);
      return { chunks: anthropicEvents({ model: 'claude-sonnet-4-6', text: 'Done.', stopReason: 'end_turn', usage: { ...usage, output: 20 } }) };
    });
    proxy = await TestProxy.start((config) => {
      config.providers.anthropic = { baseUrl: fake.url('') };
      configure(config);
    });
    return proxy;
  }

  async function converse(): Promise<void> {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    for (const input of codexTurns()) {
      const { model: _model, input: _input, ...rest } = codex;
      const events = await client.responses.create({ ...(rest as object), model: 'claude-sonnet-4-6', input, stream: true } as OpenAI.Responses.ResponseCreateParamsStreaming);
      for await (const _event of events) void _event;
    }
  }

  it('marks a Codex conversation translated to Anthropic within the limit, with identical prefix bytes from turn to turn, and records the saving', async () => {
    await start();
    await converse();
    const bodies = fake.requests.map((request) => request.json as { tools: unknown[]; system: unknown; messages: Array<{ role: string; content: unknown }> });
    assert.equal(bodies.length, 4);
    for (const body of bodies) {
      const count = breakpoints(body);
      assert.ok(count >= 3 && count <= 4, `${count} breakpoints`);
    }
    for (let turn = 1; turn < bodies.length; turn++) {
      const previous = bodies[turn - 1]!;
      const next = bodies[turn]!;
      assert.equal(JSON.stringify(next.tools), JSON.stringify(previous.tools), `turn ${turn + 1}: the tools are the same bytes`);
      assert.equal(JSON.stringify(next.system), JSON.stringify(previous.system), `turn ${turn + 1}: the system prompt is the same bytes`);
      // Up to the previous request's last message the bytes are the same, markers aside: they
      // move on with the conversation and are not part of what the cache hashes.
      assert.equal(withoutMarkers(next.messages.slice(0, previous.messages.length)), withoutMarkers(previous.messages), `turn ${turn + 1}: the earlier turns are the same bytes`);
      if (turn >= 1) assert.equal(JSON.stringify(next.messages[previous.messages.length - 1]), JSON.stringify(previous.messages.at(-1)), 'the previous last message keeps its marker');
    }
    await proxy.record(4);
    const records = proxy.records;
    assert.equal(records[0]!.cacheReadTokens, 0);
    assert.ok(records[0]!.cacheWriteTokens > 0);
    for (const record of records.slice(1)) {
      assert.ok(record.cacheReadTokens > 0, 'later turns read the prefix the earlier ones wrote');
      assert.ok((record.promptCacheSavedUsd ?? 0) > 0, 'and the saving is recorded');
    }
    await proxy.store.flush();
    const [today] = await proxy.store.aggregate('day', {});
    assert.ok((today?.promptCacheSavedUsd ?? 0) > 0);
  });

  it('places nothing with "promptCaching": "off"', async () => {
    await start((config) => (config.promptCaching = 'off'));
    await converse();
    assert.ok(fake.requests.every((request) => breakpoints(request.json) === 0));
  });

  /**
   * A Cline-style conversation (its OpenRouter provider's request shape): Chat Completions with
   * Anthropic-style `cache_control` on the system content part and on the last text part of the
   * last two user messages.
   */
  function clineMessages(turns: number, extraMarkers = 0): unknown[] {
    const ephemeral = { type: 'ephemeral' };
    const messages: Array<{ role: string; content: unknown }> = [
      { role: 'system', content: [{ type: 'text', text: 'You are Cline, a highly skilled software engineer.\n\n' + 'TOOL USE\n'.repeat(200), cache_control: ephemeral }] },
    ];
    for (let turn = 0; turn < turns; turn++) {
      messages.push({ role: 'user', content: [{ type: 'text', text: `<task>\nStep ${turn}: fix the failing test.\n</task>` }, { type: 'text', text: `<environment_details>\n# Current Time ${turn}\n</environment_details>` }] });
      if (turn < turns - 1) messages.push({ role: 'assistant', content: `<read_file>\n<path>src/file-${turn}.ts</path>\n</read_file>` });
    }
    const users = messages.filter((message) => message.role === 'user');
    for (const message of users.slice(-2 - extraMarkers)) (message.content as Array<Record<string, unknown>>).at(-1)!.cache_control = ephemeral;
    return messages;
  }

  async function askCline(messages: unknown[]): Promise<void> {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    // Cline's native tool calling: without the client's markers, Switchyard would mark the tools too.
    const tools = [{ type: 'function', function: { name: 'read_file', description: 'Read a file in the workspace.', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } }];
    const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-6', messages, tools, stream: true, stream_options: { include_usage: true } } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
    for await (const _chunk of stream) void _chunk;
  }

  it("keeps an OpenAI Chat client's own cache_control breakpoints on content parts (Cline's shape) instead of placing its own", async () => {
    await start();
    await askCline(clineMessages(2));
    await askCline(clineMessages(3));
    const bodies = fake.requests.map((request) => request.json as { tools: Array<Record<string, unknown>>; system: Array<Record<string, unknown>>; messages: Array<{ role: string; content: Array<Record<string, unknown>> }> });
    for (const body of bodies) {
      assert.equal(body.tools.at(-1)!.cache_control, undefined, 'no marker of its own on the tools');
      assert.equal(breakpoints(body), 3, "the system prompt and the last two user turns: the client's three, none added");
      assert.deepEqual(body.system[0]!.cache_control, { type: 'ephemeral' });
      const users = body.messages.filter((message) => message.role === 'user');
      for (const message of users.slice(-2)) assert.deepEqual(message.content.at(-1)!.cache_control, { type: 'ephemeral' });
      for (const message of users.slice(0, -2)) assert.ok(message.content.every((block) => block.cache_control === undefined));
    }
    await proxy.record(2);
    assert.ok(proxy.records[1]!.cacheReadTokens > 0, "the second turn reads the prefix the first one's markers wrote");
  });

  it('keeps the last four of more breakpoints than Anthropic accepts', async () => {
    await start();
    await askCline(clineMessages(5, 3));
    const body = fake.requests[0]!.json as { system: Array<Record<string, unknown>>; messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    assert.equal(breakpoints(body), 4);
    assert.equal(body.system[0]!.cache_control, undefined, 'the earliest (the system prompt) went first');
    const users = body.messages.filter((message) => message.role === 'user');
    for (const message of users.slice(-4)) assert.deepEqual(message.content.at(-1)!.cache_control, { type: 'ephemeral' });
  });
});
