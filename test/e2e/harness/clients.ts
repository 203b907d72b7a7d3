/**
 * The official SDKs pointed at the extension's proxy, the way a user's tools would be after
 * "Switchyard: Copy Connection Settings".
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { clientKeyFromClipboard } from './switchyard';
import type { UiContext } from './ui-context';

let cachedKey: { port: number; key: string } | undefined;

/**
 * The local key clients send. Read once per proxy port from the clipboard; when the proxy
 * requires none, any text works.
 */
export async function clientKey(context: UiContext): Promise<string> {
  if (cachedKey?.port === context.proxyPort) return cachedKey.key;
  const { key } = await clientKeyFromClipboard(context.page);
  cachedKey = { port: context.proxyPort, key: key ?? 'no-key-needed' };
  return cachedKey.key;
}

export async function openAiClient(context: UiContext): Promise<OpenAI> {
  return new OpenAI({ baseURL: `http://127.0.0.1:${context.proxyPort}/v1`, apiKey: await clientKey(context), maxRetries: 0, timeout: 30_000 });
}

export async function anthropicClient(context: UiContext): Promise<Anthropic> {
  return new Anthropic({ baseURL: `http://127.0.0.1:${context.proxyPort}`, apiKey: await clientKey(context), maxRetries: 0, timeout: 30_000 });
}

/** One short chat completion; returns the proxy's request id and the answer text. */
export async function askOpenAi(context: UiContext, model: string, options: { stream?: boolean } = {}): Promise<{ id: string; text: string; provider: string }> {
  const client = await openAiClient(context);
  const messages = [{ role: 'user' as const, content: 'Say hello.' }];
  if (options.stream) {
    const { data: stream, response } = await client.chat.completions
      .create({ model, messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { id: requestIdOf(response.headers), text, provider: response.headers.get('x-switchyard-provider') ?? '' };
  }
  const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
  return { id: requestIdOf(response.headers), text: data.choices[0]?.message.content ?? '', provider: response.headers.get('x-switchyard-provider') ?? '' };
}

/** One short Anthropic message through the proxy. */
export async function askAnthropic(context: UiContext, model: string): Promise<{ id: string; text: string }> {
  const client = await anthropicClient(context);
  const { data, response } = await client.messages
    .create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] })
    .withResponse();
  const text = data.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return { id: requestIdOf(response.headers), text };
}

function requestIdOf(headers: Headers): string {
  const id = headers.get('x-switchyard-request-id');
  if (!id) throw new Error('the proxy sent no x-switchyard-request-id header');
  return id;
}
