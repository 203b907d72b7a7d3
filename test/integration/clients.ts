import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, type Content } from '@google/genai';
import type { ClientFormat } from '../../proxy/core/request';
import { weather } from './fake-providers';

/** What one turn of the weather scenario gave the client. */
export interface TurnResult {
  toolCall?: { id: string; name: string; args: unknown };
  text: string;
  /** Input and output tokens as the client's SDK reports them. */
  inputTokens?: number;
  outputTokens?: number;
}

/** Drives one official SDK through the two turns of the weather scenario. */
export interface ClientDriver {
  format: ClientFormat;
  askWeather(model: string, stream: boolean): Promise<TurnResult>;
  sendResult(model: string, stream: boolean, call: NonNullable<TurnResult['toolCall']>): Promise<TurnResult>;
}

const question = `What is the weather in ${weather.city}?`;
const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' } },
  required: ['city'],
};

export function openAiChatDriver(baseUrl: string): ClientDriver {
  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'client-key', maxRetries: 0 });
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: weatherSchema } },
  ];
  const run = async (model: string, stream: boolean, messages: OpenAI.Chat.ChatCompletionMessageParam[]): Promise<TurnResult> => {
    if (!stream) {
      const completion = await client.chat.completions.create({ model, messages, tools });
      const message = completion.choices[0]!.message;
      const call = message.tool_calls?.[0];
      return {
        text: message.content ?? '',
        toolCall: call && call.type === 'function' ? { id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) } : undefined,
        inputTokens: completion.usage?.prompt_tokens,
        outputTokens: completion.usage?.completion_tokens,
      };
    }
    const chunks = await client.chat.completions.create({ model, messages, tools, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of chunks) {
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) text += delta.content;
      for (const call of delta?.tool_calls ?? []) {
        const entry = calls.get(call.index) ?? { id: '', name: '', arguments: '' };
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name = call.function.name;
        entry.arguments += call.function?.arguments ?? '';
        calls.set(call.index, entry);
      }
    }
    const call = calls.get(0);
    return {
      text,
      toolCall: call ? { id: call.id, name: call.name, args: JSON.parse(call.arguments) } : undefined,
      inputTokens: usage?.prompt_tokens,
      outputTokens: usage?.completion_tokens,
    };
  };
  return {
    format: 'openai-chat',
    askWeather: (model, stream) => run(model, stream, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }]),
    sendResult: (model, stream, call) =>
      run(model, stream, [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: question },
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } }] },
        { role: 'tool', tool_call_id: call.id, content: weather.result },
      ]),
  };
}

export function openAiResponsesDriver(baseUrl: string): ClientDriver {
  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'client-key', maxRetries: 0 });
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Current weather', parameters: weatherSchema, strict: false }];
  const run = async (model: string, stream: boolean, input: OpenAI.Responses.ResponseInput): Promise<TurnResult> => {
    let response: OpenAI.Responses.Response;
    if (stream) {
      const events = await client.responses.create({ model, input, tools, stream: true, store: false });
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of events) {
        if (event.type === 'response.completed') completed = event.response;
      }
      if (!completed) throw new Error('the stream had no response.completed event');
      response = completed;
    } else {
      response = await client.responses.create({ model, input, tools, store: false });
    }
    const call = response.output.find((item) => item.type === 'function_call');
    return {
      // `output_text` is only added by the SDK to non-streamed responses; read the items.
      text: response.output
        .flatMap((item) => (item.type === 'message' ? item.content : []))
        .map((content) => (content.type === 'output_text' ? content.text : ''))
        .join(''),
      toolCall: call && call.type === 'function_call' ? { id: call.call_id, name: call.name, args: JSON.parse(call.arguments) } : undefined,
      inputTokens: response.usage?.input_tokens,
      outputTokens: response.usage?.output_tokens,
    };
  };
  return {
    format: 'openai-responses',
    askWeather: (model, stream) => run(model, stream, [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: question }]),
    sendResult: (model, stream, call) =>
      run(model, stream, [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: question },
        { type: 'function_call', call_id: call.id, name: call.name, arguments: JSON.stringify(call.args) },
        { type: 'function_call_output', call_id: call.id, output: weather.result },
      ]),
  };
}

export function anthropicDriver(baseUrl: string): ClientDriver {
  const client = new Anthropic({ baseURL: baseUrl, apiKey: 'client-key', maxRetries: 0 });
  const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Current weather', input_schema: weatherSchema as Anthropic.Tool.InputSchema }];
  const run = async (model: string, stream: boolean, messages: Anthropic.MessageParam[]): Promise<TurnResult> => {
    const params = { model, max_tokens: 1024, system: 'Be brief.', messages, tools };
    const message = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    return {
      text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      toolCall: toolUse && toolUse.type === 'tool_use' ? { id: toolUse.id, name: toolUse.name, args: toolUse.input } : undefined,
      inputTokens: message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0),
      outputTokens: message.usage.output_tokens,
    };
  };
  return {
    format: 'anthropic-messages',
    askWeather: (model, stream) => run(model, stream, [{ role: 'user', content: question }]),
    sendResult: (model, stream, call) =>
      run(model, stream, [
        { role: 'user', content: question },
        { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: call.name, input: call.args }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: weather.result }] },
      ]),
  };
}

export function geminiDriver(baseUrl: string): ClientDriver {
  const client = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
  const config = {
    systemInstruction: 'Be brief.',
    tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parametersJsonSchema: weatherSchema }] }],
  };
  const run = async (model: string, stream: boolean, contents: Content[]): Promise<TurnResult> => {
    let text = '';
    let toolCall: TurnResult['toolCall'];
    let usage: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number } | undefined;
    const responses = stream
      ? await client.models.generateContentStream({ model, contents, config })
      : [await client.models.generateContent({ model, contents, config })];
    for await (const response of responses) {
      for (const part of response.candidates?.[0]?.content?.parts ?? []) {
        if (part.text && !part.thought) text += part.text;
        if (part.functionCall) toolCall = { id: part.functionCall.id ?? '', name: part.functionCall.name ?? '', args: part.functionCall.args };
      }
      if (response.usageMetadata) usage = response.usageMetadata;
    }
    return { text, toolCall, inputTokens: usage?.promptTokenCount, outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0) };
  };
  return {
    format: 'gemini',
    askWeather: (model, stream) => run(model, stream, [{ role: 'user', parts: [{ text: question }] }]),
    sendResult: (model, stream, call) =>
      run(model, stream, [
        { role: 'user', parts: [{ text: question }] },
        { role: 'model', parts: [{ functionCall: { id: call.id || undefined, name: call.name, args: call.args as Record<string, unknown> } }] },
        { role: 'user', parts: [{ functionResponse: { id: call.id || undefined, name: call.name, response: JSON.parse(weather.result) } }] },
      ]),
  };
}
