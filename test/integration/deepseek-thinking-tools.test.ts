import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeUpstream, type FakeReply, type RecordedRequest } from '../fakes/fake-upstream';
import { TestProxy, testKeys } from './harness';

/**
 * DeepSeek's thinking mode answers 400 when an assistant turn that called tools comes back
 * without its `reasoning_content` (api-docs.deepseek.com, "Thinking Mode": "must be passed back
 * to the API"). A provider with `chatDialect.reasoningContent` gets the reasoning a translated
 * client echoed (an Anthropic thinking block, a Responses reasoning item) in that field.
 */

const toolCallStream = readFileSync(path.join(__dirname, '../fixtures/openai-chat/deepseek-thinking-tool-call.chunks.txt'), 'utf8').split(/(?<=\n\n)/);
const reasoning = 'The user wants the weather in Paris; I have a get_weather tool, so call it with city Paris.';
const answer = 'It is 18 °C and sunny in Paris.';
const question = 'What is the weather in Paris?';

/** The answer after the tool's result, whole, in DeepSeek's shape. */
const finalAnswer = {
  id: '3c1e9b2a-8f4d-4a6e-9b0c-2d7f1e5a8c34',
  object: 'chat.completion',
  created: 1764979210,
  model: 'deepseek-v4-pro',
  system_fingerprint: 'fp_ffc7281d48_prod0820_fp8_kvcache',
  choices: [
    { index: 0, message: { role: 'assistant', content: answer, reasoning_content: 'The tool says 18 °C and sunny.' }, logprobs: null, finish_reason: 'stop' },
  ],
  usage: {
    prompt_tokens: 371,
    completion_tokens: 22,
    total_tokens: 393,
    prompt_tokens_details: { cached_tokens: 256 },
    completion_tokens_details: { reasoning_tokens: 9 },
    prompt_cache_hit_tokens: 256,
    prompt_cache_miss_tokens: 115,
  },
};

/** DeepSeek's refusal of a history whose tool-calling turn lost its reasoning. */
const missingReasoning = {
  error: {
    message: 'The `reasoning_content` in the thinking mode must be passed back to the API.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_request_error',
  },
};

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: Array<{ id: string }>;
  reasoning_content?: unknown;
}

function deepSeekReply(request: RecordedRequest): FakeReply {
  const messages = (request.json?.messages ?? []) as ChatMessage[];
  if (messages.some((message) => message.role === 'assistant' && message.tool_calls && typeof message.reasoning_content !== 'string')) {
    return { status: 400, json: missingReasoning };
  }
  if (messages[messages.length - 1]?.role === 'tool') return { json: finalAnswer };
  return { headers: { 'content-type': 'text/event-stream' }, chunks: toolCallStream };
}

const tools = [
  {
    name: 'get_weather',
    description: 'The current weather in a city.',
    input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

describe('DeepSeek thinking mode with tools, through translation', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(deepSeekReply);
    proxy = await TestProxy.start(
      (config) => {
        config.providers.deepseek = { type: 'openai-compatible', baseUrl: fake.url('/v1'), chatDialect: { reasoningContent: true } };
        config.providers.plain = { type: 'openai-compatible', baseUrl: fake.url('/v1') };
      },
      { ...testKeys, DEEPSEEK_API_KEY: 'sk-deepseek-test-000000000000006', PLAIN_API_KEY: 'sk-plain-test-0000000000000007' },
    );
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  /** Turn one streamed (thinking, then the tool call), turn two with the tool's result. */
  async function anthropicToolLoop(model: string): Promise<Anthropic.Message> {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'client', maxRetries: 0 });
    const first = await client.messages.stream({ model, max_tokens: 2000, tools, messages: [{ role: 'user', content: question }] }).finalMessage();
    assert.deepEqual(
      first.content.map((block) => block.type),
      ['thinking', 'tool_use'],
    );
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    assert.equal(thinking.thinking, reasoning);
    const call = first.content[1] as Anthropic.ToolUseBlock;
    assert.deepEqual(call.input, { city: 'Paris' });
    return client.messages.create({
      model,
      max_tokens: 2000,
      tools,
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 °C, sunny' }] },
      ],
    });
  }

  it('an Anthropic client’s thinking block goes back as reasoning_content, and DeepSeek answers', async () => {
    const second = await anthropicToolLoop('deepseek/deepseek-v4-pro');
    assert.deepEqual(
      second.content.filter((block) => block.type === 'text').map((block) => (block as Anthropic.TextBlock).text),
      [answer],
    );
    const sent = fake.last.json.messages as ChatMessage[];
    assert.deepEqual(
      sent.map((message) => message.role),
      ['user', 'assistant', 'tool'],
    );
    assert.equal(sent[1]?.reasoning_content, reasoning);
    assert.equal(sent[1]?.tool_calls?.[0]?.id, 'call_00_Jq3ZbT8yWm2kR6vX1nLp4Hd');
  });

  it('without the flag the reasoning is dropped, and DeepSeek’s 400 reaches the client in its own format', async () => {
    await assert.rejects(anthropicToolLoop('plain/deepseek-v4-pro'), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError, String(error));
      assert.equal(error.status, 400);
      assert.match(error.message, /reasoning_content/);
      return true;
    });
    assert.equal((fake.last.json.messages as ChatMessage[])[1]?.reasoning_content, undefined);
  });

  it('a Responses client’s reasoning item goes back as reasoning_content', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const functionTool = {
      type: 'function' as const,
      name: 'get_weather',
      description: 'The current weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: false,
    };
    const model = 'deepseek/deepseek-v4-pro';
    const stream = client.responses.stream({ model, input: question, tools: [functionTool], store: false });
    const first = await stream.finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call && call.type === 'function_call', JSON.stringify(first.output));
    assert.ok(
      first.output.some((item) => item.type === 'reasoning'),
      JSON.stringify(first.output),
    );
    const second = await client.responses.create({
      model,
      tools: [functionTool],
      store: false,
      input: [{ role: 'user', content: question }, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: '18 °C, sunny' }],
    });
    assert.equal(second.output_text, answer);
    assert.equal((fake.last.json.messages as ChatMessage[])[1]?.reasoning_content, reasoning);
  });
});
